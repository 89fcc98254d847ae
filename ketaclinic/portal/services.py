"""What a patient records in the portal: a due questionnaire, scored by medicine/ and recorded
with the outcomes app's own rules (source PORTAL; a suicide-risk answer raises the urgent task at
once), then marked complete in the measurement schedule."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from ketaclinic.accounts.models import User
from ketaclinic.core.errors import NotFound
from ketaclinic.measures.models import DueStatus, MeasureDue
from ketaclinic.measures.services import measure_complete_from_response
from ketaclinic.medicine.measurement import DueReason
from ketaclinic.outcomes.models import QuestionnaireResponse, ResponseContext, ResponseSource
from ketaclinic.outcomes.services import _record as questionnaire_record_scored
from ketaclinic.patients.models import Patient

QUESTIONNAIRE_NOT_DUE = "This questionnaire is not waiting for you any more. Thank you."


def portal_due_get(*, patient: Patient, due_id: int, lock: bool = False) -> MeasureDue:
    """The patient's own open measure; anyone else's, or a closed one, is not found."""
    today = patient.clinic.local_today()
    rows = MeasureDue.objects.filter(
        pk=due_id,
        patient=patient,
        status=DueStatus.DUE,
        opens_on__lte=today,
        closes_on__gte=today,
    )
    due = (rows.select_for_update() if lock else rows).first()
    if due is None:
        raise NotFound(QUESTIONNAIRE_NOT_DUE)
    return due


@transaction.atomic
def portal_questionnaire_submit(
    *, patient_user: User, patient: Patient, due_id: int, answers: Mapping[str, object]
) -> QuestionnaireResponse:
    """Record the patient's answers to one of their due measures. The row lock means a double
    submission records once; the second finds the measure completed and is told so."""
    due = portal_due_get(patient=patient, due_id=due_id, lock=True)
    context = (
        ResponseContext.PRE_SESSION
        if due.reason == DueReason.BEFORE_INFUSION.value
        else ResponseContext.FOLLOW_UP
    )
    response = questionnaire_record_scored(
        patient=patient,
        instrument_code=due.instrument,
        answers=answers,
        context=context,
        source=ResponseSource.PORTAL,
        entered_by=patient_user,
    )
    measure_complete_from_response(response=response)
    return response
