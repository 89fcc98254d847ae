"""Recording questionnaires (scored by medicine/), the patient's single-use link, and the urgent
task a suicide-risk answer raises at once (issue 4; CLINICAL.md §9.3)."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action, Role
from ketaclinic.audit.models import AuditAction, AuditOutcome
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import Conflict, InvalidInput, NotFound
from ketaclinic.medicine.errors import ClinicalRuleError
from ketaclinic.medicine.questionnaires import instrument_get
from ketaclinic.outcomes.models import (
    ClinicalTask,
    QuestionnaireLink,
    QuestionnaireResponse,
    ResponseContext,
    ResponseSource,
    TaskPriority,
)
from ketaclinic.patients.models import Patient

SUICIDE_RISK_FLAG = "suicide_risk"
LINK_NOT_VALID = (
    "This link is not valid: it may have been used already or have expired. "
    "Please contact the clinic."
)
DEFAULT_LINK_HOURS = 72
MAX_LINK_HOURS = 14 * 24


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _score(instrument_code: str, answers: Mapping[str, object]) -> tuple[int, str, list[str]]:
    try:
        instrument = instrument_get(instrument_code)
        result = instrument.score(answers)  # type: ignore[arg-type]
    except ClinicalRuleError as error:
        raise InvalidInput(error.message, fields={instrument_code: [error.message]}) from error
    return result.total, result.band, list(result.flags)


def _record(
    *,
    patient: Patient,
    instrument_code: str,
    answers: Mapping[str, object],
    context: ResponseContext,
    source: ResponseSource,
    entered_by: User | None,
) -> QuestionnaireResponse:
    total, band, flags = _score(instrument_code, answers)
    response = QuestionnaireResponse.objects.create(
        clinic=patient.clinic,
        patient=patient,
        instrument=instrument_code,
        answers=dict(answers),
        total=total,
        band=band,
        flags=flags,
        context=context,
        source=source,
        completed_at=timezone.now(),
        entered_by=entered_by,
    )
    audit_record(
        actor=entered_by,
        action=AuditAction.QUESTIONNAIRE_RECORDED,
        clinic=patient.clinic,
        patient_id=patient.pk,
        subject=response,
        detail={"instrument": instrument_code, "total": total, "flags": flags},
    )
    if SUICIDE_RISK_FLAG in flags:
        task = ClinicalTask.objects.create(
            clinic=patient.clinic,
            patient=patient,
            priority=TaskPriority.URGENT,
            for_role=Role.PHYSICIAN,
            title=f"Suicide-risk answer on {instrument_get(instrument_code).name}: review now",
            detail=(
                f"{patient.display_name} ({patient.medical_record_number}) gave a positive "
                f"suicide-risk answer ({instrument_code}, total {total}). Contact the patient and "
                "follow the clinic's safety protocol."
            ),
            source_response=response,
        )
        audit_record(
            actor=entered_by,
            action=AuditAction.TASK_CREATED,
            clinic=patient.clinic,
            patient_id=patient.pk,
            subject=task,
            detail={"priority": TaskPriority.URGENT, "reason": SUICIDE_RISK_FLAG},
        )
    return response


@transaction.atomic
def questionnaire_record(
    *,
    acting_user: User,
    patient: Patient,
    instrument_code: str,
    answers: Mapping[str, object],
    context: ResponseContext,
) -> QuestionnaireResponse:
    """Staff enter a questionnaire for a patient (on a tablet, or from paper)."""
    require_permission(user=acting_user, action=Action.QUESTIONNAIRE_RECORD, clinic=patient.clinic)
    return _record(
        patient=patient,
        instrument_code=instrument_code,
        answers=answers,
        context=context,
        source=ResponseSource.STAFF,
        entered_by=acting_user,
    )


@transaction.atomic
def questionnaire_link_issue(
    *,
    acting_user: User,
    patient: Patient,
    instrument_codes: list[str],
    context: ResponseContext,
    valid_hours: int = DEFAULT_LINK_HOURS,
) -> tuple[QuestionnaireLink, str]:
    """A single-use link that expires; returns the row and the token (shown or sent once)."""
    require_permission(user=acting_user, action=Action.QUESTIONNAIRE_RECORD, clinic=patient.clinic)
    if not instrument_codes:
        raise InvalidInput(
            "Choose at least one questionnaire.", fields={"instruments": ["Required."]}
        )
    for code in instrument_codes:
        try:
            instrument = instrument_get(code)
        except ClinicalRuleError as error:
            raise InvalidInput(error.message, fields={"instruments": [error.message]}) from error
        if instrument.is_wording_licensed and not all(item.text for item in instrument.items):
            message = (
                f"{instrument.name} can only be sent once the clinic has loaded its licensed "
                "wording; enter it with the patient instead."
            )
            raise InvalidInput(message, fields={"instruments": [message]})
    if not 1 <= valid_hours <= MAX_LINK_HOURS:
        raise InvalidInput(f"A link is valid for 1 to {MAX_LINK_HOURS} hours.")
    token = secrets.token_urlsafe(32)
    link = QuestionnaireLink.objects.create(
        clinic=patient.clinic,
        patient=patient,
        token_hash=_hash(token),
        instruments=list(dict.fromkeys(instrument_codes)),
        context=context,
        expires_at=timezone.now() + datetime.timedelta(hours=valid_hours),
        created_by=acting_user,
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.QUESTIONNAIRE_LINK_ISSUED,
        clinic=patient.clinic,
        patient_id=patient.pk,
        subject=link,
        detail={"instruments": link.instruments, "valid_hours": valid_hours},
    )
    return link, token


def questionnaire_link_get(*, token: str) -> QuestionnaireLink:
    """The open link for a token; one message for unknown, used and expired links."""
    link = (
        QuestionnaireLink.objects.select_related("patient", "clinic")
        .filter(token_hash=_hash(token))
        .first()
    )
    if link is None or link.used_at is not None or link.expires_at <= timezone.now():
        audit_record(
            actor=None,
            action=AuditAction.QUESTIONNAIRE_LINK_REFUSED,
            outcome=AuditOutcome.REFUSED,
            clinic_id=link.clinic_id if link else None,
            patient_id=link.patient_id if link else None,
            detail={"known": link is not None},
        )
        raise NotFound(LINK_NOT_VALID)
    return link


@transaction.atomic
def questionnaire_link_submit(
    *, token: str, answers_by_instrument: Mapping[str, Mapping[str, object]]
) -> list[QuestionnaireResponse]:
    """Record every questionnaire of the link at once and use the link up.

    All or nothing: one incomplete questionnaire refuses the lot (nothing is half-saved), and the
    row lock means two submissions of the same link cannot both be recorded.
    """
    link = questionnaire_link_get(token=token)
    locked = (
        QuestionnaireLink.objects.select_for_update()
        .select_related("patient__clinic")
        .get(pk=link.pk)
    )
    if locked.used_at is not None:
        raise Conflict(LINK_NOT_VALID)
    missing = [code for code in locked.instruments if code not in answers_by_instrument]
    if missing:
        names = ", ".join(instrument_get(code).name for code in missing)
        raise InvalidInput(
            f"Please complete: {names}.", fields={code: ["Not answered."] for code in missing}
        )
    responses = [
        _record(
            patient=locked.patient,
            instrument_code=code,
            answers=answers_by_instrument[code],
            context=ResponseContext(locked.context),
            source=ResponseSource.PORTAL_LINK,
            entered_by=None,
        )
        for code in locked.instruments
    ]
    locked.used_at = timezone.now()
    locked.save(update_fields=["used_at", "updated_at"])
    return responses


@transaction.atomic
def clinical_task_complete(*, acting_user: User, task: ClinicalTask, note: str) -> ClinicalTask:
    """A physician records how an urgent task was handled; the note is required."""
    require_permission(user=acting_user, action=Action.SAFETY_TASK_RESOLVE, clinic=task.clinic)
    note = note.strip()
    if not note:
        raise InvalidInput(
            "Say what was done (e.g. 'called the patient, safety plan reviewed').",
            fields={"note": ["Required."]},
        )
    locked = ClinicalTask.objects.select_for_update().get(pk=task.pk)
    if locked.completed_at is not None:
        raise Conflict("This task was already completed.")
    locked.completed_at = timezone.now()
    locked.completed_by = acting_user
    locked.completion_note = note
    locked.save(update_fields=["completed_at", "completed_by", "completion_note", "updated_at"])
    audit_record(
        actor=acting_user,
        action=AuditAction.TASK_COMPLETED,
        clinic=locked.clinic,
        patient_id=locked.patient_id,
        subject=locked,
    )
    return locked
