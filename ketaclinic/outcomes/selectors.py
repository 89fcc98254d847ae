"""Reads of a patient's questionnaires and open tasks (the caller has passed the access door)."""

from __future__ import annotations

from django.db.models import QuerySet

from ketaclinic.outcomes.models import ClinicalTask, QuestionnaireResponse
from ketaclinic.patients.models import Patient


def questionnaire_response_list_for_patient(
    *, patient: Patient, limit: int = 20
) -> list[QuestionnaireResponse]:
    return list(
        QuestionnaireResponse.objects.filter(patient=patient)
        .select_related("entered_by")
        .order_by("-completed_at")[:limit]
    )


def open_task_list_for_patient(*, patient: Patient) -> QuerySet[ClinicalTask]:
    return ClinicalTask.objects.filter(patient=patient, completed_at__isnull=True).order_by(
        "created_at"
    )
