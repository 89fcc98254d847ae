"""Two nurses charting one session at the same moment, with real concurrent transactions on
PostgreSQL: both readings are kept, a tablet's retry racing its original is stored once, and two
stops racing stop the pump once."""

from __future__ import annotations

import pytest
from django.db import connection

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Role
from ketaclinic.charting.models import PumpEvent, VitalSignReading
from ketaclinic.charting.services import pump_event_record, vitals_record
from ketaclinic.charting.tests.support import (
    GOOD_VITALS,
    advance,
    at_appointment,
    booked_infusion,
    prepared_and_verified,
    ready_session,
)
from ketaclinic.core.errors import DomainError
from ketaclinic.testing.concurrency import race as _race
from ketaclinic.testing.factories import staff_member
from ketaclinic.testing.personas import NURSE_CREDENTIALS, Personas, make_personas

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite runs one writer at a time"
)


def _second_nurse(personas: Personas) -> User:
    return staff_member(
        personas.clinic,
        Role.NURSE,
        credentials=NURSE_CREDENTIALS,
        email="nora@clinic.test",
        full_name="Nora Nurse",
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("repetition", range(3))
def test_two_nurses_charting_vitals_at_once_both_readings_are_kept(repetition: int) -> None:
    personas = make_personas()
    nora = _second_nurse(personas)
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = ready_session(personas, appointment)
        prepared_and_verified(personas, session)
        pump_event_record(acting_user=personas.nina, session=session, kind="start")
        advance(clock, 5)
        before = VitalSignReading.objects.filter(session=session).count()
        outcomes = _race(
            [
                lambda: vitals_record(acting_user=personas.nina, session=session, **GOOD_VITALS),
                lambda: vitals_record(
                    acting_user=nora, session=session, **{**GOOD_VITALS, "heart_rate_bpm": 80}
                ),
            ]
        )
    assert all(isinstance(outcome, VitalSignReading) for outcome in outcomes)
    readings = VitalSignReading.objects.filter(session=session)
    assert readings.count() == before + 2
    assert set(readings.values_list("recorded_by", flat=True)) >= {personas.nina.pk, nora.pk}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("repetition", range(3))
def test_one_key_sent_twice_at_once_is_stored_once(repetition: int) -> None:
    personas = make_personas()
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = ready_session(personas, appointment)
        prepared_and_verified(personas, session)
        pump_event_record(acting_user=personas.nina, session=session, kind="start")
        advance(clock, 5)

        def send() -> VitalSignReading:
            return vitals_record(
                acting_user=personas.nina, session=session, **GOOD_VITALS, idempotency_key="tab-1"
            )

        outcomes = _race([send, send])
    assert all(isinstance(outcome, VitalSignReading) for outcome in outcomes)
    assert outcomes[0].pk == outcomes[1].pk
    assert VitalSignReading.objects.filter(session=session, idempotency_key="tab-1").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("repetition", range(3))
def test_two_stops_racing_stop_the_pump_once(repetition: int) -> None:
    personas = make_personas()
    nora = _second_nurse(personas)
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = ready_session(personas, appointment)
        prepared_and_verified(personas, session)
        pump_event_record(acting_user=personas.nina, session=session, kind="start")
        advance(clock, 40)
        outcomes = _race(
            [
                lambda: pump_event_record(acting_user=personas.nina, session=session, kind="stop"),
                lambda: pump_event_record(acting_user=nora, session=session, kind="stop"),
            ]
        )
    stopped = [outcome for outcome in outcomes if isinstance(outcome, PumpEvent)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, DomainError)]
    assert len(stopped) == 1
    assert len(refused) == 1
    assert PumpEvent.objects.filter(session=session, kind="stop").count() == 1
    session.refresh_from_db()
    assert session.stopped_at == stopped[0].occurred_at
    assert session.delivered_mg is not None
