"""The patient's page: demographics, and for those who may open the chart the alerts and status
lines (allergies, contraindications, the eligibility decision, consent), the course, upcoming
visits, screening and questionnaires. It gathers intake, consent, courses, outcomes and
scheduling, so it lives in the staff interface; its URL keeps the name `patients:detail`
(config/urls.py). Thin: access door, then render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.permissions import has_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.consent.models import Treatment
from ketaclinic.consent.services import consent_current, consent_document_latest
from ketaclinic.courses.selectors import course_latest_for_patient
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
from ketaclinic.patients.models import Patient
from ketaclinic.portal.invitation_selectors import portal_access_for_patient
from ketaclinic.scheduling.selectors import upcoming_appointments_for_patient


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
        "staff/patient/detail.html",
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
            "portal_access": portal_access_for_patient(patient=patient),
            **(_chart_summary(patient, intake) if sees_chart else {}),
            "instruments": sorted(INSTRUMENTS.values(), key=lambda instrument: instrument.name),
            "nav": "patients",
        },
    )
