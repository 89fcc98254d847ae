"""A whole IV infusion through the services, and the refusals a nurse meets on the way."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketaclinic.charting.models import SessionStatus, VitalSignReading
from ketaclinic.charting.selectors import (
    chart_data_for_session,
    checklist_for_session,
    day_board,
    notes_to_sign,
    session_note_text,
)
from ketaclinic.charting.services import (
    alarm_acknowledge,
    alarms_escalate_overdue,
    controlled_substance_reconcile,
    dose_prepare,
    prn_record,
    pump_event_record,
    session_discharge,
    session_note_sign,
    session_score_record,
    side_effect_record,
    vitals_record,
)
from ketaclinic.charting.tests.support import (
    ALDRETE_FULL,
    GOOD_VITALS,
    advance,
    at_appointment,
    booked_infusion,
    prepared_and_verified,
    ready_session,
    vial,
)
from ketaclinic.core.errors import InvalidInput, PreconditionFailed
from ketaclinic.inventory.models import Movement, MovementKind
from ketaclinic.outcomes.models import ClinicalTask
from ketaclinic.scheduling.models import AppointmentStatus
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

CADSS6 = {f"cadss.{n}": 1 for n in (1, 2, 6, 7, 15, 22)}


def test_a_whole_infusion_from_check_in_to_the_signed_note(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    nina, bob = personas.nina, personas.bob
    with at_appointment(appointment) as clock:
        session = ready_session(personas, appointment)
        assert checklist_for_session(session=session).outcome.can_start
        assert session.status == SessionStatus.READY
        preparation = prepared_and_verified(personas, session)
        # 0.5 mg/kg × 70 kg = 35 mg; 0.7 mL of 50 mg/mL in 100 mL → 100.7 mL over 40 min.
        assert preparation.dose_mg == Decimal("35.00")
        assert preparation.rate_ml_per_h == Decimal("151.1")
        pump_event_record(acting_user=nina, session=session, kind="start", idempotency_key="s1")
        advance(clock, 5)
        vitals_record(acting_user=nina, session=session, **GOOD_VITALS, idempotency_key="v1")
        # the tablet retries the same reading: stored once
        vitals_record(acting_user=nina, session=session, **GOOD_VITALS, idempotency_key="v1")
        assert VitalSignReading.objects.filter(session=session).count() == 2
        advance(clock, 5)
        high = {**GOOD_VITALS, "systolic_mmhg": 184, "diastolic_mmhg": 96}
        vitals_record(acting_user=nina, session=session, **high)
        advance(clock, 5)
        reading = vitals_record(acting_user=nina, session=session, **high)
        alarm = reading.alarms.get()
        assert "confirmed" in alarm.message
        alarm_acknowledge(acting_user=nina, alarm=alarm, action_taken="Rate halved, Dr Bob told.")
        effect = side_effect_record(
            acting_user=nina, session=session, kind="nausea", severity="moderate", action="prn"
        )
        prn_record(
            acting_user=nina,
            session=session,
            side_effect=effect,
            drug="Ondansetron",
            dose=Decimal("4"),
            unit="mg",
            route="IV",
        )
        pump_event_record(acting_user=nina, session=session, kind="pause")
        advance(clock, 5)
        pump_event_record(acting_user=nina, session=session, kind="resume")
        advance(clock, 20)  # stopped 5 minutes early: 35 running minutes
        pump_event_record(
            acting_user=nina, session=session, kind="stop", reason="Dissociation: stopped early"
        )
        session.refresh_from_db()
        assert session.status == SessionStatus.RECOVERY
        # 35 running minutes at 151.1 mL/h of 0.348 mg/mL (35 mg in 100.7 mL) ≈ 30.6 mg
        assert session.delivered_mg is not None
        assert Decimal("30.5") <= session.delivered_mg <= Decimal("30.8")
        session_score_record(acting_user=nina, session=session, instrument="cadss6", answers=CADSS6)
        controlled_substance_reconcile(acting_user=nina, session=session, witness=bob)
        kinds = set(Movement.objects.filter(appointment=appointment).values_list("kind", flat=True))
        assert kinds == {MovementKind.DRAW, MovementKind.ADMINISTRATION, MovementKind.WASTE}
        advance(clock, 10)
        vitals_record(acting_user=nina, session=session, **{**GOOD_VITALS, "moaa_s": 5})
        session_score_record(
            acting_user=nina, session=session, instrument="modified_aldrete", answers=ALDRETE_FULL
        )
        with pytest.raises(PreconditionFailed, match="Observed"):
            session_discharge(
                acting_user=nina, session=session, escort_name="Sam Driver", instructions_given=True
            )
        advance(clock, 25)
        vitals_record(acting_user=nina, session=session, **{**GOOD_VITALS, "moaa_s": 5})
        board = day_board(clinic=personas.clinic, day=personas.clinic.local_today())
        assert any(row.status == "ready_for_discharge" for chair in board for row in chair.rows)
        chart = chart_data_for_session(session=session)
        assert chart.concentration
        assert chart.rate_segments
        session_discharge(
            acting_user=nina, session=session, escort_name="Sam Driver", instructions_given=True
        )
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.COMPLETED
        assert notes_to_sign(clinic=personas.clinic)["unsigned"] == [session]
        note = session_note_sign(acting_user=nina, session=session)
        assert notes_to_sign(clinic=personas.clinic)["awaiting_cosignature"] == [session]
        assert "= 35 mg in" in note.body
        assert "Sam Driver" in note.body
        session_note_sign(acting_user=bob, session=session)
        assert notes_to_sign(clinic=personas.clinic) == {"unsigned": [], "awaiting_cosignature": []}
        assert "Ondansetron" in session_note_text(session=session)


def test_the_infusion_cannot_start_before_the_checklist_and_verification(
    personas: Personas,
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        from ketaclinic.charting.services import session_check_in

        session = session_check_in(acting_user=personas.fran, appointment=appointment)
        with pytest.raises(PreconditionFailed, match="checklist"):
            pump_event_record(acting_user=personas.nina, session=session, kind="start")


def test_impossible_vitals_are_refused_and_nothing_is_stored(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = ready_session(personas, appointment)
        before = VitalSignReading.objects.count()
        for bad in ({"systolic_mmhg": 400}, {"spo2_percent": 120}, {"heart_rate_bpm": 0}):
            with pytest.raises(InvalidInput):
                vitals_record(acting_user=personas.nina, session=session, **{**GOOD_VITALS, **bad})
        assert VitalSignReading.objects.count() == before


def test_an_unacknowledged_alarm_escalates_to_the_physician(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = ready_session(personas, appointment)
        prepared_and_verified(personas, session)
        pump_event_record(acting_user=personas.nina, session=session, kind="start")
        advance(clock, 5)
        vitals_record(
            acting_user=personas.nina, session=session, **{**GOOD_VITALS, "spo2_percent": 88}
        )
        assert alarms_escalate_overdue(session_id=session.pk) == 0
        advance(clock, 3)
        assert alarms_escalate_overdue(session_id=session.pk) == 1
        assert ClinicalTask.objects.filter(patient=session.patient, priority="urgent").exists()
        assert alarms_escalate_overdue(session_id=session.pk) == 0


def test_a_dose_other_than_the_order_needs_a_physicians_reason(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = ready_session(personas, appointment)
        with pytest.raises(InvalidInput, match="physician"):
            dose_prepare(
                acting_user=personas.nina,
                session=session,
                container=vial(personas),
                dose=Decimal("0.6"),
            )
