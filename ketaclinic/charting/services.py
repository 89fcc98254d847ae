"""The session day's writes: check-in, checklist, dose, pump and devices, vitals and alarms, side
effects and PRNs, scores, the controlled-substance record, discharge and the signed note.

Every service takes the acting user, checks the permission and the clinical preconditions
(`medicine/` decides; this module only asks), writes in one transaction with its audit event,
and refuses with a message a nurse understands. Rows a tablet may send twice carry an
idempotency key and go through one retry path, `_sent_once`: the same key with the same values
returns the row already stored (marked `is_retry`), with other values it is refused. Changes to
the session row itself are made under its row lock, so two nurses charting at once never
overwrite each other.

Times: any charted time may be given (a late entry keeps its true time) but not in the future
and not before check-in; the session clock (minute 0) is the pump start or the first esketamine
device.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action, Role
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.charting.models import (
    ChecklistAnswer,
    ControlledSubstanceRecord,
    DoseContainer,
    DosePreparation,
    PrnDose,
    PrnResponse,
    PumpEvent,
    RemsMonitoringForm,
    SentOnce,
    SessionAddendum,
    SessionAlarm,
    SessionNote,
    SessionRoute,
    SessionScore,
    SessionStatus,
    SideEffect,
    TreatmentSession,
    VitalSignReading,
    VitalsPhase,
)
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.core.errors import Conflict, InvalidInput, PreconditionFailed
from ketaclinic.courses.selectors import dose_order_valid_at
from ketaclinic.inventory.models import Container, ProductForm
from ketaclinic.inventory.services import container_draw, draw_administer, draw_waste
from ketaclinic.medicine.body_weight import Sex, check_height_cm, check_weight_kg, dosing_weight
from ketaclinic.medicine.dosing import (
    DEFAULT_DILUENT_BAG_ML,
    esketamine_dose,
    plan_iv_infusion,
)
from ketaclinic.medicine.dosing import (
    Container as PlanContainer,
)
from ketaclinic.medicine.errors import ClinicalRuleError
from ketaclinic.medicine.medications import (
    RouteNotListed,
    UnitNotListed,
    check_medication_dose,
    dose_text,
    plain_decimal,
)
from ketaclinic.medicine.protocols import Route, protocol_get
from ketaclinic.medicine.questionnaires import instrument_get
from ketaclinic.medicine.recovery import SESSION_INSTRUMENTS, RecoveryRoute, discharge_readiness
from ketaclinic.medicine.rems import monitoring_form_due_by
from ketaclinic.medicine.session import (
    ChecklistItem,
    ItemStatus,
    PumpEventKind,
    Severity,
    SideEffectAction,
    SideEffectKind,
    acknowledge_within_min,
    check_device_timing,
    check_next_event,
    delivered_mg,
    discharge_instructions,
    is_early_stop,
)
from ketaclinic.medicine.session import (
    PumpEvent as PlanPumpEvent,
)
from ketaclinic.medicine.visits import TREATMENT_KINDS
from ketaclinic.medicine.vital_signs import (
    Alarm,
    AlarmLevel,
    VitalSigns,
    evaluate_vital_signs,
    pre_infusion_decision,
)
from ketaclinic.scheduling.models import Appointment, AppointmentStatus

# A tablet's clock may run a little ahead of the server's; beyond this a time is "in the future".
CLOCK_SKEW = datetime.timedelta(minutes=1)
POST_SESSION_FORM = "post_session_effects"
ESCALATION_JOB = "charting.alarm_escalate"
# Items the nurse answers by hand; the others are read from the record (consent, REMS, the
# questionnaires and the suicide-risk answer) or set by their own step (weight, escort, vitals).
MANUAL_ITEMS = frozenset(
    {
        ChecklistItem.IDENTITY,
        ChecklistItem.FASTING,
        ChecklistItem.MEDICATION_HOLDS,
        ChecklistItem.NO_SUBSTANCES,
        ChecklistItem.PREGNANCY_TEST,
        ChecklistItem.EQUIPMENT,
    }
)

RowT = TypeVar("RowT", bound=SentOnce)
KEY_REUSED = "This entry was already sent with different values; reload the session."


# --- shared checks ---------------------------------------------------------------------------


def _lock(session_id: int) -> TreatmentSession:
    """The session, locked: by id, so a row's `.session` is not loaded only to be read again."""
    return TreatmentSession.objects.select_for_update().get(pk=session_id)


def _is_signed(session_id: int) -> bool:
    return SessionNote.objects.filter(session_id=session_id).exists()


def _require_open(session: TreatmentSession) -> None:
    if not session.is_open:
        then = (
            "Add an addendum to its note instead."
            if _is_signed(session.pk)
            else "Sign its note, then add what happened as an addendum."
        )
        raise PreconditionFailed(
            f"This session is {session.get_status_display().lower()}; it can no longer be "
            f"charted. {then}"
        )


def _require_unsigned(session: TreatmentSession, *, what: str) -> None:
    """Once the nurse has signed the note, it and the rows it summarises are the signed record:
    what comes later is an addendum, never a change in place (issue 13 item 2)."""
    if _is_signed(session.pk):
        raise PreconditionFailed(
            f"The note for this session is signed, so {what} can no longer be charted on it; "
            "write it in an addendum to the signed note."
        )


def charted_time(
    session: TreatmentSession, when: datetime.datetime | None, *, field: str = "occurred_at"
) -> datetime.datetime:
    """Now, or the time given for a late entry: never in the future or before check-in."""
    now = timezone.now()
    if when is None:
        return now
    if timezone.is_naive(when):
        raise InvalidInput("Give the time with its time zone.", fields={field: ["No time zone."]})
    if when > now + CLOCK_SKEW:
        raise InvalidInput(
            "That time is in the future; chart what has happened.",
            fields={field: ["In the future."]},
        )
    if when < session.checked_in_at:
        local = timezone.localtime(session.checked_in_at, session.clinic.zone)
        raise InvalidInput(
            f"That time is before the patient checked in ({local:%H:%M}).",
            fields={field: ["Before check-in."]},
        )
    return when


def _clinical(error: ClinicalRuleError, field: str | None = None) -> InvalidInput:
    return InvalidInput(error.message, fields={field: [error.message]} if field else None)


def _key(idempotency_key: str) -> str:
    return idempotency_key.strip()[:64]


def _sent_once(
    model: type[RowT],
    *,
    session: TreatmentSession,
    key: str,
    same: Callable[[RowT], bool],
    write: Callable[[], RowT],
) -> RowT:
    """The one retry path of every row a tablet may send twice.

    With a key: the row already stored under it is returned (`is_retry`) when its values are
    `same`, and refused (Conflict) otherwise — before any precondition, so a retry that arrives
    after the session moved on (a stop resent from recovery) still finds its row. When none is
    stored, `write` checks the preconditions, stores the row and its consequences (ledger,
    alarms, audit) in a savepoint: should a retry racing this one have stored the key meanwhile, the
    unique constraint on (session, key) refuses the insert, everything `write` did is rolled
    back, and the stored row is compared and returned instead. (Callers hold the session's row
    lock, so on PostgreSQL the race normally ends at the lookup; the constraint is the guard.)
    """

    def stored(row: RowT) -> RowT:
        if not same(row):
            raise Conflict(KEY_REUSED)
        row.is_retry = True
        return row

    if not key:
        return write()
    manager = model._default_manager
    existing = manager.filter(session=session, idempotency_key=key).first()
    if existing is not None:
        return stored(existing)
    try:
        with transaction.atomic():
            return write()
    except IntegrityError:
        existing = manager.filter(session=session, idempotency_key=key).first()
        if existing is None:
            raise  # another constraint: not a retry
        return stored(existing)


def _given(when: datetime.datetime | None, stored: datetime.datetime) -> bool:
    """A time sent with a retry matches the stored one; a time left out matches any."""
    return when is None or when == stored


def _audit(
    *,
    acting_user: User,
    action: AuditAction,
    session: TreatmentSession,
    subject: models.Model | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    audit_record(
        actor=acting_user,
        action=action,
        clinic=session.clinic,
        patient_id=session.patient_id,
        subject=subject or session,
        detail={"session": session.pk, **(detail or {})},
    )


def session_minute(session: TreatmentSession, moment: datetime.datetime) -> float:
    """Minutes on the session clock (0 = pump start or first device; negative before)."""
    origin = session.started_at or session.checked_in_at
    return (moment - origin).total_seconds() / 60


# --- check-in and checklist --------------------------------------------------------------------


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
    from ketaclinic.charting.selectors import checklist_for_session

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
    from ketaclinic.charting.selectors import checklist_for_session

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
    from ketaclinic.charting.selectors import checklist_for_session

    outcome = checklist_for_session(session=session).outcome
    if outcome.can_start:
        return True
    return bool(session.checklist_override_reason) and outcome.needs_physician


# --- dose -------------------------------------------------------------------------------------


def active_preparation(session: TreatmentSession) -> DosePreparation | None:
    return (
        session.preparations.filter(discarded_at__isnull=True)
        .select_related("draw", "draw__container__lot__product")
        .first()
    )


def _sex(session: TreatmentSession) -> Sex:
    try:
        return Sex(session.patient.sex_at_birth)
    except ValueError as error:
        raise PreconditionFailed(
            "The patient's sex at birth is not recorded as female or male, which the ideal "
            "body weight formula needs; a physician sets the dosing weight."
        ) from error


@transaction.atomic
def dose_prepare(
    *,
    acting_user: User,
    session: TreatmentSession,
    container: Container,
    dose: Decimal | None = None,
    dose_change_reason: str = "",
    bag_or_syringe: str = DoseContainer.BAG,
    diluent_volume_ml: Decimal = DEFAULT_DILUENT_BAG_ML,
    syringe_concentration_mg_per_ml: Decimal = Decimal("1"),
    diluent_lot: str = "",
    diluent_expires_on: datetime.date | None = None,
    prepared_at: datetime.datetime | None = None,
) -> DosePreparation:
    """Compute the dose from the signed order and today's weight, draw it from a labelled
    container and record the preparation; the draw is posted to the ledger in this transaction.

    A dose other than the order's needs a physician (acting) and a reason.
    """
    require_permission(user=acting_user, action=Action.MEDICATION_ADMINISTER, clinic=session.clinic)
    locked = _lock(session.pk)
    _require_open(locked)
    if locked.started_at is not None:
        raise PreconditionFailed("The treatment has started; the dose cannot be prepared again.")
    if active_preparation(locked) is not None:
        raise Conflict(
            "A dose is already prepared for this session. Discard it (with a witness for the "
            "waste) to prepare another."
        )
    when = charted_time(locked, prepared_at, field="prepared_at")
    if diluent_expires_on is not None and diluent_expires_on < timezone.localdate(
        when, locked.clinic.zone
    ):
        raise InvalidInput(
            "That diluent bag has expired.", fields={"diluent_expires_on": ["Expired."]}
        )
    order = dose_order_valid_at(course=locked.course, moment=when)
    if order is None:
        raise PreconditionFailed(
            "There is no signed dose order in date for this course; a physician signs one first."
        )
    protocol = protocol_get(locked.protocol_key)
    chosen = order.dose if dose is None else dose
    reason = dose_change_reason.strip()
    changed_by: User | None = None
    if chosen != order.dose:
        if not reason:
            raise InvalidInput(
                f"The order is {dose_text(order.dose, order.dose_unit)}; a different dose needs "
                "a physician's reason.",
                fields={"dose": ["Differs from the order."], "dose_change_reason": ["Required."]},
            )
        require_permission(user=acting_user, action=Action.CHECKLIST_OVERRIDE, clinic=locked.clinic)
        changed_by = acting_user
    locked_product = container.lot.product
    is_esketamine = locked.route == SessionRoute.ESKETAMINE
    if is_esketamine != (locked_product.form == ProductForm.DEVICE_KIT):
        raise InvalidInput(
            f"{locked_product.name} is not what this session gives.",
            fields={"container": ["Wrong product for this session."]},
        )
    warnings: list[str] = []
    if is_esketamine:
        first = not TreatmentSession.objects.filter(
            course=locked.course, status=SessionStatus.DISCHARGED
        ).exists()
        try:
            esk = esketamine_dose(
                protocol=protocol,
                age_years=locked.patient.age_on(timezone.localdate(when, locked.clinic.zone)),
                is_first_session=first,
                requested_mg=chosen,
            )
        except ClinicalRuleError as error:
            raise _clinical(error, "dose") from error
        warnings.extend(esk.warnings)
        draw = container_draw(
            acting_user=acting_user,
            container=container,
            quantity=esk.devices,
            appointment=locked.appointment,
            occurred_at=when if prepared_at is not None else None,
        )
        preparation = DosePreparation.objects.create(
            clinic=locked.clinic,
            session=locked,
            order=order,
            draw=draw,
            container_kind=DoseContainer.DEVICES,
            ordered_dose=order.dose,
            dose=esk.dose_mg,
            dose_unit=order.dose_unit,
            dose_mg=esk.dose_mg,
            dose_change_reason=reason if changed_by else "",
            dose_changed_by=changed_by,
            devices=esk.devices,
            plan={
                "protocol": protocol.key,
                "first_session": first,
                "dose_mg": str(esk.dose_mg),
                "devices": esk.devices,
                "minutes_between_devices": esk.minutes_between_devices,
            },
            warnings=warnings,
            prepared_by=acting_user,
            prepared_at=when,
        )
    else:
        if locked.weight_kg is None or locked.height_cm is None:
            raise PreconditionFailed("Record today's weight (and height) before the dose.")
        if locked_product.strength_mg_per_ml is None:
            raise InvalidInput("That container has no strength on record.")
        try:
            weight = dosing_weight(
                weight_kg=locked.weight_kg,
                height_cm=locked.height_cm,
                sex=_sex(locked),
                rule=protocol.weight_rule,
            )
            plan = plan_iv_infusion(
                protocol=protocol,
                dosing_weight=weight,
                dose_mg_per_kg=chosen,
                vial_mg_per_ml=locked_product.strength_mg_per_ml.normalize(),
                container=PlanContainer(bag_or_syringe),
                diluent_volume_ml=diluent_volume_ml,
                syringe_concentration_mg_per_ml=syringe_concentration_mg_per_ml,
                override_reason=reason if chosen > protocol.cap else "",
            )
        except (ClinicalRuleError, ValueError) as error:
            message = error.message if isinstance(error, ClinicalRuleError) else str(error)
            raise InvalidInput(message, fields={"dose": [message]}) from error
        # Drawn volume in µL, rounded up so the prepared dose is never short.
        units = int((plan.drug_volume_ml * 1000).to_integral_value(rounding=ROUND_CEILING))
        draw = container_draw(
            acting_user=acting_user,
            container=container,
            quantity=units,
            appointment=locked.appointment,
            occurred_at=when if prepared_at is not None else None,
        )
        preparation = DosePreparation.objects.create(
            clinic=locked.clinic,
            session=locked,
            order=order,
            draw=draw,
            container_kind=DoseContainer(bag_or_syringe),
            weight_kg=locked.weight_kg,
            dosing_weight_kg=weight.weight_kg,
            weight_basis=weight.basis.value,
            weight_reason=weight.reason[:200],
            ordered_dose=order.dose,
            dose=chosen,
            dose_unit=order.dose_unit,
            dose_mg=plan.dose_mg,
            dose_change_reason=reason if changed_by else "",
            dose_changed_by=changed_by,
            vial_mg_per_ml=plan.vial_mg_per_ml,
            drug_volume_ml=plan.drug_volume_ml,
            diluent_volume_ml=plan.diluent_volume_ml,
            total_volume_ml=plan.total_volume_ml,
            concentration_mg_per_ml=plan.final_concentration_mg_per_ml,
            duration_min=plan.duration_min,
            rate_ml_per_h=plan.rate_ml_per_h,
            diluent_lot=diluent_lot.strip()[:64],
            diluent_expires_on=diluent_expires_on,
            plan=_plan_json(plan, weight),
            warnings=list(plan.warnings),
            prepared_by=acting_user,
            prepared_at=when,
        )
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_DOSE_PREPARED,
        session=locked,
        subject=preparation,
        detail={
            "dose_mg": str(preparation.dose_mg),
            "ordered": str(order.dose),
            "dose": str(preparation.dose),
            "changed_by_physician": changed_by is not None,
            "draw": draw.pk,
        },
    )
    return preparation


def _plan_json(plan: Any, weight: Any) -> dict[str, Any]:
    # f"{:f}": never an exponent in the stored plan (a normalized 100 mg/mL vial is 1E+2).
    figures = {
        key: (f"{value:f}" if isinstance(value, Decimal) else value)
        for key, value in vars(plan).items()
    }
    figures["container"] = str(plan.container.value)
    figures["warnings"] = list(plan.warnings)
    figures["rounding_note"] = plan.rounding_note
    figures["weight"] = {
        "actual_kg": f"{weight.body.weight_kg:f}",
        "ideal_kg": f"{weight.body.ideal_weight_kg:f}",
        "adjusted_kg": f"{weight.body.adjusted_weight_kg:f}",
        "bmi": f"{weight.body.bmi:f}",
        "basis": weight.basis.value,
        "dosing_kg": f"{weight.weight_kg:f}",
        "reason": weight.reason,
    }
    return figures


@transaction.atomic
def dose_verify(
    *,
    acting_user: User,
    preparation: DosePreparation,
    dose_mg: Decimal,
    rate_ml_per_h: Decimal | None = None,
    devices: int | None = None,
) -> DosePreparation:
    """A second clinician checks the prepared dose independently: they read the label and the
    pump and type what they see, which must match what was computed. The check is blind: a
    mismatch names the fields that differ, never the prepared values (which the verifier would
    otherwise copy)."""
    require_permission(user=acting_user, action=Action.DOSE_VERIFY, clinic=preparation.clinic)
    session = _lock(preparation.session_id)
    _require_open(session)
    locked = DosePreparation.objects.select_for_update().get(pk=preparation.pk)
    if locked.discarded_at is not None:
        raise PreconditionFailed("That preparation was discarded.")
    if locked.verified_at is not None:
        raise Conflict("This dose is already verified.")
    if locked.prepared_by_id == acting_user.pk:
        raise PreconditionFailed(
            "The verifying clinician must be someone other than the one who prepared the dose."
        )
    mismatches: dict[str, list[str]] = {}
    if dose_mg != locked.dose_mg:
        mismatches["dose_mg"] = ["Does not match the prepared dose."]
    if session.route == SessionRoute.ESKETAMINE:
        if devices != locked.devices:
            mismatches["devices"] = ["Does not match the prepared devices."]
    elif rate_ml_per_h != locked.rate_ml_per_h:
        mismatches["rate_ml_per_h"] = ["Does not match the computed pump rate."]
    if mismatches:
        raise InvalidInput(
            "What you read does not match the prepared dose: stop, check the label and the "
            "pump together, and discard the preparation if it is wrong.",
            fields=mismatches,
        )
    locked.verified_by = acting_user
    locked.verified_at = timezone.now()
    locked.save(update_fields=["verified_by", "verified_at", "updated_at"])
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_DOSE_VERIFIED,
        session=session,
        subject=locked,
        detail={"dose_mg": str(locked.dose_mg)},
    )
    return locked


@transaction.atomic
def dose_discard(
    *,
    acting_user: User,
    preparation: DosePreparation,
    reason: str,
    witness: User | None,
) -> DosePreparation:
    """A preparation found wrong (or not given) is discarded: its whole draw is wasted with a
    witness in this transaction."""
    require_permission(
        user=acting_user, action=Action.MEDICATION_ADMINISTER, clinic=preparation.clinic
    )
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Say why it is discarded.", fields={"reason": ["Required."]})
    session = _lock(preparation.session_id)
    _require_open(session)
    locked = DosePreparation.objects.select_for_update().get(pk=preparation.pk)
    if locked.discarded_at is not None:
        raise Conflict("That preparation was already discarded.")
    if session.started_at is not None and locked.pk == getattr(
        active_preparation(session), "pk", None
    ):
        raise PreconditionFailed(
            "The treatment started with this dose; record what was given and waste the rest."
        )
    draw = locked.draw
    draw.refresh_from_db()
    if draw.balance > 0:
        draw_waste(
            acting_user=acting_user,
            draw=draw,
            quantity=draw.balance,
            reason=f"Preparation discarded: {reason}",
            witness=witness,
        )
    locked.discarded_at = timezone.now()
    locked.discarded_by = acting_user
    locked.discard_reason = reason[:500]
    locked.save(update_fields=["discarded_at", "discarded_by", "discard_reason", "updated_at"])
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_CHARTED,
        session=session,
        subject=locked,
        detail={"discarded": True, "reason": reason},
    )
    return locked


# --- pump and devices -----------------------------------------------------------------------


def _plan_events(session: TreatmentSession) -> list[PlanPumpEvent]:
    events = []
    for event in session.pump_events.exclude(kind=PumpEvent.DEVICE).order_by("occurred_at", "id"):
        events.append(
            PlanPumpEvent(
                kind=PumpEventKind(event.kind),
                minute=session_minute(session, event.occurred_at),
                rate_ml_per_h=event.rate_ml_per_h,
            )
        )
    return events


@transaction.atomic
def pump_event_record(
    *,
    acting_user: User,
    session: TreatmentSession,
    kind: PumpEventKind | str,
    rate_ml_per_h: Decimal | None = None,
    reason: str = "",
    occurred_at: datetime.datetime | None = None,
    idempotency_key: str = "",
) -> PumpEvent:
    """Start, pause, resume, change the rate of, or stop the IV infusion.

    Start needs the checklist passed (or a physician's override) and a verified dose, at the
    computed rate unless a physician says otherwise. Stop computes the delivered mg from the
    events and moves the session to recovery; a stop before the planned dose is delivered
    (`medicine.session.is_early_stop`) needs the reason, kept with the event.
    """
    try:
        kind = PumpEventKind(kind)
    except ValueError as error:
        raise InvalidInput("Unknown pump event.") from error
    action = Action.MEDICATION_ADMINISTER if kind == PumpEventKind.START else Action.SESSION_CHART
    require_permission(user=acting_user, action=action, clinic=session.clinic)
    locked = _lock(session.pk)
    if locked.route != SessionRoute.INTRAVENOUS:
        raise PreconditionFailed("Esketamine is given by device, not by pump.")
    reason = reason.strip()[:500]
    key = _key(idempotency_key)

    def same(event: PumpEvent) -> bool:
        # A retried start sent without a rate was stored at the computed rate: the same event.
        return (
            event.kind == kind
            and (rate_ml_per_h is None or event.rate_ml_per_h == rate_ml_per_h)
            and event.reason == reason
            and _given(occurred_at, event.occurred_at)
        )

    def write() -> PumpEvent:
        _require_open(locked)
        when = charted_time(locked, occurred_at)
        preparation = active_preparation(locked)
        rate = rate_ml_per_h
        if kind == PumpEventKind.START:
            if not _can_start(locked):
                raise PreconditionFailed(
                    "The pre-infusion checklist has not passed and no physician has overridden it."
                )
            if preparation is None or preparation.verified_at is None:
                raise PreconditionFailed(
                    "The dose must be prepared and independently verified before the start."
                )
            if rate is None:
                rate = preparation.rate_ml_per_h
        if kind == PumpEventKind.RATE_CHANGE and not reason:
            raise InvalidInput("Say why the rate changes.", fields={"reason": ["Required."]})
        if kind in (PumpEventKind.START, PumpEventKind.RATE_CHANGE, PumpEventKind.RESUME) and (
            rate is not None
            and preparation is not None
            and preparation.rate_ml_per_h is not None
            and rate > preparation.rate_ml_per_h
        ):
            require_permission(
                user=acting_user, action=Action.CHECKLIST_OVERRIDE, clinic=locked.clinic
            )
            if not reason:
                raise InvalidInput(
                    f"{plain_decimal(rate)} mL/h is above the computed "
                    f"{plain_decimal(preparation.rate_ml_per_h)} mL/h; a physician gives the "
                    "reason.",
                    fields={"reason": ["Required above the computed rate."]},
                )
        events = _plan_events(locked)
        if kind == PumpEventKind.START:
            minute = 0.0
        else:
            if locked.started_at is None:
                raise PreconditionFailed("The infusion has not started.")
            minute = session_minute(locked, when)
        proposed = PlanPumpEvent(kind=kind, minute=minute, rate_ml_per_h=rate)
        try:
            check_next_event(events, proposed)
        except ClinicalRuleError as error:
            raise _clinical(error) from error
        fields = ["updated_at"]
        if kind == PumpEventKind.START:
            locked.started_at = when
            locked.status = SessionStatus.INFUSING
            fields += ["started_at", "status"]
        elif kind == PumpEventKind.STOP:
            assert preparation is not None
            assert preparation.concentration_mg_per_ml is not None
            # Running time × rate, but never more than the bag or syringe held: a pump left
            # running past the end has nothing more to give.
            delivered = min(
                delivered_mg(
                    [*events, proposed],
                    concentration_mg_per_ml=preparation.concentration_mg_per_ml,
                ),
                preparation.dose_mg,
            )
            if not reason and is_early_stop(delivered_mg=delivered, planned_mg=preparation.dose_mg):
                raise InvalidInput(
                    f"The pump stopped before the planned dose: {plain_decimal(delivered)} of "
                    f"the planned {dose_text(preparation.dose_mg, 'mg')} delivered. Say why it "
                    "stopped early.",
                    fields={"reason": ["Required when stopping before the planned dose."]},
                )
            locked.stopped_at = when
            locked.status = SessionStatus.RECOVERY
            locked.delivered_mg = delivered
            fields += ["stopped_at", "status", "delivered_mg"]
        event = PumpEvent.objects.create(
            clinic=locked.clinic,
            session=locked,
            kind=kind,
            occurred_at=when,
            rate_ml_per_h=rate,
            reason=reason,
            recorded_by=acting_user,
            idempotency_key=key,
        )
        locked.save(update_fields=fields)
        _audit(
            acting_user=acting_user,
            action=AuditAction.SESSION_CHARTED,
            session=locked,
            subject=event,
            detail={
                "pump": kind.value,
                "rate_ml_per_h": str(rate) if rate is not None else None,
                "reason": reason,
                "delivered_mg": str(locked.delivered_mg) if kind == PumpEventKind.STOP else None,
            },
        )
        return event

    return _sent_once(PumpEvent, session=locked, key=key, same=same, write=write)


@transaction.atomic
def device_administer(
    *,
    acting_user: User,
    session: TreatmentSession,
    occurred_at: datetime.datetime | None = None,
    idempotency_key: str = "",
) -> PumpEvent:
    """One 28 mg esketamine device given, 5 minutes after the previous (CLINICAL.md §2.8); the
    administration is posted to the ledger in this transaction."""
    require_permission(user=acting_user, action=Action.MEDICATION_ADMINISTER, clinic=session.clinic)
    locked = _lock(session.pk)
    if locked.route != SessionRoute.ESKETAMINE:
        raise PreconditionFailed("Only esketamine sessions give devices.")
    key = _key(idempotency_key)

    def same(event: PumpEvent) -> bool:
        return event.kind == PumpEvent.DEVICE and _given(occurred_at, event.occurred_at)

    def write() -> PumpEvent:
        _require_open(locked)
        if not _can_start(locked):
            raise PreconditionFailed(
                "The pre-infusion checklist has not passed and no physician has overridden it."
            )
        preparation = active_preparation(locked)
        if preparation is None or preparation.verified_at is None or preparation.devices is None:
            raise PreconditionFailed("The devices must be prepared and verified before the first.")
        when = charted_time(locked, occurred_at)
        previous = list(
            locked.pump_events.filter(kind=PumpEvent.DEVICE).values_list("occurred_at", flat=True)
        )
        origin = previous[0] if previous else when
        try:
            check_device_timing(
                previous_minutes=[(moment - origin).total_seconds() / 60 for moment in previous],
                minute=(when - origin).total_seconds() / 60,
                devices_ordered=preparation.devices,
            )
        except ClinicalRuleError as error:
            raise _clinical(error) from error
        draw_administer(
            acting_user=acting_user,
            draw=preparation.draw,
            quantity=1,
            occurred_at=when if occurred_at is not None else None,
        )
        event = PumpEvent.objects.create(
            clinic=locked.clinic,
            session=locked,
            kind=PumpEvent.DEVICE,
            occurred_at=when,
            recorded_by=acting_user,
            idempotency_key=key,
        )
        given = len(previous) + 1
        fields = ["updated_at"]
        if not previous:
            locked.started_at = when
            locked.status = SessionStatus.INFUSING
            fields += ["started_at", "status"]
        if given == preparation.devices:
            locked.stopped_at = when
            locked.status = SessionStatus.RECOVERY
            locked.delivered_mg = preparation.dose_mg
            fields += ["stopped_at", "status", "delivered_mg"]
            ControlledSubstanceRecord.objects.create(
                clinic=locked.clinic,
                session=locked,
                preparation=preparation,
                administered_mg=preparation.dose_mg,
                administered_units=given,
                wasted_units=0,
                recorded_by=acting_user,
                recorded_at=when,
            )
            RemsMonitoringForm.objects.get_or_create(
                session=locked,
                defaults={"clinic": locked.clinic, "due_by": monitoring_form_due_by(when)},
            )
        locked.save(update_fields=fields)
        _audit(
            acting_user=acting_user,
            action=AuditAction.SESSION_CHARTED,
            session=locked,
            subject=event,
            detail={"device": given, "of": preparation.devices},
        )
        return event

    return _sent_once(PumpEvent, session=locked, key=key, same=same, write=write)


@transaction.atomic
def controlled_substance_reconcile(
    *,
    acting_user: User,
    session: TreatmentSession,
    witness: User | None,
    waste_reason: str = "Remainder after the infusion",
    recorded_at: datetime.datetime | None = None,
) -> ControlledSubstanceRecord:
    """After the stop: post what the patient received (from the pump events) and waste the rest
    of the draw with a witness — both in this transaction with the dose record. `recorded_at`
    keeps a late entry's true time (not before the stop)."""
    require_permission(user=acting_user, action=Action.MEDICATION_ADMINISTER, clinic=session.clinic)
    locked = _lock(session.pk)
    if locked.route != SessionRoute.INTRAVENOUS:
        raise PreconditionFailed("Esketamine devices are posted as each is given.")
    if locked.stopped_at is None or locked.delivered_mg is None:
        raise PreconditionFailed("Stop the infusion first; the amount given comes from the pump.")
    if locked.substance_records.exists():
        raise Conflict("The controlled substance for this session is already recorded.")
    when = charted_time(locked, recorded_at, field="recorded_at")
    if when < locked.stopped_at:
        raise InvalidInput(
            "The waste is recorded after the infusion stopped.",
            fields={"recorded_at": ["Before the stop."]},
        )
    preparation = active_preparation(locked)
    assert preparation is not None
    assert preparation.vial_mg_per_ml is not None
    draw = preparation.draw
    draw.refresh_from_db()
    administered_units = int(
        (locked.delivered_mg / preparation.vial_mg_per_ml * 1000).to_integral_value(
            rounding=ROUND_HALF_UP
        )
    )
    administered_units = min(administered_units, draw.balance)
    wasted_units = draw.balance - administered_units
    if administered_units > 0:
        draw_administer(
            acting_user=acting_user,
            draw=draw,
            quantity=administered_units,
            occurred_at=locked.stopped_at,
        )
        draw.refresh_from_db()
    if wasted_units > 0:
        draw_waste(
            acting_user=acting_user,
            draw=draw,
            quantity=wasted_units,
            reason=waste_reason.strip() or "Remainder after the infusion",
            witness=witness,
            occurred_at=when if recorded_at is not None else None,
        )
    record = ControlledSubstanceRecord.objects.create(
        clinic=locked.clinic,
        session=locked,
        preparation=preparation,
        administered_mg=locked.delivered_mg,
        administered_units=administered_units,
        wasted_units=wasted_units,
        waste_reason=waste_reason.strip()[:500] if wasted_units else "",
        witness=witness if wasted_units else None,
        recorded_by=acting_user,
        recorded_at=when,
    )
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_CHARTED,
        session=locked,
        subject=record,
        detail={
            "administered_mg": str(record.administered_mg),
            "administered_units": administered_units,
            "wasted_units": wasted_units,
        },
    )
    return record


# --- vitals and alarms -----------------------------------------------------------------------


def _phase(session: TreatmentSession) -> VitalsPhase:
    if session.started_at is None:
        return VitalsPhase.BASELINE
    if session.stopped_at is None:
        return VitalsPhase.INFUSION
    return VitalsPhase.RECOVERY


def _signs(reading: VitalSignReading, origin: datetime.datetime) -> VitalSigns:
    return VitalSigns(
        systolic_mmhg=reading.systolic_mmhg,
        diastolic_mmhg=reading.diastolic_mmhg,
        heart_rate_bpm=reading.heart_rate_bpm,
        spo2_percent=reading.spo2_percent,
        respiratory_rate_per_min=reading.respiratory_rate_per_min,
        moaa_s=reading.moaa_s,
        temperature_c=float(reading.temperature_c) if reading.temperature_c is not None else None,
        minute=(reading.measured_at - origin).total_seconds() / 60,
    )


@transaction.atomic
def vitals_record(
    *,
    acting_user: User,
    session: TreatmentSession,
    systolic_mmhg: int,
    diastolic_mmhg: int,
    heart_rate_bpm: int,
    spo2_percent: int,
    respiratory_rate_per_min: int | None = None,
    moaa_s: int | None = None,
    temperature_c: Decimal | None = None,
    rhythm: str = "",
    has_symptoms: bool = False,
    measured_at: datetime.datetime | None = None,
    idempotency_key: str = "",
) -> VitalSignReading:
    """One reading: refused if no patient could have it; otherwise stored and judged by
    `medicine/` — the go / review / hold decision before the start, alarms after it.

    A fixed number of queries whatever the session's length (pinned in a test): the session
    lock, the key lookup, the earlier readings of the repeat window, the writes and the audit.
    The same key again returns the stored reading (`_sent_once`).
    """
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=session.clinic)
    values = {
        "systolic_mmhg": systolic_mmhg,
        "diastolic_mmhg": diastolic_mmhg,
        "heart_rate_bpm": heart_rate_bpm,
        "spo2_percent": spo2_percent,
        "respiratory_rate_per_min": respiratory_rate_per_min,
        "moaa_s": moaa_s,
    }
    temperature = float(temperature_c) if temperature_c is not None else None
    signs = VitalSigns(**values, temperature_c=temperature)  # type: ignore[arg-type]
    try:
        from ketaclinic.medicine.vital_signs import check_vital_signs

        check_vital_signs(signs)
    except ClinicalRuleError as error:
        raise InvalidInput(error.message, fields={"__all__": [error.message]}) from error
    locked = _lock(session.pk)
    key = _key(idempotency_key)
    rhythm = rhythm.strip()[:64]

    def same(reading: VitalSignReading) -> bool:
        return (
            all(getattr(reading, name) == value for name, value in values.items())
            and reading.temperature_c == temperature_c
            and reading.has_symptoms == has_symptoms
            and reading.rhythm == rhythm
            and _given(measured_at, reading.measured_at)
        )

    def write() -> VitalSignReading:
        _require_open(locked)
        when = charted_time(locked, measured_at, field="measured_at")
        phase = _phase(locked)
        if phase != VitalsPhase.BASELINE and locked.started_at and when < locked.started_at:
            phase = VitalsPhase.BASELINE
        rules = clinic_rules_get(clinic=locked.clinic)
        origin = locked.checked_in_at
        signs = VitalSigns(
            **values,  # type: ignore[arg-type]
            temperature_c=temperature,
            minute=(when - origin).total_seconds() / 60,
        )
        decision = ""
        assessment: list[dict[str, str]] = []
        alarms: tuple[Alarm, ...] = ()
        if phase == VitalsPhase.BASELINE:
            result = pre_infusion_decision(signs, limits=rules.pre_infusion)
            decision = result.decision.value
            assessment = [{"message": reason} for reason in result.reasons]
            level = AlarmLevel.NONE
        else:
            window_start = when - datetime.timedelta(minutes=rules.alarms.repeat_window_min[1] + 1)
            history = tuple(
                _signs(reading, origin)
                for reading in VitalSignReading.objects.filter(
                    session=locked, measured_at__gte=window_start, measured_at__lt=when
                )
            )
            evaluated = evaluate_vital_signs(
                signs, history=history, has_symptoms=has_symptoms, limits=rules.alarms
            )
            level = evaluated.level
            alarms = evaluated.alarms
            assessment = [
                {
                    "level": alarm.level.name.lower(),
                    "message": alarm.message,
                    "action": alarm.suggested_action,
                }
                for alarm in alarms
            ]
        reading = VitalSignReading.objects.create(
            clinic=locked.clinic,
            session=locked,
            measured_at=when,
            phase=phase,
            **values,
            temperature_c=temperature_c,
            rhythm=rhythm,
            has_symptoms=has_symptoms,
            alarm_level=int(level),
            pre_infusion_decision=decision,
            assessment=assessment,
            recorded_by=acting_user,
            idempotency_key=key,
        )
        raised = []
        for alarm in alarms:
            if alarm.level == AlarmLevel.NONE:  # pragma: no cover  (evaluate gives real ones)
                continue
            raised.append(
                SessionAlarm(
                    clinic=locked.clinic,
                    session=locked,
                    reading=reading,
                    level=int(alarm.level),
                    parameter=alarm.parameter,
                    message=alarm.message[:300],
                    suggested_action=alarm.suggested_action[:300],
                    raised_at=when,
                    acknowledge_by=when
                    + datetime.timedelta(
                        minutes=acknowledge_within_min(alarm.level, rules.monitoring)
                    ),
                )
            )
        if raised:
            SessionAlarm.objects.bulk_create(raised)
            deadline = max(alarm.acknowledge_by for alarm in raised)
            transaction.on_commit(lambda: _schedule_escalation(locked.pk, deadline))
        if phase == VitalsPhase.BASELINE:
            _after_checklist_change(locked)
        _audit(
            acting_user=acting_user,
            action=AuditAction.SESSION_VITALS_RECORDED,
            session=locked,
            subject=reading,
            detail={
                "phase": phase.value,
                "bp": f"{systolic_mmhg}/{diastolic_mmhg}",
                "hr": heart_rate_bpm,
                "spo2": spo2_percent,
                "alarm_level": int(level),
                "decision": decision,
            },
        )
        return reading

    return _sent_once(VitalSignReading, session=locked, key=key, same=same, write=write)


def _schedule_escalation(session_id: int, deadline: datetime.datetime) -> None:
    from ketaclinic.jobs.services import enqueue

    enqueue(
        ESCALATION_JOB,
        {"session_id": session_id},
        run_at=deadline,
        key=f"alarm-escalate:{session_id}:{deadline.isoformat()}",
    )


@transaction.atomic
def alarm_acknowledge(*, acting_user: User, alarm: SessionAlarm, action_taken: str) -> SessionAlarm:
    """A nurse acknowledges an alarm and says what was done. Late is allowed (the time is
    when it was acknowledged) until the note is signed; after that, an addendum."""
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=alarm.clinic)
    action_taken = action_taken.strip()
    if not action_taken:
        raise InvalidInput(
            "Say what was done (e.g. 'repeat BP 150/90, rate halved, physician told').",
            fields={"action_taken": ["Required."]},
        )
    session = _lock(alarm.session_id)
    locked = SessionAlarm.objects.select_for_update().select_related("session").get(pk=alarm.pk)
    if locked.acknowledged_at is not None:
        raise Conflict("This alarm was already acknowledged.")
    _require_unsigned(session, what="the alarm's acknowledgement")
    locked.acknowledged_at = timezone.now()
    locked.acknowledged_by = acting_user
    locked.action_taken = action_taken[:500]
    locked.save(update_fields=["acknowledged_at", "acknowledged_by", "action_taken", "updated_at"])
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_ALARM_ACKNOWLEDGED,
        session=locked.session,
        subject=locked,
        detail={"alarm": locked.message, "action": locked.action_taken},
    )
    return locked


@transaction.atomic
def alarms_escalate_overdue(*, session_id: int, now: datetime.datetime | None = None) -> int:
    """Alarms not acknowledged in time go to the physician: an urgent task, once per alarm.
    Run by the job queue at each deadline (idempotent); returns how many were escalated."""
    from ketaclinic.outcomes.models import ClinicalTask, TaskPriority

    now = now or timezone.now()
    # Under the session's lock, as the signature is: an alarm on a signed note stays as signed
    # (the note says it was not acknowledged).
    TreatmentSession.objects.select_for_update().filter(pk=session_id).first()
    if _is_signed(session_id):
        return 0
    overdue = list(
        SessionAlarm.objects.select_for_update()
        .filter(
            session_id=session_id,
            acknowledged_at__isnull=True,
            escalated_at__isnull=True,
            acknowledge_by__lte=now,
        )
        .select_related("session", "session__patient")
    )
    for alarm in overdue:
        session = alarm.session
        alarm.escalated_at = now
        alarm.save(update_fields=["escalated_at", "updated_at"])
        chair = session.appointment.chair
        ClinicalTask.objects.create(
            clinic=session.clinic,
            patient=session.patient,
            priority=TaskPriority.URGENT,
            for_role=Role.PHYSICIAN,
            title=f"Unacknowledged {alarm.level_label} alarm: {alarm.message}"[:200],
            detail=(
                f"{session.patient.display_name}"
                f"{f', {chair.name}' if chair else ''}: {alarm.message} Suggested: "
                f"{alarm.suggested_action} Not acknowledged by "
                f"{timezone.localtime(alarm.acknowledge_by, session.clinic.zone):%H:%M}; go to the "
                "chair."
            ),
        )
        audit_record(
            actor=None,
            action=AuditAction.SESSION_ALARM_ESCALATED,
            clinic=session.clinic,
            patient_id=session.patient_id,
            subject=alarm,
            actor_label="alarm escalation job",
            detail={"session": session.pk, "alarm": alarm.message},
        )
    return len(overdue)


# --- side effects, PRNs and scores ----------------------------------------------------------


@transaction.atomic
def side_effect_record(
    *,
    acting_user: User,
    session: TreatmentSession,
    kind: SideEffectKind | str,
    severity: Severity | str,
    action: SideEffectAction | str,
    onset_at: datetime.datetime | None = None,
    description: str = "",
    note: str = "",
    idempotency_key: str = "",
) -> SideEffect:
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=session.clinic)
    try:
        kind, severity, action = SideEffectKind(kind), Severity(severity), SideEffectAction(action)
    except ValueError as error:
        raise InvalidInput("Choose the side effect, its severity and the action taken.") from error
    description = description.strip()[:300]
    if kind == SideEffectKind.OTHER and not description:
        raise InvalidInput("Describe the side effect.", fields={"description": ["Required."]})
    note = note.strip()[:500]
    locked = _lock(session.pk)
    key = _key(idempotency_key)

    def same(row: SideEffect) -> bool:
        return (
            (row.kind, row.severity, row.action, row.description, row.note)
            == (kind, severity, action, description, note)
        ) and _given(onset_at, row.onset_at)

    def write() -> SideEffect:
        _require_open(locked)
        when = charted_time(locked, onset_at, field="onset_at")
        effect = SideEffect.objects.create(
            clinic=locked.clinic,
            session=locked,
            kind=kind,
            description=description,
            onset_at=when,
            severity=severity,
            action=action,
            note=note,
            recorded_by=acting_user,
            idempotency_key=key,
        )
        _audit(
            acting_user=acting_user,
            action=AuditAction.SESSION_CHARTED,
            session=locked,
            subject=effect,
            detail={"side_effect": kind.value, "severity": severity.value, "action": action.value},
        )
        return effect

    return _sent_once(SideEffect, session=locked, key=key, same=same, write=write)


@transaction.atomic
def side_effect_resolve(
    *,
    acting_user: User,
    side_effect: SideEffect,
    resolved_at: datetime.datetime | None = None,
    note: str = "",
) -> SideEffect:
    """While the session is open; after discharge the chart is closed and the resolution is
    written in an addendum to the signed note."""
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=side_effect.clinic)
    session = _lock(side_effect.session_id)
    locked = SideEffect.objects.select_for_update().get(pk=side_effect.pk)
    if locked.resolved_at is not None:
        raise Conflict("Already marked resolved.")
    _require_open(session)
    when = charted_time(session, resolved_at, field="resolved_at")
    if when < locked.onset_at:
        raise InvalidInput(
            "It cannot resolve before it began.", fields={"resolved_at": ["Before the onset."]}
        )
    locked.resolved_at = when
    if note.strip():
        locked.note = f"{locked.note} {note.strip()}".strip()[:500]
    locked.save(update_fields=["resolved_at", "note", "updated_at"])
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_CHARTED,
        session=session,
        subject=locked,
        detail={"side_effect_resolved": locked.kind},
    )
    return locked


@transaction.atomic
def prn_record(
    *,
    acting_user: User,
    session: TreatmentSession,
    drug: str,
    dose: Decimal,
    unit: str,
    route: str,
    side_effect: SideEffect | None = None,
    given_at: datetime.datetime | None = None,
    response: str = "",
    dose_override_reason: str = "",
    idempotency_key: str = "",
) -> PrnDose:
    """A PRN medication given (CLINICAL.md §5.4), linked to the side effect it treats.

    The dose is checked by `medicine.medications`: above the drug's single-dose maximum, or by a
    route its table does not list, it is refused; above its usual dose, or for a drug the table
    does not list, a physician (acting) gives the reason — as a dose other than the order's does
    at the preparation.
    """
    require_permission(user=acting_user, action=Action.MEDICATION_ADMINISTER, clinic=session.clinic)
    drug, unit, route = drug.strip()[:100], unit.strip()[:16], route.strip()[:16]
    if not drug:
        raise InvalidInput("Give the drug, dose, unit and route.", fields={"drug": ["Required."]})
    try:
        check = check_medication_dose(drug=drug, dose=dose, unit=unit, route=route)
    except ClinicalRuleError as error:
        field = (
            "route"
            if isinstance(error, RouteNotListed)
            else "unit"
            if isinstance(error, UnitNotListed)
            else "dose"
        )
        raise _clinical(error, field) from error
    reason = dose_override_reason.strip()[:500]
    overridden_by: User | None = None
    if check.needs_physician:
        if not reason:
            raise InvalidInput(
                check.message,
                fields={
                    "dose": [check.message],
                    "dose_override_reason": ["Required: a physician's reason."],
                },
            )
        require_permission(
            user=acting_user, action=Action.CHECKLIST_OVERRIDE, clinic=session.clinic
        )
        overridden_by = acting_user
    else:
        reason = ""
    if side_effect is not None and side_effect.session_id != session.pk:
        raise InvalidInput("That side effect belongs to another session.")
    response = response.strip()[:500]
    locked = _lock(session.pk)
    key = _key(idempotency_key)

    def same(row: PrnDose) -> bool:
        # The response sent with the dose is its first; later ones may have followed it.
        first = row.responses.values_list("text", flat=True).first()
        return (
            (row.drug, row.dose, row.unit, row.route, row.side_effect_id)
            == (drug, dose, unit, route, getattr(side_effect, "pk", None))
            and (not response or first == response)
            and row.dose_override_reason == reason
            and _given(given_at, row.given_at)
        )

    def write() -> PrnDose:
        _require_open(locked)
        when = charted_time(locked, given_at, field="given_at")
        prn = PrnDose.objects.create(
            clinic=locked.clinic,
            session=locked,
            side_effect=side_effect,
            drug=drug,
            dose=dose,
            unit=unit,
            route=route,
            given_at=when,
            given_by=acting_user,
            dose_override_reason=reason,
            dose_overridden_by=overridden_by,
            idempotency_key=key,
        )
        if response:
            PrnResponse.objects.create(
                clinic=locked.clinic,
                prn=prn,
                text=response,
                recorded_at=timezone.now(),
                recorded_by=acting_user,
            )
        _audit(
            acting_user=acting_user,
            action=AuditAction.SESSION_CHARTED,
            session=locked,
            subject=prn,
            detail={
                "prn": f"{drug} {dose_text(dose, unit)} {route}",
                "dose_review": check.review.value,
                "override_reason": reason or None,
                "response": response or None,
            },
        )
        return prn

    return _sent_once(PrnDose, session=locked, key=key, same=same, write=write)


@transaction.atomic
def prn_response_record(*, acting_user: User, prn: PrnDose, response: str) -> PrnResponse:
    """How the patient responded to a PRN, observed now: a row of its own, so an earlier
    response is kept beside it (while the session is open; after, an addendum). The same words
    from the same clinician as the PRN's latest response are a resend (a double tap): that
    response is returned, nothing is stored or audited again."""
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=prn.clinic)
    text = response.strip()[:500]
    if not text:
        raise InvalidInput("Describe the response.", fields={"response": ["Required."]})
    session = _lock(prn.session_id)
    # Under the session's lock, so a resend racing the first submit finds its row.
    latest = prn.responses.order_by("-recorded_at", "-id").first()
    if latest is not None and latest.recorded_by_id == acting_user.pk and latest.text == text:
        return latest
    _require_open(session)
    row = PrnResponse.objects.create(
        clinic=session.clinic,
        prn=prn,
        text=text,
        recorded_at=timezone.now(),
        recorded_by=acting_user,
    )
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_CHARTED,
        session=session,
        subject=row,
        detail={"prn": prn.pk, "prn_response": text[:200]},
    )
    return row


@transaction.atomic
def session_score_record(
    *,
    acting_user: User,
    session: TreatmentSession,
    instrument: str,
    answers: Mapping[str, object],
) -> SessionScore:
    """A score of `medicine.recovery.SESSION_INSTRUMENTS` (CADSS-6, modified Aldrete, PADSS,
    modified PADSS; scored by `medicine/`), or the post-session side-effect form (each
    symptom: none, mild, moderate or severe)."""
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=session.clinic)
    if instrument == POST_SESSION_FORM:
        allowed = {"none", *Severity}
        kinds = {kind.value for kind in SideEffectKind if kind != SideEffectKind.OTHER}
        cleaned = {str(k): str(v) for k, v in answers.items()}
        if set(cleaned) != kinds or not set(cleaned.values()) <= allowed:
            raise InvalidInput("Answer every symptom: none, mild, moderate or severe.")
        total = sum(1 for value in cleaned.values() if value != "none")
        band = "no side effects" if total == 0 else f"{total} side effect(s)"
        stored: Mapping[str, object] = cleaned
    elif instrument in SESSION_INSTRUMENTS:
        try:
            result = instrument_get(instrument).score(answers)  # type: ignore[arg-type]
        except ClinicalRuleError as error:
            raise InvalidInput(error.message, fields={instrument: [error.message]}) from error
        total, band, stored = result.total, result.band, dict(answers)
    else:
        raise InvalidInput(f"{instrument!r} is not charted in a session.")
    locked = _lock(session.pk)
    _require_open(locked)
    score = SessionScore.objects.create(
        clinic=locked.clinic,
        session=locked,
        instrument=instrument,
        answers=dict(stored),
        total=total,
        band=band,
        recorded_at=timezone.now(),
        recorded_by=acting_user,
    )
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_CHARTED,
        session=locked,
        subject=score,
        detail={"score": instrument, "total": total},
    )
    return score


# --- recovery and discharge ------------------------------------------------------------------


@transaction.atomic
def session_discharge(
    *,
    acting_user: User,
    session: TreatmentSession,
    escort_name: str,
    instructions_given: bool,
    override_reason: str = "",
    discharged_at: datetime.datetime | None = None,
) -> TreatmentSession:
    """Home with the escort: escort present, instructions given, the controlled substance
    accounted for, and `medicine/`'s readiness met — or a physician's override with a reason
    for readiness (never for the escort, the instructions or the ledger)."""
    from ketaclinic.charting.selectors import discharge_readiness_for_session

    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=session.clinic)
    locked = _lock(session.pk)
    _require_open(locked)
    if locked.status != SessionStatus.RECOVERY:
        raise PreconditionFailed("Only a patient in recovery can be discharged.")
    escort_name = escort_name.strip()[:200]
    errors: dict[str, list[str]] = {}
    if len(escort_name) < 2:
        errors["escort_name"] = ["The responsible adult taking the patient home must be here."]
    if not instructions_given:
        errors["instructions_given"] = ["Give the discharge instructions first."]
    if errors:
        raise InvalidInput(
            "Discharge only to a responsible adult, after the instructions.", fields=errors
        )
    if not locked.substance_records.exists():
        raise PreconditionFailed(
            "Record what was given and waste the rest of the draw (with a witness) first."
        )
    when = charted_time(locked, discharged_at, field="discharged_at")
    readiness = discharge_readiness_for_session(session=locked, at=when, escort_present=True)
    override_reason = override_reason.strip()
    if not readiness.is_ready:
        if not override_reason:
            raise PreconditionFailed(
                "Not ready for discharge: "
                + " ".join(readiness.reasons)
                + " A physician may discharge with a reason."
            )
        require_permission(user=acting_user, action=Action.CHECKLIST_OVERRIDE, clinic=locked.clinic)
        locked.discharge_override_reason = override_reason[:500]
        locked.discharge_overridden_by = acting_user
    route = Route.INTRANASAL if locked.is_esketamine else Route.INTRAVENOUS
    locked.discharged_at = when
    locked.discharged_by = acting_user
    locked.discharge_escort_name = escort_name
    locked.discharge_instructions = list(discharge_instructions(route))
    locked.discharge_assessment = {
        "ready": readiness.is_ready,
        "reasons": list(readiness.reasons),
    }
    locked.status = SessionStatus.DISCHARGED
    locked.save()
    appointment = Appointment.objects.select_for_update().get(pk=locked.appointment_id)
    appointment.status = AppointmentStatus.COMPLETED
    appointment.status_changed_at = when
    appointment.status_changed_by = acting_user
    appointment.save(
        update_fields=["status", "status_changed_at", "status_changed_by", "updated_at"]
    )
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_DISCHARGED,
        session=locked,
        detail={
            "ready": readiness.is_ready,
            "override": override_reason or None,
            "reasons": list(readiness.reasons),
        },
    )
    return locked


@transaction.atomic
def session_not_given(
    *, acting_user: User, session: TreatmentSession, reason: str, witness: User | None = None
) -> TreatmentSession:
    """The treatment will not be given today (a hold, the patient declines): the session ends
    before the start; any drawn dose is wasted with a witness."""
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=session.clinic)
    reason = reason.strip()
    if len(reason) < 3:
        raise InvalidInput("Say why it is not given.", fields={"reason": ["Required."]})
    locked = _lock(session.pk)
    _require_open(locked)
    if locked.started_at is not None:
        raise PreconditionFailed("The treatment has started; stop it and discharge instead.")
    preparation = active_preparation(locked)
    if preparation is not None:
        dose_discard(
            acting_user=acting_user, preparation=preparation, reason=reason, witness=witness
        )
    locked.status = SessionStatus.NOT_GIVEN
    locked.status_reason = reason[:500]
    locked.save(update_fields=["status", "status_reason", "updated_at"])
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_CHARTED,
        session=locked,
        detail={"not_given": reason},
    )
    return locked


# --- the note --------------------------------------------------------------------------------


@transaction.atomic
def session_note_sign(*, acting_user: User, session: TreatmentSession) -> SessionNote:
    """The nurse signs the generated summary (which freezes it); a physician then co-signs."""
    from ketaclinic.charting.selectors import session_note_text

    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=session.clinic)
    locked = _lock(session.pk)
    if locked.status not in (SessionStatus.DISCHARGED, SessionStatus.NOT_GIVEN):
        raise PreconditionFailed("The note is signed after discharge.")
    now = timezone.now()
    note = SessionNote.objects.filter(session=locked).select_for_update().first()
    if note is None:
        note = SessionNote.objects.create(
            clinic=locked.clinic,
            session=locked,
            body=session_note_text(session=locked),
            nurse_signed_by=acting_user,
            nurse_signed_at=now,
        )
        signature = "first"
    else:
        if note.physician_signed_at is not None:
            raise Conflict("The note is already signed by a nurse and a physician.")
        require_permission(user=acting_user, action=Action.CHECKLIST_OVERRIDE, clinic=locked.clinic)
        if acting_user.pk == note.nurse_signed_by_id:
            raise PreconditionFailed("The co-signature is a different physician's.")
        note.physician_signed_by = acting_user
        note.physician_signed_at = now
        note.save(update_fields=["physician_signed_by", "physician_signed_at", "updated_at"])
        signature = "physician"
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_NOTE_SIGNED,
        session=locked,
        subject=note,
        detail={"signature": signature},
    )
    return note


@transaction.atomic
def session_addendum_add(*, acting_user: User, note: SessionNote, text: str) -> SessionAddendum:
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=note.clinic)
    text = text.strip()
    if len(text) < 3:
        raise InvalidInput("Write the addendum.", fields={"text": ["Required."]})
    addendum = SessionAddendum.objects.create(
        clinic=note.clinic, note=note, text=text, author=acting_user, written_at=timezone.now()
    )
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_NOTE_ADDENDUM,
        session=note.session,
        subject=addendum,
    )
    return addendum


# --- REMS -------------------------------------------------------------------------------------


@transaction.atomic
def rems_form_update(
    *,
    acting_user: User,
    form: RemsMonitoringForm,
    concomitant: Mapping[str, bool],
    ready_to_leave_minutes: int | None,
) -> RemsMonitoringForm:
    """What the session cannot know: concomitant medicines and the REMS evaluation question."""
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=form.clinic)
    locked = RemsMonitoringForm.objects.select_for_update().get(pk=form.pk)
    if locked.submitted_at is not None:
        raise PreconditionFailed("This form was submitted; it cannot change.")
    if ready_to_leave_minutes is not None and not 0 < ready_to_leave_minutes <= 600:
        raise InvalidInput(
            "Give minutes from the first device (1–600).",
            fields={"ready_to_leave_minutes": ["1–600."]},
        )
    for name in (
        "takes_benzodiazepines",
        "takes_non_benzodiazepine_hypnotics",
        "takes_psychostimulants",
        "takes_maois",
        "takes_opioids",
    ):
        setattr(locked, name, bool(concomitant.get(name, False)))
    locked.ready_to_leave_minutes = ready_to_leave_minutes
    locked.save()
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_CHARTED,
        session=locked.session,
        subject=locked,
        detail={"rems_form": "updated"},
    )
    return locked


@transaction.atomic
def rems_form_mark_submitted(
    *, acting_user: User, form: RemsMonitoringForm, reference: str
) -> RemsMonitoringForm:
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=form.clinic)
    reference = reference.strip()
    if not reference:
        raise InvalidInput(
            "Give the confirmation number or fax date.", fields={"reference": ["Required."]}
        )
    locked = (
        RemsMonitoringForm.objects.select_for_update().select_related("session").get(pk=form.pk)
    )
    if locked.submitted_at is not None:
        raise Conflict("Already marked submitted.")
    if locked.session.status != SessionStatus.DISCHARGED:
        raise PreconditionFailed("Submit the form after the session ends.")
    if locked.ready_to_leave_minutes is None:
        raise PreconditionFailed("Answer the REMS evaluation question first.")
    locked.submitted_at = timezone.now()
    locked.submitted_by = acting_user
    locked.submission_reference = reference[:100]
    locked.save()
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_CHARTED,
        session=locked.session,
        subject=locked,
        detail={"rems_form": "submitted", "reference": reference},
    )
    return locked


RecoveryRouteFor = {
    SessionRoute.INTRAVENOUS: RecoveryRoute.INTRAVENOUS,
    SessionRoute.ESKETAMINE: RecoveryRoute.ESKETAMINE,
}
__all__ = ["RecoveryRouteFor", "discharge_readiness"]
