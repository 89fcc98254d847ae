"""Staff pages for patients: the list and the chart summary. Thin: access door, then render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ketaclinic.accounts.http import acting_clinic, acting_user
from ketaclinic.accounts.permissions import has_permission, require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.consent.models import Treatment
from ketaclinic.consent.services import consent_current, consent_document_latest
from ketaclinic.core.errors import DomainError
from ketaclinic.courses.selectors import course_latest_for_patient
from ketaclinic.inquiries.selectors import inquiry_get_for_staff
from ketaclinic.intake.models import Intake
from ketaclinic.intake.selectors import (
    decision_unreviewed_amendment,
    eligibility_advice_for_intake,
    eligibility_decisions_for_patient,
    intake_get_for_patient,
    intake_medication_report,
)
from ketaclinic.medicine.questionnaires import INSTRUMENTS
from ketaclinic.outcomes.selectors import (
    ScreeningStatus,
    open_task_list_for_patient,
    questionnaire_response_list_for_patient,
    screening_status_for_patient,
)
from ketaclinic.patients.access import patient_get_for_staff
from ketaclinic.patients.forms import PatientRegistrationForm
from ketaclinic.patients.models import JourneyStage, Patient
from ketaclinic.patients.selectors import patient_list_for_clinic
from ketaclinic.patients.services import PatientDetails, PossibleDuplicate, patient_register
from ketaclinic.scheduling.selectors import upcoming_appointments_for_patient


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
def patient_register_view(request: HttpRequest) -> HttpResponse:
    """Register a patient, directly or from an inquiry (?inquiry=ID), warning about duplicates."""
    clinic = acting_clinic(request)
    user = acting_user(request)
    require_permission(user=user, action=Action.PATIENT_REGISTER, clinic=clinic)
    inquiry = None
    inquiry_id = request.GET.get("inquiry") or request.POST.get("inquiry")
    if inquiry_id and str(inquiry_id).isdigit():
        inquiry = inquiry_get_for_staff(user=user, clinic=clinic, inquiry_id=int(inquiry_id))
    initial = {}
    if inquiry is not None:
        first, _, last = inquiry.full_name.partition(" ")
        initial = {
            "legal_first_name": first,
            "legal_last_name": last,
            "email": inquiry.email,
            "phone": inquiry.phone,
        }
    form = PatientRegistrationForm(request.POST or None, initial=initial)
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


def _screening(patient: Patient, intake: Intake | None) -> ScreeningStatus:
    return screening_status_for_patient(
        patient=patient, indication=intake.indication if intake else ""
    )


def _chart_summary(patient: Patient, intake: Intake | None) -> dict[str, object]:
    """The chart's alerts and status lines: allergies, contraindications, the decision, consent."""
    advice = eligibility_advice_for_intake(intake) if intake is not None else None
    decision = eligibility_decisions_for_patient(patient_id=patient.pk).first()
    current_version = intake.version if intake is not None else 0
    amended = decision is not None and bool(
        decision_unreviewed_amendment(decision, current_version=current_version)
    )
    return {
        "intake": intake,
        "interactions": intake_medication_report(intake) if intake is not None else None,
        "contraindications": [r for r in advice.reasons if r.severity != "caution"]
        if advice
        else [],
        "decision": decision,
        "is_decision_amended_since": amended,  # an unreviewed amendment after the decision
        "consents": [
            (
                treatment,
                consent_document_latest(clinic=patient.clinic, treatment=treatment),
                consent_current(patient=patient, treatment=treatment),
            )
            for treatment in Treatment
        ],
    }


@login_required
def patient_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Demographics for anyone who may list patients; the clinical sections for those who may
    open the chart (the front desk registers and sends questionnaires, but sees no scores)."""
    clinic = acting_clinic(request)
    user = acting_user(request)
    sees_chart = has_permission(user=user, action=Action.PATIENT_CHART_VIEW, clinic=clinic)
    patient = patient_get_for_staff(
        user=user,
        clinic=clinic,
        patient_id=patient_id,
        action=Action.PATIENT_CHART_VIEW if sees_chart else Action.PATIENT_LIST,
    )
    intake = intake_get_for_patient(patient_id=patient.pk)
    return render(
        request,
        "patients/patient_detail.html",
        {
            "patient": patient,
            "age": patient.age_on(clinic.local_today()),
            "sees_chart": sees_chart,
            "responses": questionnaire_response_list_for_patient(patient=patient)
            if sees_chart
            else [],
            "open_tasks": open_task_list_for_patient(patient=patient) if sees_chart else [],
            "screening": _screening(patient, intake),
            "upcoming": upcoming_appointments_for_patient(patient=patient),
            "course": course_latest_for_patient(patient=patient),
            **(_chart_summary(patient, intake) if sees_chart else {}),
            "instruments": sorted(INSTRUMENTS.values(), key=lambda instrument: instrument.name),
            "nav": "patients",
        },
    )
