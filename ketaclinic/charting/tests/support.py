"""A booked treatment for tomorrow, and the clock moved to it: the session day in tests."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import time_machine

from ketaclinic.charting.models import DosePreparation, TreatmentSession
from ketaclinic.charting.services import (
    checklist_answer,
    controlled_substance_reconcile,
    dose_prepare,
    dose_verify,
    pump_event_record,
    session_check_in,
    session_discharge,
    session_escort_confirm,
    session_measurements_record,
    session_score_record,
    side_effect_record,
    vitals_record,
)
from ketaclinic.inventory.models import Container
from ketaclinic.inventory.tests.support import infusion as book_infusion
from ketaclinic.inventory.tests.support import ketamine_50, receive, safe
from ketaclinic.medicine.session import ChecklistItem, ItemStatus
from ketaclinic.outcomes.models import ResponseContext
from ketaclinic.outcomes.services import questionnaire_record
from ketaclinic.scheduling.models import Appointment
from ketaclinic.testing.personas import Personas

PHQ9_MILD = {f"phq9.{n}": (1 if n in (1, 2, 3, 4, 5) else 0) for n in range(1, 10)}
GOOD_VITALS: dict[str, Any] = {
    "systolic_mmhg": 122,
    "diastolic_mmhg": 78,
    "heart_rate_bpm": 72,
    "spo2_percent": 98,
    "respiratory_rate_per_min": 14,
}
RECOVERED: dict[str, Any] = {**GOOD_VITALS, "moaa_s": 5}
LOW_SPO2: dict[str, Any] = {**GOOD_VITALS, "spo2_percent": 88}
ALDRETE_FULL = {f"aldrete.{n}": 2 for n in range(1, 6)}


@contextmanager
def at_appointment(appointment: Appointment, minutes_before: int = 10) -> Iterator[Any]:
    """Freeze the clock shortly before the appointment; `traveller.shift(seconds)` moves it."""
    moment = appointment.starts_at - datetime.timedelta(minutes=minutes_before)
    with time_machine.travel(moment, tick=False) as traveller:
        yield traveller


def advance(traveller: Any, minutes: float) -> None:
    traveller.shift(datetime.timedelta(minutes=minutes))


def vial(personas: Personas) -> Container:
    return receive(personas, ketamine_50(personas.clinic), safe(personas.clinic), count=1)[0]


def booked_infusion(personas: Personas) -> Appointment:
    return book_infusion(personas, days_ahead=1, hour=9)


def ready_session(personas: Personas, appointment: Appointment) -> TreatmentSession:
    """Checked in with every checklist item passed (call inside `at_appointment`)."""
    nina = personas.nina
    session = session_check_in(acting_user=personas.fran, appointment=appointment)
    questionnaire_record(
        acting_user=nina,
        patient=session.patient,
        instrument_code="phq9",
        answers=PHQ9_MILD,
        context=ResponseContext.PRE_SESSION,
    )
    for item in (
        ChecklistItem.IDENTITY,
        ChecklistItem.FASTING,
        ChecklistItem.MEDICATION_HOLDS,
        ChecklistItem.NO_SUBSTANCES,
        ChecklistItem.EQUIPMENT,
    ):
        checklist_answer(acting_user=nina, session=session, item=item, status=ItemStatus.PASS)
    checklist_answer(
        acting_user=nina,
        session=session,
        item=ChecklistItem.PREGNANCY_TEST,
        status=ItemStatus.PASS if _applies(session) else ItemStatus.NOT_APPLICABLE,
        detail="urine hCG negative" if _applies(session) else "",
    )
    session_escort_confirm(
        acting_user=nina, session=session, name="Sam Driver", phone="303-555-0142"
    )
    session_measurements_record(
        acting_user=nina, session=session, weight_kg=Decimal("70"), height_cm=Decimal("175")
    )
    vitals_record(acting_user=nina, session=session, **GOOD_VITALS)
    session.refresh_from_db()
    return session


def _applies(session: TreatmentSession) -> bool:
    from ketaclinic.charting.selectors import pregnancy_test_applies

    return pregnancy_test_applies(session)


def prepared_and_verified(personas: Personas, session: TreatmentSession) -> DosePreparation:
    preparation = dose_prepare(acting_user=personas.nina, session=session, container=vial(personas))
    return dose_verify(
        acting_user=personas.bob,
        preparation=preparation,
        dose_mg=preparation.dose_mg,
        rate_ml_per_h=preparation.rate_ml_per_h,
    )


def discharged(personas: Personas, appointment: Any, clock: Any) -> TreatmentSession:
    """An infusion with an alarm left unacknowledged and a headache left unresolved, then the
    patient discharged (the note not yet signed)."""
    nina = personas.nina
    session = ready_session(personas, appointment)
    prepared_and_verified(personas, session)
    pump_event_record(acting_user=nina, session=session, kind="start")
    advance(clock, 5)
    vitals_record(acting_user=nina, session=session, **LOW_SPO2)
    side_effect_record(
        acting_user=nina, session=session, kind="headache", severity="mild", action="none"
    )
    advance(clock, 35)
    pump_event_record(acting_user=nina, session=session, kind="stop")
    controlled_substance_reconcile(acting_user=nina, session=session, witness=personas.bob)
    vitals_record(acting_user=nina, session=session, **RECOVERED)
    session_score_record(
        acting_user=nina, session=session, instrument="modified_aldrete", answers=ALDRETE_FULL
    )
    advance(clock, 45)
    vitals_record(acting_user=nina, session=session, **RECOVERED)
    session_discharge(
        acting_user=nina, session=session, escort_name="Sam Driver", instructions_given=True
    )
    advance(clock, 5)
    session.refresh_from_db()
    return session


def infusing(
    personas: Personas, appointment: Appointment, clock: Any, *, minutes: float = 5
) -> TreatmentSession:
    """Ready, the dose prepared and verified, and the pump started `minutes` ago (call inside
    `at_appointment`, with its clock)."""
    session = ready_session(personas, appointment)
    prepared_and_verified(personas, session)
    pump_event_record(acting_user=personas.nina, session=session, kind="start")
    advance(clock, minutes)
    session.refresh_from_db()
    return session
