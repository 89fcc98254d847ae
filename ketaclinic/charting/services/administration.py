"""What the patient is given: the IV pump's events (start, pause, resume, rate change, stop and
the delivered mg), each esketamine device, and after the stop the controlled-substance
record (what was administered, the rest wasted with a witness).
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.charting.models import (
    ControlledSubstanceRecord,
    PumpEvent,
    RemsMonitoringForm,
    SessionRoute,
    SessionStatus,
    TreatmentSession,
)
from ketaclinic.charting.services.checklist import _can_start
from ketaclinic.charting.services.common import (
    _audit,
    _clinical,
    _given,
    _key,
    _lock_in_clinic,
    _require_open,
    _sent_once,
    charted_time,
    session_minute,
)
from ketaclinic.charting.services.dose import active_preparation
from ketaclinic.core.errors import Conflict, InvalidInput, PreconditionFailed
from ketaclinic.inventory.services import draw_administer, draw_waste
from ketaclinic.medicine.amounts import mg_text
from ketaclinic.medicine.errors import ClinicalRuleError
from ketaclinic.medicine.medications import plain_decimal
from ketaclinic.medicine.rems import monitoring_form_due_by
from ketaclinic.medicine.session import (
    PumpEvent as PlanPumpEvent,
)
from ketaclinic.medicine.session import (
    PumpEventKind,
    check_device_timing,
    check_next_event,
    delivered_mg,
    is_early_stop,
)


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
    locked = _lock_in_clinic(session)
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
                    f"The pump stopped before the planned dose: {mg_text(delivered)} of "
                    f"the planned {mg_text(preparation.dose_mg)} delivered. Say why it "
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
    locked = _lock_in_clinic(session)
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
    locked = _lock_in_clinic(session)
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
