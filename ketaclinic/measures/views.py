"""Staff pages: the clinic's due and missed measures, and one patient's measurement schedule."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.measures.models import DueStatus
from ketaclinic.measures.selectors import measure_list_for_clinic, measure_schedule_for_patient
from ketaclinic.patients.access import patient_get_for_staff

PAGE_SIZE = 50
STATUS_FILTERS = [("", "Due and missed"), (DueStatus.DUE, "Due"), (DueStatus.MISSED, "Missed")]


@login_required
def measure_list(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    require_permission(user=acting_user(request), action=Action.OUTCOMES_VIEW, clinic=clinic)
    status = request.GET.get("status", "")
    if status not in (DueStatus.DUE, DueStatus.MISSED):
        status = ""
    today = clinic.local_today()
    rows = measure_list_for_clinic(clinic=clinic, status=status, today=today)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "measures/measure_list.html",
        {
            "page": page,
            "status": status,
            "status_filters": STATUS_FILTERS,
            "today": today,
            "nav": "measures",
        },
    )


@login_required
def patient_measures(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    patient = patient_get_for_staff(
        user=acting_user(request),
        clinic=clinic,
        patient_id=patient_id,
        action=Action.OUTCOMES_VIEW,
    )
    return render(
        request,
        "measures/patient_measures.html",
        {
            "patient": patient,
            "rows": list(measure_schedule_for_patient(patient=patient)),
            "today": clinic.local_today(),
            "nav": "measures",
        },
    )
