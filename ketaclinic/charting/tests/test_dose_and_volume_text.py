"""Doses and volumes read one way on the session page and in the note (issue 16): mg to two
decimals, volumes in mL (never microlitres) to two decimals."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from ketaclinic.charting.selectors import session_note_text
from ketaclinic.charting.services import controlled_substance_reconcile, pump_event_record
from ketaclinic.charting.tests.support import (
    advance,
    at_appointment,
    booked_infusion,
    prepared_and_verified,
    ready_session,
)
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

# "Controlled substance: 26.29 mg administered; 0.17 mL wasted, witnessed by …"
_SUBSTANCE_LINE = re.compile(
    r"(?P<given>\d+(?:\.\d{1,2})?) mg administered; (?P<wasted>\d+(?:\.\d{1,2})?) mL wasted"
)


def test_the_controlled_substance_line_reads_in_mg_and_ml_on_the_page_and_in_the_note(
    personas: Personas, client_for: Any
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = ready_session(personas, appointment)
        preparation = prepared_and_verified(personas, session)
        pump_event_record(acting_user=personas.nina, session=session, kind="start")
        advance(clock, 30)
        pump_event_record(
            acting_user=personas.nina, session=session, kind="stop", reason="Patient asked"
        )
        record = controlled_substance_reconcile(
            acting_user=personas.nina, session=session, witness=personas.bob
        )
        session.refresh_from_db()
        note = session_note_text(session=session)
        page = client_for(personas.nina).get(reverse("charting:session", args=[session.pk]))
    assert record.wasted_units > 0
    html = page.content.decode()
    for text in (note, html):
        assert "µL" not in text
        line = _SUBSTANCE_LINE.search(text)
        assert line is not None, text
        assert line["given"] == "26.29"
        assert abs(float(line["wasted"]) * 1000 - record.wasted_units) <= 5
    assert f"{preparation.dose_mg.normalize():f} mg in " in note
    assert re.search(r"in \d+(\.\d{1,2})? mL \(", note)
    assert "delivered 26.29 mg." in note
