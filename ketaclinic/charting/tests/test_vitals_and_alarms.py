"""Vital signs: impossible values refused, plausible ones judged (alarms), tablet retries stored
once, alarms acknowledged with an action or escalated to the physician once; and the cost of a
reading does not grow with the session."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone

from ketaclinic.charting.models import SessionAlarm, TreatmentSession, VitalSignReading
from ketaclinic.charting.services import (
    alarm_acknowledge,
    alarms_escalate_overdue,
    pump_event_record,
    vitals_record,
)
from ketaclinic.charting.tests.support import (
    GOOD_VITALS,
    advance,
    at_appointment,
    booked_infusion,
    prepared_and_verified,
    ready_session,
)
from ketaclinic.core.errors import Conflict, InvalidInput
from ketaclinic.outcomes.models import ClinicalTask
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def _infusing(personas: Personas, clock: Any, appointment: Any) -> TreatmentSession:
    session = ready_session(personas, appointment)
    prepared_and_verified(personas, session)
    pump_event_record(acting_user=personas.nina, session=session, kind="start")
    advance(clock, 1)
    session.refresh_from_db()
    return session


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"systolic_mmhg": 400}, "systolic"),
        ({"spo2_percent": 120}, r"spo2|oxygen|saturation"),
        ({"heart_rate_bpm": 0}, r"heart rate|\bHR\b"),
    ],
)
def test_impossible_values_are_refused_with_a_message(
    personas: Personas, bad: dict[str, int], field: str
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, clock, appointment)
        before = VitalSignReading.objects.count()
        with pytest.raises(InvalidInput) as refused:
            vitals_record(acting_user=personas.nina, session=session, **{**GOOD_VITALS, **bad})
        assert re.search(field, refused.value.message, re.IGNORECASE), refused.value.message
        assert refused.value.fields
        assert refused.value.fields["__all__"]
        assert VitalSignReading.objects.count() == before
        assert not SessionAlarm.objects.exists()


def test_a_plausible_but_dangerous_value_is_stored_with_a_critical_alarm(
    personas: Personas,
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, clock, appointment)
        reading = vitals_record(
            acting_user=personas.nina,
            session=session,
            **{**GOOD_VITALS, "systolic_mmhg": 205, "diastolic_mmhg": 110},
        )
        assert reading.pk is not None
        assert reading.alarm_level == 2
        alarm = reading.alarms.get(parameter="blood_pressure")
        assert alarm.level_label == "critical"
        assert alarm.acknowledge_by > alarm.raised_at
        assert reading.assessment


def test_a_reading_in_the_future_or_before_check_in_is_refused(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, clock, appointment)
        count = VitalSignReading.objects.count()
        with pytest.raises(InvalidInput, match="future"):
            vitals_record(
                acting_user=personas.nina,
                session=session,
                **GOOD_VITALS,
                measured_at=timezone.now() + datetime.timedelta(minutes=10),
            )
        with pytest.raises(InvalidInput, match="before the patient checked in"):
            vitals_record(
                acting_user=personas.nina,
                session=session,
                **GOOD_VITALS,
                measured_at=session.checked_in_at - datetime.timedelta(minutes=5),
            )
        assert VitalSignReading.objects.count() == count
        # a late entry within the session keeps its true time
        late = vitals_record(
            acting_user=personas.nina,
            session=session,
            **GOOD_VITALS,
            measured_at=timezone.now() - datetime.timedelta(minutes=1),
        )
        assert late.measured_at == timezone.now() - datetime.timedelta(minutes=1)


def test_a_retried_reading_is_stored_once_and_a_reused_key_is_a_conflict(
    personas: Personas,
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, clock, appointment)
        first = vitals_record(
            acting_user=personas.nina, session=session, **GOOD_VITALS, idempotency_key="tab-7"
        )
        again = vitals_record(
            acting_user=personas.nina, session=session, **GOOD_VITALS, idempotency_key="tab-7"
        )
        assert again.pk == first.pk
        assert (
            VitalSignReading.objects.filter(session=session, idempotency_key="tab-7").count() == 1
        )
        with pytest.raises(Conflict):
            vitals_record(
                acting_user=personas.nina,
                session=session,
                **{**GOOD_VITALS, "systolic_mmhg": 150},
                idempotency_key="tab-7",
            )
        assert (
            VitalSignReading.objects.filter(session=session, idempotency_key="tab-7").count() == 1
        )


def test_an_alarm_is_acknowledged_only_with_the_action_taken(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, clock, appointment)
        reading = vitals_record(
            acting_user=personas.nina, session=session, **{**GOOD_VITALS, "spo2_percent": 88}
        )
        alarm = reading.alarms.get()
        with pytest.raises(InvalidInput, match="Say what was done"):
            alarm_acknowledge(acting_user=personas.nina, alarm=alarm, action_taken="   ")
        alarm.refresh_from_db()
        assert alarm.acknowledged_at is None
        acknowledged = alarm_acknowledge(
            acting_user=personas.nina, alarm=alarm, action_taken="Chin lift, O2 2 L; SpO2 97."
        )
        assert acknowledged.acknowledged_by == personas.nina
        assert acknowledged.action_taken.startswith("Chin lift")
        with pytest.raises(Conflict):
            alarm_acknowledge(acting_user=personas.nina, alarm=alarm, action_taken="Again")
        # an acknowledged alarm is never escalated
        advance(clock, 30)
        assert alarms_escalate_overdue(session_id=session.pk) == 0
        assert not ClinicalTask.objects.exists()


def test_an_unacknowledged_alarm_escalates_once_to_the_physician(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, clock, appointment)
        reading = vitals_record(
            acting_user=personas.nina,
            session=session,
            **{**GOOD_VITALS, "systolic_mmhg": 205, "diastolic_mmhg": 110},
        )
        alarm = reading.alarms.get()
        assert alarms_escalate_overdue(session_id=session.pk) == 0
        clock.move_to(alarm.acknowledge_by + datetime.timedelta(seconds=1))
        assert alarms_escalate_overdue(session_id=session.pk) == 1
        assert alarms_escalate_overdue(session_id=session.pk) == 0
        advance(clock, 10)
        assert alarms_escalate_overdue(session_id=session.pk) == 0
        task = ClinicalTask.objects.get()
        assert task.priority == "urgent"
        assert task.for_role == "physician"
        assert task.patient_id == session.patient_id
        alarm.refresh_from_db()
        assert alarm.escalated_at is not None


def _session_with_readings(
    personas: Personas, clock: Any, appointment: Any, readings: int
) -> TreatmentSession:
    session = _infusing(personas, clock, appointment)
    for _ in range(readings - 1):  # the baseline is one of them
        vitals_record(acting_user=personas.nina, session=session, **GOOD_VITALS)
        advance(clock, 1)
    assert VitalSignReading.objects.filter(session=session).count() == readings
    return session


# One reading with an alarm, the service called directly (no request to have read the person's
# membership and credentials already): the transaction (2), the permission (membership,
# credentials), the session read once under its lock, one read of the key and the repeat window,
# the insert, the alarms' bulk insert, their escalation job, the audit (the actor's role, the
# event). Through the API, with the token known, it is 8 (test_chair_path_queries.py).
VITALS_RECORD_QUERIES = 12


@pytest.mark.parametrize("readings", [3, 30])
def test_recording_a_reading_takes_a_fixed_number_of_queries(
    personas: Personas, django_assert_num_queries: Any, readings: int
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _session_with_readings(personas, clock, appointment, readings)
        session = TreatmentSession.objects.get(pk=session.pk)
        with django_assert_num_queries(VITALS_RECORD_QUERIES):
            vitals_record(
                acting_user=personas.nina,
                session=session,
                **{**GOOD_VITALS, "systolic_mmhg": 184, "diastolic_mmhg": 96},
                idempotency_key=f"q-{readings}",
            )
