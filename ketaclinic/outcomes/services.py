"""Recording questionnaires (scored by medicine/), the patient's single-use link, and the urgent
task a suicide-risk answer raises at once (issue 4; CLINICAL.md §9.3)."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Mapping

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import StaffMembership, User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action, Role
from ketaclinic.audit.models import AuditAction, AuditOutcome
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic, OpeningHours
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.core.errors import Conflict, InvalidInput, NotFound
from ketaclinic.courses.models import OPEN_STATUSES, TreatmentCourse
from ketaclinic.intake.models import EligibilityDecision
from ketaclinic.jobs.services import enqueue
from ketaclinic.medicine.errors import ClinicalRuleError
from ketaclinic.medicine.questionnaires import instrument_get
from ketaclinic.medicine.safety import OpeningPeriod, acknowledge_deadline
from ketaclinic.outcomes.models import (
    ClinicalTask,
    QuestionnaireLink,
    QuestionnaireResponse,
    ResponseContext,
    ResponseSource,
    TaskPriority,
)
from ketaclinic.outcomes.wording import instrument_has_wording, instruments_for_clinic
from ketaclinic.patients.models import Patient

SUICIDE_RISK_FLAG = "suicide_risk"
ESCALATE_JOB = "outcomes.escalate_safety_task"
NOTIFY_JOB = "outcomes.notify_safety_task"
URGENT_TASK_EMAIL = "You have an urgent task in ketaclinic"
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
        _safety_task_raise(patient=patient, response=response, entered_by=entered_by)
    return response


# --- the suicide-safety workflow (CLINICAL.md §9.3; deadlines medicine/safety.py) --------------

_PHYSICIAN_ROLES = (Role.PHYSICIAN, Role.MEDICAL_DIRECTOR)


def _physicians_at(clinic: Clinic, *, roles: tuple[str, ...] = _PHYSICIAN_ROLES) -> list[User]:
    memberships = StaffMembership.objects.filter(
        clinic=clinic, role__in=roles, is_active=True, user__is_active=True
    ).select_related("user")
    return [membership.user for membership in memberships.order_by("user__full_name", "user_id")]


def patient_physician_get(*, patient: Patient) -> User | None:
    """The patient's physician: who signed the open course, else the latest eligibility decision,
    while they still work at the clinic as a physician; None = any physician there."""
    signers = [
        TreatmentCourse.objects.filter(patient=patient, status__in=OPEN_STATUSES)
        .order_by("-signed_at")
        .values_list("signed_by_id", flat=True)
        .first(),
        EligibilityDecision.objects.filter(patient=patient)
        .order_by("-signed_at")
        .values_list("signed_by_id", flat=True)
        .first(),
    ]
    physicians = {user.pk: user for user in _physicians_at(patient.clinic)}
    for user_id in signers:
        if user_id in physicians:
            return physicians[user_id]
    return None


def _opening_hours(clinic: Clinic) -> list[OpeningPeriod]:
    return [
        (period.weekday, period.opens_at, period.closes_at)
        for period in OpeningHours.objects.filter(clinic=clinic)
    ]


def _safety_task_raise(
    *, patient: Patient, response: QuestionnaireResponse, entered_by: User | None
) -> ClinicalTask:
    clinic = patient.clinic
    rules = clinic_rules_get(clinic=clinic).safety
    raised_at = timezone.now()
    deadline = acknowledge_deadline(
        raised_at=raised_at.astimezone(clinic.zone),
        opening_hours=_opening_hours(clinic),
        rules=rules,
    )
    assignee = patient_physician_get(patient=patient)
    task = ClinicalTask.objects.create(
        clinic=clinic,
        patient=patient,
        priority=TaskPriority.URGENT,
        for_role=Role.PHYSICIAN,
        title=f"Suicide-risk answer on {instrument_get(response.instrument).name}: review now",
        detail=(
            f"{patient.display_name} ({patient.medical_record_number}) gave a positive "
            f"suicide-risk answer ({instrument_get(response.instrument).name}, "
            f"{response.band}, total {response.total}). Contact the "
            "patient and follow the clinic's safety protocol."
        ),
        source_response=response,
        assigned_to=assignee,
        acknowledge_by=deadline,
    )
    audit_record(
        actor=entered_by,
        action=AuditAction.TASK_CREATED,
        clinic=clinic,
        patient_id=patient.pk,
        subject=task,
        actor_label="" if entered_by else "patient (questionnaire)",
        detail={
            "priority": TaskPriority.URGENT,
            "reason": SUICIDE_RISK_FLAG,
            "response": response.pk,
            "source": response.source,
            "assigned_to": assignee.pk if assignee else None,
            "acknowledge_by": deadline.isoformat(),
        },
    )
    # In the same transaction as the task: a suicide-risk task is never stored without the jobs
    # that notify and escalate it (after the commit, a worker that died in between lost them).
    _schedule_safety_jobs(task.pk, deadline)
    return task


def _schedule_safety_jobs(task_id: int, deadline: datetime.datetime) -> None:
    enqueue(
        NOTIFY_JOB, {"task_id": task_id, "stage": "raised"}, key=f"{NOTIFY_JOB}:{task_id}:raised"
    )
    enqueue(ESCALATE_JOB, {"task_id": task_id}, run_at=deadline, key=f"{ESCALATE_JOB}:{task_id}")


@transaction.atomic
def clinical_task_acknowledge(*, acting_user: User, task: ClinicalTask, note: str) -> ClinicalTask:
    """A physician says "I have it" (with a note); this stops the escalation clock. Completing
    the task is separate (`clinical_task_complete`)."""
    require_permission(user=acting_user, action=Action.SAFETY_TASK_RESOLVE, clinic=task.clinic)
    note = note.strip()
    if not note:
        raise InvalidInput(
            "Say what you are doing (e.g. 'calling the patient now').",
            fields={"note": ["Required."]},
        )
    locked = ClinicalTask.objects.select_for_update().get(pk=task.pk)
    if locked.completed_at is not None:
        raise Conflict("This task was already completed.")
    if locked.acknowledged_at is not None:
        raise Conflict("This task was already acknowledged.")
    now = timezone.now()
    locked.acknowledged_at = now
    locked.acknowledged_by = acting_user
    locked.acknowledgement_note = note[:2000]
    locked.save(
        update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement_note", "updated_at"]
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.TASK_ACKNOWLEDGED,
        clinic=locked.clinic,
        patient_id=locked.patient_id,
        subject=locked,
        detail={
            "late": bool(locked.acknowledge_by and now > locked.acknowledge_by),
            "after_escalation": locked.escalated_at is not None,
            "minutes_after_raised": int((now - locked.created_at).total_seconds() // 60),
        },
    )
    return locked


@transaction.atomic
def clinical_task_escalate_if_missed(*, task_id: int, now: datetime.datetime | None = None) -> bool:
    """Run by the job at the deadline (idempotent): an urgent task still unacknowledged and open
    goes to the medical director, once. Returns whether it was escalated now."""
    now = now or timezone.now()
    task = (
        ClinicalTask.objects.select_for_update().select_related("clinic").filter(pk=task_id).first()
    )
    if (
        task is None
        or task.acknowledge_by is None
        or task.acknowledge_by > now
        or task.acknowledged_at is not None
        or task.completed_at is not None
        or task.escalated_at is not None
    ):
        return False
    directors = _physicians_at(task.clinic, roles=(Role.MEDICAL_DIRECTOR,))
    task.escalated_at = now
    task.escalated_to = directors[0] if directors else None
    task.save(update_fields=["escalated_at", "escalated_to", "updated_at"])
    audit_record(
        actor=None,
        action=AuditAction.TASK_ESCALATED,
        clinic=task.clinic,
        patient_id=task.patient_id,
        subject=task,
        actor_label="safety escalation job",
        detail={
            "escalated_to": task.escalated_to_id,
            "assigned_to": task.assigned_to_id,
            "acknowledge_by": task.acknowledge_by.isoformat(),
        },
    )
    _enqueue_notify(task_id, "escalated")  # with the escalation, in its transaction
    return True


def _enqueue_notify(task_id: int, stage: str) -> None:
    enqueue(NOTIFY_JOB, {"task_id": task_id, "stage": stage}, key=f"{NOTIFY_JOB}:{task_id}:{stage}")


def safety_task_notify(*, task_id: int, stage: str) -> int:
    """Email who must act: "You have an urgent task in ketaclinic" and nothing else (no personal
    health information in email). Raised: the assignee (else every physician at the clinic);
    escalated: the medical director (else every physician). Returns how many were emailed."""
    task = ClinicalTask.objects.select_related("clinic", "assigned_to", "escalated_to").get(
        pk=task_id
    )
    if task.completed_at is not None or (stage == "raised" and task.acknowledged_at is not None):
        return 0
    chosen = task.escalated_to if stage == "escalated" else task.assigned_to
    recipients = [chosen] if chosen is not None else _physicians_at(task.clinic)
    addresses = [user.email for user in recipients if user.email]
    for address in addresses:
        EmailMessage(subject=URGENT_TASK_EMAIL, body=f"{URGENT_TASK_EMAIL}.", to=[address]).send()
    with transaction.atomic():
        audit_record(
            actor=None,
            action=AuditAction.TASK_NOTIFIED,
            clinic=task.clinic,
            patient_id=task.patient_id,
            subject=task,
            actor_label="safety notification job",
            detail={"stage": stage, "recipients": [user.pk for user in recipients]},
        )
    return len(addresses)


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
    instruments = instruments_for_clinic(clinic=patient.clinic)
    for code in instrument_codes:
        instrument = instruments.get(code)
        if instrument is None:
            message = f"There is no questionnaire {code!r}."
            raise InvalidInput(message, fields={"instruments": [message]})
        if not instrument_has_wording(instrument):
            message = (
                f"{instrument.name} cannot be sent: its licensed wording is not loaded — ask "
                "your clinic admin."
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
    fields = ["completed_at", "completed_by", "completion_note", "updated_at"]
    if locked.acknowledged_at is None:  # completing it is also having it in hand
        locked.acknowledged_at, locked.acknowledged_by = locked.completed_at, acting_user
        fields += ["acknowledged_at", "acknowledged_by"]
    locked.save(update_fields=fields)
    audit_record(
        actor=acting_user,
        action=AuditAction.TASK_COMPLETED,
        clinic=locked.clinic,
        patient_id=locked.patient_id,
        subject=locked,
        detail={"escalated": locked.escalated_at is not None},
    )
    return locked
