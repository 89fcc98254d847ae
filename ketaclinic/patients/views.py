"""Staff pages for patients: the list, the navigation's search and registration. Thin: access
door, then render. The patient's page gathers intake, consent, courses, outcomes and scheduling,
so it lives in `staff.patient_page`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.core.errors import DomainError
from ketaclinic.inquiries.selectors import inquiry_get_for_staff
from ketaclinic.patients.forms import PatientRegistrationForm, registration_initial_from_inquiry
from ketaclinic.patients.models import JourneyStage, Patient
from ketaclinic.patients.search import parse_patient_search
from ketaclinic.patients.selectors import patient_found_by_mrn, patient_list_for_clinic
from ketaclinic.patients.services import PatientDetails, PossibleDuplicate, patient_register


def _patient_list_page(request: HttpRequest, *, search: str, stage: str) -> dict[str, Any]:
    """The list page's context: one page of the clinic's patients for the search and stage."""
    clinic = acting_clinic(request)
    patients = patient_list_for_clinic(
        user=acting_user(request), clinic=clinic, search=search, stage=stage
    )
    return {
        "page": Paginator(patients, 25).get_page(request.GET.get("page")),
        "search": search,
        "search_problem": parse_patient_search(search, today=clinic.local_today()).problem,
        "stage": stage,
        "stages": JourneyStage.choices,
        "today": clinic.local_today(),
        "nav": "patients",
    }


@login_required
def patient_list(request: HttpRequest) -> HttpResponse:
    stage = request.GET.get("stage", "")
    if stage not in JourneyStage.values:
        stage = ""
    context = _patient_list_page(request, search=request.GET.get("q", "")[:100], stage=stage)
    return render(request, "patients/patient_list.html", context)


@login_required
def patient_search(request: HttpRequest) -> HttpResponse:
    """The navigation's search box: the patient list with the query's results, or the chart
    itself when the query is one patient's MRN."""
    search = request.GET.get("q", "")[:100]
    context = _patient_list_page(request, search=search, stage="")
    found = patient_found_by_mrn(page=context["page"], search=search)
    if found is not None:
        return redirect("patients:detail", patient_id=found.pk)
    return render(request, "patients/patient_list.html", context)


@login_required
def patient_register_view(request: HttpRequest) -> HttpResponse:
    """Register a patient, directly or from an inquiry (?inquiry=ID), warning about duplicates."""
    clinic = acting_clinic(request)
    user = acting_user(request)
    require_permission(user=user, action=Action.PATIENT_REGISTER, clinic=clinic)
    inquiry = None
    inquiry_id = request.GET.get("inquiry") or request.POST.get("inquiry")
    if inquiry_id and str(inquiry_id).isdigit():
        inquiry = inquiry_get_for_staff(user=user, clinic=clinic, inquiry_id=int(inquiry_id))
    initial = registration_initial_from_inquiry(inquiry) if inquiry is not None else {}
    form = PatientRegistrationForm(request.POST or None, initial=initial, clinic=clinic)
    candidates: list[Patient] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        details = PatientDetails(
            **{name: data[name] for name in PatientDetails.__dataclass_fields__ if name in data},
        )
        try:
            patient = patient_register(
                acting_user=user,
                clinic=clinic,
                details=details,
                confirmed_not_duplicate=data["confirmed_not_duplicate"],
                from_inquiry=inquiry,
            )
        except PossibleDuplicate as duplicate:
            candidates = duplicate.candidates
            form.add_error(None, duplicate.message)
        except DomainError as error:
            for field, messages_for_field in error.fields.items():
                for message in messages_for_field:
                    form.add_error(field if field in form.fields else None, message)
            if not error.fields:
                form.add_error(None, error.message)
        else:
            messages.success(
                request, f"Registered {patient.display_name} ({patient.medical_record_number})."
            )
            return redirect("patients:detail", patient_id=patient.pk)
    return render(
        request,
        "patients/patient_register.html",
        {"form": form, "candidates": candidates, "inquiry": inquiry, "nav": "patients"},
    )
