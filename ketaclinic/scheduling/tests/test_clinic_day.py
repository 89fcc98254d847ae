"""The clinic's day, not the server's (issue 13 item 12): just after midnight UTC, and just before
midnight at the clinic, a clinic in Denver (MST, UTC−7) is still on the day before, and its pages
and records say so."""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client

from ketaclinic.accounts.models import User
from ketaclinic.consent.services import consent_sign_in_portal, signed_consent_html
from ketaclinic.consent.tests.support import publish_iv_consent
from ketaclinic.core.errors import PreconditionFailed
from ketaclinic.courses.tests.support import open_weekdays
from ketaclinic.inventory.services import container_draw
from ketaclinic.inventory.tests.support import infusion, ketamine_50, receive, safe
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.scheduling.services import appointment_book, local_moment
from ketaclinic.testing.clinical import approve, drawn_signature
from ketaclinic.testing.clock import run_clock_start
from ketaclinic.testing.factories import ChairFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

SignIn = Callable[[User], Client]
MONDAY = datetime.date(2026, 12, 7)
# Monday 17:05 and 23:55 in Denver; Tuesday 8 December in UTC.
AFTER_UTC_MIDNIGHT = datetime.datetime(2026, 12, 8, 0, 5, tzinfo=datetime.UTC)
BEFORE_CLINIC_MIDNIGHT = datetime.datetime(2026, 12, 8, 6, 55, tzinfo=datetime.UTC)


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("moment", [AFTER_UTC_MIDNIGHT, BEFORE_CLINIC_MIDNIGHT])
def test_today_on_the_board_the_day_list_and_home_is_the_clinics_date(
    client_for: SignIn, personas: Personas, moment: datetime.datetime
) -> None:
    open_weekdays(personas.clinic, staff_from=MONDAY - datetime.timedelta(days=1))
    with time_machine.travel(
        datetime.datetime(2026, 12, 7, 8, 0, tzinfo=personas.clinic.zone), tick=False
    ):
        appointment_book(
            acting_user=personas.fran,
            patient=personas.pat,
            kind=VisitKind.CONSULT,
            starts_at=local_moment(clinic=personas.clinic, day=MONDAY, time=datetime.time(17, 30)),
            chair=ChairFactory(room__clinic=personas.clinic),
        )
    with time_machine.travel(moment, tick=False):
        assert personas.clinic.local_today() == MONDAY
        home = _text(client_for(personas.fran).get("/staff/"))
        assert "Monday 7 December 2026" in home
        day_list = _text(client_for(personas.fran).get("/staff/schedule/"))
        assert "Monday 7 December 2026" in day_list
        assert personas.pat.display_name in day_list  # Monday 17:30 in Denver is 00:30 UTC
        board = _text(client_for(personas.nina).get("/staff/sessions/"))
        assert "Monday 7 December" in board


def test_a_consent_signed_in_the_clinics_evening_is_dated_that_evening(
    personas: Personas,
) -> None:
    """The stored PDF is made outside any staff page (here, the portal's service)."""
    approve(personas, personas.pat)
    document = publish_iv_consent(personas)
    with time_machine.travel(AFTER_UTC_MIDNIGHT, tick=False):
        signature = consent_sign_in_portal(
            patient_user=personas.pat_user,
            patient=personas.pat,
            document=document,
            typed_name="Pat Example",
            drawn_signature_data_url=drawn_signature(),
        )
    page = signed_consent_html(signature)
    assert "7 Dec 2026 17:05 MST" in page
    assert "8 Dec 2026" not in page


def test_a_second_signature_names_the_clinics_day_of_the_first(personas: Personas) -> None:
    approve(personas, personas.pat)
    document = publish_iv_consent(personas)
    signature_values = {
        "patient_user": personas.pat_user,
        "patient": personas.pat,
        "document": document,
        "typed_name": "Pat Example",
        "drawn_signature_data_url": drawn_signature(),
    }
    with time_machine.travel(AFTER_UTC_MIDNIGHT, tick=False):
        consent_sign_in_portal(**signature_values)
        with pytest.raises(PreconditionFailed, match="signed this consent on 07 Dec 2026"):
            consent_sign_in_portal(**signature_values)


def test_a_vial_past_its_beyond_use_date_names_the_clinics_days(personas: Personas) -> None:
    """Opened on the clinic's Monday evening (Tuesday in UTC)."""
    with time_machine.travel(AFTER_UTC_MIDNIGHT, tick=False):
        vial = receive(personas, ketamine_50(personas.clinic), safe(personas.clinic), count=1)[0]
        appointment = infusion(personas, days_ahead=1)
        container_draw(
            acting_user=personas.nina, container=vial, quantity=500, appointment=appointment
        )
    later = AFTER_UTC_MIDNIGHT + datetime.timedelta(days=29)
    with time_machine.travel(later, tick=False), pytest.raises(PreconditionFailed) as refusal:
        container_draw(
            acting_user=personas.nina, container=vial, quantity=500, appointment=appointment
        )
    assert "was opened on 07 Dec 2026" in refusal.value.message
    assert "beyond-use date (04 Jan 2027)" in refusal.value.message


@pytest.mark.parametrize(
    ("value", "start"),
    [
        ("", None),
        ("  ", None),
        ("2026-12-08T00:05:00+00:00", AFTER_UTC_MIDNIGHT),
        ("2026-12-07T23:55:00-07:00", BEFORE_CLINIC_MIDNIGHT),
    ],
)
def test_the_run_clock_is_an_instant_with_its_offset(
    value: str, start: datetime.datetime | None
) -> None:
    assert run_clock_start(value) == start


@pytest.mark.parametrize("value", ["2026-12-08T00:05:00", "tomorrow"])
def test_a_run_clock_without_an_offset_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="KETACLINIC_TEST_CLOCK"):
        run_clock_start(value)
