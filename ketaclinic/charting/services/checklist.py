"""Check-in and the pre-infusion checklist: the nurse's answers, today's weight and escort,
the physician's override, and whether the treatment may start (`_can_start`, which the pump
and the first device ask). Any change re-judges the checklist as it stands.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.charting.models import (
    ChecklistAnswer,
    SessionRoute,
    SessionStatus,
    TreatmentSession,
)
from ketaclinic.charting.selectors import (
    MANUAL_ITEMS,
    checklist_for_session,
)
from ketaclinic.charting.services.common import (
    CLOCK_SKEW,
    _audit,
    _clinical,
    _lock,
    _require_open,
)
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.core.errors import Conflict, InvalidInput, PreconditionFailed
from ketaclinic.medicine.body_weight import check_height_cm, check_weight_kg
from ketaclinic.medicine.errors import ClinicalRuleError
from ketaclinic.medicine.protocols import Route, protocol_get
from ketaclinic.medicine.session import (
    ChecklistItem,
    ItemStatus,
)
from ketaclinic.medicine.visits import TREATMENT_KINDS
from ketaclinic.scheduling.models import Appointment, AppointmentStatus


@transaction.atomic
def session_check_in(
    *,
    acting_user: User,
    appointment: Appointment,
    checked_in_at: datetime.datetime | None = None,
) -> TreatmentSession:
    """The patient has arrived for a booked treatment today: the session begins."""
    require_permission(user=acting_user, action=Action.APPOINTMENT_BOOK, clinic=appointment.clinic)
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if TreatmentSession.objects.filter(appointment=locked).exists():
        raise Conflict("This patient is already checked in.")
    if locked.status != AppointmentStatus.BOOKED:
        raise PreconditionFailed(
            f"That visit is {locked.get_status_display().lower()}; it cannot be checked in."
        )
    if locked.course_id is None or locked.kind not in TREATMENT_KINDS:
        raise PreconditionFailed("Only treatment visits are charted as sessions.")
    now = timezone.now()
    moment = now if checked_in_at is None else checked_in_at
    if timezone.is_naive(moment) or moment > now + CLOCK_SKEW:
        raise InvalidInput(
            "Check-in cannot be in the future.", fields={"checked_in_at": ["Future."]}
        )
    zone = locked.clinic.zone  # the clinic's day, whatever the request's time zone (API tokens)
    if timezone.localdate(moment, zone) != timezone.localdate(locked.starts_at, zone):
        raise PreconditionFailed(
            f"This visit is on {timezone.localtime(locked.starts_at, zone):%a %d %b}; check in on "
            "the day."
        )
    course = locked.course
    assert course is not None
    protocol = protocol_get(course.protocol_key)
    route = (
        SessionRoute.ESKETAMINE
        if protocol.route == Route.INTRANASAL
        else (SessionRoute.INTRAVENOUS)
    )
    recovery = clinic_rules_get(clinic=locked.clinic).recovery
    observation = (
        recovery.esketamine_minimum_observation_min
        if route == SessionRoute.ESKETAMINE
        else recovery.iv_minimum_observation_min
    )
    patient = locked.patient
    session = TreatmentSession.objects.create(
        clinic=locked.clinic,
        appointment=locked,
        patient=patient,
        course=course,
        route=route,
        protocol_key=course.protocol_key,
        status=SessionStatus.ARRIVED,
        checked_in_at=moment,
        checked_in_by=acting_user,
        escort_name=patient.escort_name,
        escort_phone=patient.escort_phone,
        observation_minimum_min=observation,
    )
    _audit(acting_user=acting_user, action=AuditAction.SESSION_CHECKED_IN, session=session)
    return session


@transaction.atomic
def checklist_answer(
    *,
    acting_user: User,
    session: TreatmentSession,
    item: ChecklistItem | str,
    status: ItemStatus | str,
    detail: str = "",
) -> ChecklistAnswer:
    """A nurse answers one item of the pre-infusion checklist (the latest answer counts)."""
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=session.clinic)
    try:
        item = ChecklistItem(item)
        status = ItemStatus(status)
    except ValueError as error:
        raise InvalidInput("Unknown checklist item or answer.") from error
    locked = _lock(session.pk)
    _require_open(locked)
    if locked.started_at is not None:
        raise PreconditionFailed("The treatment has started; the checklist is closed.")
    if item not in MANUAL_ITEMS:
        raise InvalidInput(
            f"“{item.value.replace('_', ' ')}” is filled in from the record or its own step."
        )
    detail = detail.strip()[:500]
    if status == ItemStatus.FAIL and not detail:
        raise InvalidInput(
            "Say what is wrong.",
            fields={"detail": ["Say what is wrong: a failed item needs a detail."]},
        )
    answer, created = ChecklistAnswer.objects.update_or_create(
        session=locked,
        item=item,
        defaults={
            "clinic": locked.clinic,
            "status": status,
            "detail": detail,
            "recorded_by": acting_user,
            "recorded_at": timezone.now(),
        },
    )
    _after_checklist_change(locked)
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_CHARTED,
        session=locked,
        subject=answer,
        detail={"checklist": item.value, "status": status.value, "changed": not created},
    )
    return answer


def _after_checklist_change(session: TreatmentSession) -> None:
    """Any change re-opens the question: a passed checklist is passed only as it stands now."""
    if session.started_at is not None:
        return  # the checklist closed at the start; a late entry does not reopen it
    checklist = checklist_for_session(session=session)
    if checklist.outcome.can_start and session.checklist_passed_at is None:
        session.checklist_passed_at = timezone.now()
        session.status = SessionStatus.READY
        session.save(update_fields=["checklist_passed_at", "status", "updated_at"])
    elif not checklist.outcome.can_start and session.checklist_passed_at is not None:
        session.checklist_passed_at = None
        if not session.checklist_override_reason:
            session.status = SessionStatus.ARRIVED
        session.save(update_fields=["checklist_passed_at", "status", "updated_at"])


@transaction.atomic
def session_measurements_record(
    *,
    acting_user: User,
    session: TreatmentSession,
    weight_kg: Decimal,
    height_cm: Decimal | None = None,
) -> TreatmentSession:
    """Today's weight (and height, if not on file): the dose is computed from these."""
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=session.clinic)
    locked = _lock(session.pk)
    _require_open(locked)
    if locked.preparations.filter(discarded_at__isnull=True).exists():
        raise PreconditionFailed(
            "A dose has been prepared from the weight on file; discard it before changing the "
            "weight."
        )
    try:
        weight = check_weight_kg(weight_kg)
        height = check_height_cm(height_cm if height_cm is not None else locked.height_cm)
    except ClinicalRuleError as error:
        raise _clinical(error, "weight_kg") from error
    locked.weight_kg = weight.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    locked.height_cm = height.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    locked.save(update_fields=["weight_kg", "height_cm", "updated_at"])
    _after_checklist_change(locked)
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_CHARTED,
        session=locked,
        detail={"weight_kg": str(locked.weight_kg), "height_cm": str(locked.height_cm)},
    )
    return locked


@transaction.atomic
def session_escort_confirm(
    *, acting_user: User, session: TreatmentSession, name: str, phone: str
) -> TreatmentSession:
    """The responsible adult who takes the patient home: name and phone before dosing (§4)."""
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=session.clinic)
    name, phone = name.strip()[:200], phone.strip()[:32]
    errors: dict[str, list[str]] = {}
    if len(name) < 2:
        errors["escort_name"] = ["Give the escort's name."]
    if sum(character.isdigit() for character in phone) < 7:
        errors["escort_phone"] = ["Give a phone number the clinic can call."]
    if errors:
        raise InvalidInput("The escort's name and phone are both needed.", fields=errors)
    locked = _lock(session.pk)
    _require_open(locked)
    locked.escort_name, locked.escort_phone = name, phone
    locked.save(update_fields=["escort_name", "escort_phone", "updated_at"])
    _after_checklist_change(locked)
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_CHARTED,
        session=locked,
        detail={"escort_confirmed": True},
    )
    return locked


@transaction.atomic
def checklist_override(
    *, acting_user: User, session: TreatmentSession, reason: str
) -> TreatmentSession:
    """A physician lets the treatment start despite a failed item or a review-level reading."""
    require_permission(user=acting_user, action=Action.CHECKLIST_OVERRIDE, clinic=session.clinic)
    reason = reason.strip()
    if len(reason) < 5:
        raise InvalidInput("Give the clinical reason.", fields={"reason": ["Required."]})
    locked = _lock(session.pk)
    _require_open(locked)
    if locked.started_at is not None:
        raise PreconditionFailed("The treatment has already started.")
    outcome = checklist_for_session(session=locked).outcome
    if outcome.can_start:
        raise PreconditionFailed("Every item has passed; nothing needs overriding.")
    if not outcome.needs_physician:
        raise PreconditionFailed("These cannot be overridden: " + " ".join(outcome.blocking))
    locked.checklist_override_reason = reason[:500]
    locked.checklist_overridden_by = acting_user
    locked.status = SessionStatus.READY
    locked.save(
        update_fields=[
            "checklist_override_reason",
            "checklist_overridden_by",
            "status",
            "updated_at",
        ]
    )
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_OVERRIDDEN,
        session=locked,
        detail={"override": "checklist", "reason": reason, "blocking": list(outcome.blocking)},
    )
    return locked


def _can_start(session: TreatmentSession) -> bool:
    """Judged on the checklist as it stands now, not on `checklist_passed_at`: the items read
    from the record (consent, today's answers, an open suicide-risk task) change without a
    checklist answer. An override covers only blockers a physician may override."""
    outcome = checklist_for_session(session=session).outcome
    if outcome.can_start:
        return True
    return bool(session.checklist_override_reason) and outcome.needs_physician
