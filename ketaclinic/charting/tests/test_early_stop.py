"""Stopping the pump before the planned dose is delivered needs a reason (medicine/session.py's
rule: more than 1 % of the plan left), kept with the stop event, shown on the timeline and written
in the note; a stop at the planned dose needs none."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from ketaclinic.charting.models import PumpEvent, SessionStatus, TreatmentSession
from ketaclinic.charting.selectors import session_note_text, session_timeline
from ketaclinic.charting.services import active_preparation, pump_event_record
from ketaclinic.charting.tests.support import (
    advance,
    at_appointment,
    booked_infusion,
    prepared_and_verified,
    ready_session,
)
from ketaclinic.core.errors import InvalidInput
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def _running(personas: Personas, appointment: Any) -> TreatmentSession:
    session = ready_session(personas, appointment)
    prepared_and_verified(personas, session)
    pump_event_record(acting_user=personas.nina, session=session, kind="start")
    return session


def test_an_early_stop_is_refused_without_a_reason(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _running(personas, appointment)
        advance(clock, 30)
        with pytest.raises(InvalidInput) as refused:
            pump_event_record(acting_user=personas.nina, session=session, kind="stop")
    assert "26.29 mg of the planned 35 mg" in refused.value.message
    assert "reason" in refused.value.fields
    session.refresh_from_db()
    assert session.status == SessionStatus.INFUSING
    assert not PumpEvent.objects.filter(session=session, kind="stop").exists()


def test_an_early_stop_keeps_its_reason_on_the_timeline_and_in_the_note(
    personas: Personas,
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _running(personas, appointment)
        advance(clock, 30)
        stop = pump_event_record(
            acting_user=personas.nina,
            session=session,
            kind="stop",
            reason="Patient asked to stop: dissociation distressing",
        )
        session.refresh_from_db()
        timeline = [
            entry.text
            for entry in session_timeline(session=session, preparation=active_preparation(session))
        ]
        note = session_note_text(session=session)
    assert stop.reason == "Patient asked to stop: dissociation distressing"
    assert session.status == SessionStatus.RECOVERY
    assert (
        "Stop — stopped early, 26.29 mg of 35 mg: Patient asked to stop: dissociation distressing"
        in timeline
    )
    assert (
        "Stopped early (26.29 mg of the planned 35 mg): Patient asked to stop: dissociation "
        "distressing" in note
    )


def test_a_pause_counts_against_the_plan(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _running(personas, appointment)
        advance(clock, 10)
        pump_event_record(acting_user=personas.nina, session=session, kind="pause")
        advance(clock, 5)
        pump_event_record(acting_user=personas.nina, session=session, kind="resume")
        advance(clock, 25)  # 40 minutes on the clock, 35 of them running
        with pytest.raises(InvalidInput, match="stopped before the planned dose"):
            pump_event_record(acting_user=personas.nina, session=session, kind="stop")


def test_a_stop_at_the_planned_dose_needs_no_reason(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _running(personas, appointment)
        advance(clock, 40)
        stop = pump_event_record(acting_user=personas.nina, session=session, kind="stop")
        session.refresh_from_db()
        note = session_note_text(session=session)
    assert stop.reason == ""
    assert "early" not in note


def test_the_page_asks_for_the_reason(personas: Personas, client_for: Any) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _running(personas, appointment)
        advance(clock, 20)
        page = client_for(personas.nina)
        url = reverse("charting:session", args=[session.pk])
        stop_form = re.search(
            r'<form[^>]*id="pump-stop".*?</form>', page.get(url).content.decode(), re.S
        )
        assert stop_form is not None
        assert 'name="pump-reason"' in stop_form.group(0)
        refused = page.post(
            url,
            {"step": "pump", "pump-kind": "stop", "pump-idempotency_key": "stop-1"},
            HTTP_ACCEPT="application/json",
        )
        assert refused.status_code == 400
        assert "reason" in refused.json()["fields"]
        stopped = page.post(
            url,
            {
                "step": "pump",
                "pump-kind": "stop",
                "pump-reason": "Severe nausea",
                "pump-idempotency_key": "stop-1",
            },
        )
    assert stopped.status_code == 302
    assert PumpEvent.objects.get(session=session, kind="stop").reason == "Severe nausea"
