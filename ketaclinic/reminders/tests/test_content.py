"""What reminders say: the visit in clinic-local time, fasting, holds, the driver, the link;
the .ics attachment read back; and text messages that name no treatment."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail

from ketaclinic.medicine.visits import VisitKind
from ketaclinic.reminders.ical import CalendarEvent, calendar_text, escape_text, fold, utc_stamp
from ketaclinic.reminders.services import reminders_schedule_for_appointment
from ketaclinic.reminders.tests.support import (
    appointment_for,
    ics_time,
    medications_for,
    parse_ics,
    sms_outbox,
    work,
)
from ketaclinic.testing.personas import Personas

NOW = datetime.datetime(2026, 12, 1, 15, 0, tzinfo=datetime.UTC)
VISIT = datetime.datetime(2026, 12, 7, 16, 0, tzinfo=datetime.UTC)  # Mon 09:00 in Denver


def _send(personas: Personas, kind: VisitKind = VisitKind.IV_INFUSION, **extra: object) -> object:
    with time_machine.travel(NOW, tick=False):
        appointment = appointment_for(personas, starts_at=VISIT, kind=kind, **extra)
        reminders_schedule_for_appointment(appointment.pk)
        work()
    return appointment


@pytest.mark.django_db
def test_an_iv_treatment_email_has_local_time_fasting_holds_driver_and_link(
    personas: Personas,
) -> None:
    medications_for(personas, personas.pat, "Xanax", "sertraline", "Adderall")
    _send(personas)
    (email,) = mail.outbox
    assert email.to == [personas.pat.email]
    assert "Monday 7 December 2026 at 09:00 (America/Denver)" in email.subject
    body = email.body
    assert "Monday 7 December 2026 at 09:00 (America/Denver)" in body
    assert (
        "Fasting: no food after Mon 07 Dec 03:00 (a light meal at most; nothing fatty or fried "
        "after Mon 07 Dec 01:00); clear liquids" in body
    )
    assert "until Mon 07 Dec 07:00" in body
    assert (
        "Xanax: unless your clinician has told you otherwise, take your last dose before "
        "Sun 06 Dec 21:00" in body
    )
    assert "Adderall:" in body
    assert "sertraline" not in body  # no hold for it
    assert "Bring a driver: you may not drive for 24 hours" in body
    assert "https://clinic.example.org/r/" in body
    assert "1 Main Street, Denver, CO 80202" in body
    assert "988" in body


@pytest.mark.django_db
def test_an_esketamine_session_says_no_food_2_hours_no_liquids_30_minutes(
    personas: Personas,
) -> None:
    _send(personas, kind=VisitKind.ESKETAMINE, minutes=150)
    body = mail.outbox[0].body
    assert "no food after Mon 07 Dec 07:00; liquids until Mon 07 Dec 08:30" in body
    assert "you may not drive until the next day" in body


@pytest.mark.django_db
def test_a_consultation_has_no_fasting_or_driver(personas: Personas) -> None:
    _send(personas, kind=VisitKind.CONSULT, minutes=60)
    body = mail.outbox[0].body
    assert "Fasting" not in body
    assert "driver" not in body.lower()
    assert "Please confirm that you are coming:" in body


@pytest.mark.django_db
def test_the_text_message_has_time_fasting_driver_and_link_but_names_no_treatment(
    personas: Personas,
) -> None:
    _send(personas)
    (sms,) = sms_outbox()
    assert sms.to == personas.pat.phone
    assert "Monday 7 December 2026 at 09:00" in sms.body
    assert "Fasting: no food after" in sms.body
    assert "Bring a driver" in sms.body
    assert "https://clinic.example.org/r/" in sms.body
    assert "ketamine" not in sms.body.lower()
    assert personas.pat.legal_last_name not in sms.body


@pytest.mark.django_db
def test_the_ics_attachment_parses_back_to_the_visit_in_utc(personas: Personas) -> None:
    appointment = _send(personas)
    (email,) = mail.outbox
    ((filename, content, mimetype),) = email.attachments
    assert filename == "appointment.ics"
    assert mimetype.startswith("text/calendar")
    calendar, event = parse_ics(content)[-1], parse_ics(content)[0]
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    assert event["UID"] == f"appointment-{appointment.pk}@clinic.example.org"
    assert ics_time(event["DTSTART"]) == VISIT
    assert ics_time(event["DTEND"]) == VISIT + datetime.timedelta(minutes=100)
    assert ics_time(event["DTSTAMP"]) == NOW
    assert event["SUMMARY"].startswith("IV ketamine infusion at ")
    assert event["LOCATION"] == "1 Main Street, Denver, CO 80202"
    assert event["DESCRIPTION"].splitlines()[0].startswith("Fasting:")
    assert event["STATUS"] == "CONFIRMED"


def test_ics_text_is_escaped_folded_and_crlf() -> None:
    start = datetime.datetime(2026, 3, 8, 9, 0, tzinfo=datetime.UTC)
    tricky = "Room 2; chair 3, window\\side\nsecond line\r\nthird — ünïcödé " + "é" * 80
    text = calendar_text(
        [
            CalendarEvent(
                uid="u-1@x",
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=1),
                summary=tricky,
                url="https://x.example/a,b;c",
                is_cancelled=True,
            )
        ],
        stamp=start,
        name="Feed, mine",
    )
    event, calendar = parse_ics(text)
    assert event["SUMMARY"] == tricky.replace("\r\n", "\n")
    assert event["URL"] == "https://x.example/a,b;c"
    assert event["STATUS"] == "CANCELLED"
    assert calendar["X-WR-CALNAME"] == "Feed, mine"
    assert escape_text("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"
    assert fold("x" * 75) == "x" * 75
    assert fold("x" * 76) == "x" * 75 + "\r\n x"
    with pytest.raises(ValueError, match="aware"):
        utc_stamp(datetime.datetime(2026, 1, 1))


def test_ics_times_convert_clinic_time_to_utc_across_a_clock_change() -> None:
    import zoneinfo

    denver = zoneinfo.ZoneInfo("America/Denver")
    before = datetime.datetime(2026, 3, 7, 9, 0, tzinfo=denver)
    after = datetime.datetime(2026, 3, 9, 9, 0, tzinfo=denver)
    assert utc_stamp(before) == "20260307T160000Z"
    assert utc_stamp(after) == "20260309T150000Z"
