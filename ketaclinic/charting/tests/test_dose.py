"""The dose (computed, drawn, independently verified, discarded with a witness) and the pump
events that deliver it."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from ketaclinic.charting.models import DosePreparation, PumpEvent, SessionStatus
from ketaclinic.charting.services import (
    dose_discard,
    dose_prepare,
    dose_verify,
    pump_event_record,
)
from ketaclinic.charting.tests.support import (
    advance,
    at_appointment,
    booked_infusion,
    prepared_and_verified,
    ready_session,
    vial,
)
from ketaclinic.core.errors import Conflict, InvalidInput, PermissionRefused, PreconditionFailed
from ketaclinic.inventory.models import Container, Draw, Movement, MovementKind
from ketaclinic.inventory.tests.support import ketamine_50, receive, safe
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def vials(personas: Personas, count: int) -> list[Container]:
    return receive(personas, ketamine_50(personas.clinic), safe(personas.clinic), count=count)


def test_the_dose_is_computed_from_the_signed_order_and_todays_weight(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = ready_session(personas, appointment)
        preparation = dose_prepare(
            acting_user=personas.nina, session=session, container=vial(personas)
        )
        # 0.5 mg/kg (the signed order) × 70 kg (weighed today) = 35 mg
        assert preparation.ordered_dose == Decimal("0.5")
        assert preparation.dose == Decimal("0.5")
        assert preparation.weight_kg == Decimal("70.0")
        assert preparation.dosing_weight_kg == Decimal("70")
        assert preparation.weight_basis
        assert preparation.plan["weight"]["basis"] == preparation.weight_basis
        # the stored plan writes numbers as a clinician does: never "5E+1" for a 50 mg/mL vial
        assert preparation.plan["vial_mg_per_ml"] == "50"
        for figure in ("dose_mg", "drug_volume_ml", "total_volume_ml", "rate_ml_per_h"):
            assert "E" not in preparation.plan[figure]
        assert preparation.dose_mg == Decimal("35.00")
        assert preparation.dose_changed_by is None
        # the draw went to the ledger with the preparation: 0.7 mL of 50 mg/mL
        draw = Draw.objects.get(appointment=appointment)
        assert draw == preparation.draw
        assert draw.quantity == 700
        assert Movement.objects.filter(draw=draw, kind=MovementKind.DRAW).count() == 1


def test_a_different_dose_needs_a_physician_and_a_reason(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = ready_session(personas, appointment)
        container = vials(personas, 1)[0]
        with pytest.raises(InvalidInput, match="physician"):
            dose_prepare(
                acting_user=personas.bob,
                session=session,
                container=container,
                dose=Decimal("0.6"),
            )
        with pytest.raises(PermissionRefused):
            dose_prepare(
                acting_user=personas.nina,
                session=session,
                container=container,
                dose=Decimal("0.6"),
                dose_change_reason="Patient asked for more",
            )
        assert not DosePreparation.objects.exists()
        assert not Draw.objects.exists()
        preparation = dose_prepare(
            acting_user=personas.bob,
            session=session,
            container=container,
            dose=Decimal("0.6"),
            dose_change_reason="Under 20% better after two infusions; titrate.",
        )
        assert preparation.dose == Decimal("0.6")
        assert preparation.ordered_dose == Decimal("0.5")
        assert preparation.dose_mg == Decimal("42.00")
        assert preparation.dose_changed_by == personas.bob
        assert preparation.dose_change_reason.startswith("Under 20%")


def test_verification_is_by_someone_else_and_must_match(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = ready_session(personas, appointment)
        preparation = dose_prepare(
            acting_user=personas.nina, session=session, container=vial(personas)
        )
        with pytest.raises(PreconditionFailed, match="someone other"):
            dose_verify(
                acting_user=personas.nina,
                preparation=preparation,
                dose_mg=preparation.dose_mg,
                rate_ml_per_h=preparation.rate_ml_per_h,
            )
        with pytest.raises(InvalidInput, match="does not match") as refused:
            dose_verify(
                acting_user=personas.bob,
                preparation=preparation,
                dose_mg=preparation.dose_mg,
                rate_ml_per_h=Decimal("115.1"),
            )
        assert "rate_ml_per_h" in (refused.value.fields or {})
        with pytest.raises(InvalidInput, match="does not match"):
            dose_verify(
                acting_user=personas.bob,
                preparation=preparation,
                dose_mg=Decimal("53.00"),
                rate_ml_per_h=preparation.rate_ml_per_h,
            )
        preparation.refresh_from_db()
        assert preparation.verified_at is None
        # no start without a verified dose
        with pytest.raises(PreconditionFailed, match="verified"):
            pump_event_record(acting_user=personas.nina, session=session, kind="start")
        verified = dose_verify(
            acting_user=personas.bob,
            preparation=preparation,
            dose_mg=preparation.dose_mg,
            rate_ml_per_h=preparation.rate_ml_per_h,
        )
        assert verified.verified_by == personas.bob
        with pytest.raises(Conflict):
            dose_verify(
                acting_user=personas.alice,
                preparation=preparation,
                dose_mg=preparation.dose_mg,
                rate_ml_per_h=preparation.rate_ml_per_h,
            )


def test_a_preparation_that_fails_after_the_draw_leaves_nothing_in_the_ledger(
    personas: Personas,
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = ready_session(personas, appointment)
        container = vial(personas)
        balance = container.balance
        movements = Movement.objects.count()
        yesterday = personas.clinic.local_today() - datetime.timedelta(days=1)
        with pytest.raises(InvalidInput, match="expired"):
            dose_prepare(
                acting_user=personas.nina,
                session=session,
                container=container,
                diluent_lot="NS-1",
                diluent_expires_on=yesterday,
            )
        container.refresh_from_db()
        assert container.balance == balance
        assert Movement.objects.count() == movements
        assert not Draw.objects.exists()
        assert not DosePreparation.objects.exists()


def test_a_discarded_preparation_is_wasted_with_a_witness(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = ready_session(personas, appointment)
        first, second = vials(personas, 2)
        preparation = dose_prepare(acting_user=personas.nina, session=session, container=first)
        with pytest.raises(Conflict, match="already prepared"):
            dose_prepare(acting_user=personas.nina, session=session, container=second)
        with pytest.raises(InvalidInput, match="why"):
            dose_discard(
                acting_user=personas.nina, preparation=preparation, reason="", witness=None
            )
        dose_discard(
            acting_user=personas.nina,
            preparation=preparation,
            reason="Wrong diluent volume",
            witness=personas.bob,
        )
        preparation.refresh_from_db()
        assert preparation.discarded_at is not None
        waste = Movement.objects.get(draw=preparation.draw, kind=MovementKind.WASTE)
        assert waste.witness == personas.bob
        assert waste.draw_delta == -700
        preparation.draw.refresh_from_db()
        assert preparation.draw.balance == 0
        # a fresh preparation may now be made
        again = dose_prepare(acting_user=personas.nina, session=session, container=second)
        assert again.pk != preparation.pk


def test_a_discard_without_a_witness_is_refused_and_nothing_changes(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = ready_session(personas, appointment)
        preparation = dose_prepare(
            acting_user=personas.nina, session=session, container=vial(personas)
        )
        with pytest.raises((InvalidInput, PreconditionFailed, PermissionRefused)):
            dose_discard(
                acting_user=personas.nina, preparation=preparation, reason="Dropped", witness=None
            )
        preparation.refresh_from_db()
        assert preparation.discarded_at is None
        assert not Movement.objects.filter(kind=MovementKind.WASTE).exists()


# --- the pump ----------------------------------------------------------------------------------


def test_pump_events_keep_their_times_and_the_delivered_dose_excludes_the_pause(
    personas: Personas,
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = ready_session(personas, appointment)
        preparation = prepared_and_verified(personas, session)
        nina = personas.nina
        start = pump_event_record(acting_user=nina, session=session, kind="start")
        assert start.rate_ml_per_h == preparation.rate_ml_per_h
        advance(clock, 10)
        pause = pump_event_record(acting_user=nina, session=session, kind="pause")
        with pytest.raises(InvalidInput):
            pump_event_record(acting_user=nina, session=session, kind="pause")
        advance(clock, 10)
        resume = pump_event_record(acting_user=nina, session=session, kind="resume")
        with pytest.raises(InvalidInput, match="resume"):
            pump_event_record(acting_user=nina, session=session, kind="resume")
        advance(clock, 10)
        change = pump_event_record(
            acting_user=nina,
            session=session,
            kind="rate_change",
            rate_ml_per_h=Decimal("75.5"),
            reason="Nausea: rate halved",
        )
        advance(clock, 20)
        stop = pump_event_record(
            acting_user=nina, session=session, kind="stop", reason="Stopped at the planned time"
        )
        minutes = [
            (event.occurred_at - start.occurred_at).total_seconds() / 60
            for event in (pause, resume, change, stop)
        ]
        assert minutes == [10, 20, 30, 50]
        session.refresh_from_db()
        assert session.started_at == start.occurred_at
        assert session.stopped_at == stop.occurred_at
        assert session.status == SessionStatus.RECOVERY
        # running: 20 min at 151.1 mL/h + 20 min at 75.5 mL/h = 75.53 mL; at 0.348 mg/mL
        assert preparation.concentration_mg_per_ml is not None
        expected = (
            (Decimal("151.1") * 20 + Decimal("75.5") * 20) / 60
        ) * preparation.concentration_mg_per_ml
        assert session.delivered_mg is not None
        assert abs(session.delivered_mg - expected) < Decimal("0.05")
        with pytest.raises(InvalidInput):
            pump_event_record(acting_user=nina, session=session, kind="stop")


def test_pump_events_in_the_future_or_before_check_in_are_refused(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = ready_session(personas, appointment)
        prepared_and_verified(personas, session)
        pump_event_record(acting_user=personas.nina, session=session, kind="start")
        advance(clock, 10)
        now = timezone.now()
        with pytest.raises(InvalidInput, match="future"):
            pump_event_record(
                acting_user=personas.nina,
                session=session,
                kind="pause",
                occurred_at=now + datetime.timedelta(minutes=5),
            )
        with pytest.raises(InvalidInput, match="before the patient checked in"):
            pump_event_record(
                acting_user=personas.nina,
                session=session,
                kind="pause",
                occurred_at=session.checked_in_at - datetime.timedelta(minutes=1),
            )
        assert PumpEvent.objects.filter(session=session).count() == 1


def test_a_rate_above_the_computed_rate_needs_a_physician_and_a_reason(
    personas: Personas,
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = ready_session(personas, appointment)
        prepared_and_verified(personas, session)
        pump_event_record(acting_user=personas.nina, session=session, kind="start")
        advance(clock, 5)
        with pytest.raises(PermissionRefused):
            pump_event_record(
                acting_user=personas.nina,
                session=session,
                kind="rate_change",
                rate_ml_per_h=Decimal("200"),
                reason="Running behind",
            )
        with pytest.raises(InvalidInput, match=r"reason|why"):
            pump_event_record(
                acting_user=personas.bob,
                session=session,
                kind="rate_change",
                rate_ml_per_h=Decimal("200"),
            )
        event = pump_event_record(
            acting_user=personas.bob,
            session=session,
            kind="rate_change",
            rate_ml_per_h=Decimal("200"),
            reason="Well tolerated; shorten to 30 min as planned.",
        )
        assert event.rate_ml_per_h == Decimal("200.0")
        assert event.recorded_by == personas.bob
        assert PumpEvent.objects.filter(session=session).count() == 2
