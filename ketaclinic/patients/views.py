"""Staff pages for patients: the list and the chart summary. Thin: access door, then render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ketaclinic.accounts.http import acting_clinic, acting_user
from ketaclinic.patients.access import patient_get_for_staff
from ketaclinic.patients.models import JourneyStage
from ketaclinic.patients.selectors import patient_list_for_clinic


@login_required
def patient_list(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    search = request.GET.get("q", "")[:100]
    stage = request.GET.get("stage", "")
    if stage not in JourneyStage.values:
        stage = ""
    patients = patient_list_for_clinic(
        user=acting_user(request), clinic=clinic, search=search, stage=stage
    )
    page = Paginator(patients, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "patients/patient_list.html",
        {
            "page": page,
            "search": search,
            "stage": stage,
            "stages": JourneyStage.choices,
            "today": clinic.local_today(),
            "nav": "patients",
        },
    )


@login_required
def patient_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    patient = patient_get_for_staff(user=acting_user(request), clinic=clinic, patient_id=patient_id)
    return render(
        request,
        "patients/patient_detail.html",
        {"patient": patient, "age": patient.age_on(clinic.local_today()), "nav": "patients"},
    )
