"""The scores a session charts are medicine's list (medicine/recovery.py): the modified PADSS is
charted and, like the modified Aldrete and the PADSS, gates discharge at ≥ 9 (CLINICAL.md §7.4)."""

from __future__ import annotations

from typing import Any

import pytest

from ketaclinic.charting.models import SessionStatus, TreatmentSession
from ketaclinic.charting.selectors import discharge_readiness_for_session
from ketaclinic.charting.services import (
    controlled_substance_reconcile,
    pump_event_record,
    session_discharge,
    session_score_record,
    vitals_record,
)
from ketaclinic.charting.tests.support import (
    RECOVERED,
    advance,
    at_appointment,
    booked_infusion,
    prepared_and_verified,
    ready_session,
)
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

MODIFIED_PADSS = {
    "mpadss.vital_signs": 2,
    "mpadss.ambulation": 2,
    "mpadss.nausea_vomiting": 2,
    "mpadss.pain": 2,
    "mpadss.bleeding": 2,
}


def _observed(personas: Personas, appointment: Any, clock: Any) -> TreatmentSession:
    session = ready_session(personas, appointment)
    prepared_and_verified(personas, session)
    pump_event_record(acting_user=personas.nina, session=session, kind="start")
    advance(clock, 40)
    pump_event_record(acting_user=personas.nina, session=session, kind="stop")
    controlled_substance_reconcile(acting_user=personas.nina, session=session, witness=personas.bob)
    advance(clock, 45)
    vitals_record(acting_user=personas.nina, session=session, **RECOVERED)
    session.refresh_from_db()
    return session


def test_the_modified_padss_is_charted_and_gates_discharge(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _observed(personas, appointment, clock)
        assert not discharge_readiness_for_session(session=session, escort_present=True).is_ready
        low = session_score_record(
            acting_user=personas.nina,
            session=session,
            instrument="modified_padss",
            answers={**MODIFIED_PADSS, "mpadss.ambulation": 1, "mpadss.pain": 1},
        )
        assert (low.total, low.instrument_label) == (8, "Modified PADSS")
        readiness = discharge_readiness_for_session(session=session, escort_present=True)
        assert readiness.reasons == ("Discharge score 8 is below 9.",)
        advance(clock, 10)
        session_score_record(
            acting_user=personas.nina,
            session=session,
            instrument="modified_padss",
            answers=MODIFIED_PADSS,
        )
        assert discharge_readiness_for_session(session=session, escort_present=True).is_ready
        discharged = session_discharge(
            acting_user=personas.nina,
            session=session,
            escort_name="Sam Driver",
            instructions_given=True,
        )
        assert discharged.status == SessionStatus.DISCHARGED
