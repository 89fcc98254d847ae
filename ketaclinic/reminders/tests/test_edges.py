"""Edges: the course's route decides fasting, races on the link page, the console SMS backend,
and a reminder job with arguments that can never work."""

from __future__ import annotations

import datetime
import re
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.test import Client

from ketaclinic.core.errors import Conflict, NotFound
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.jobs.registry import PermanentJobError
from ketaclinic.medicine.preparation import ESKETAMINE_FASTING, IV_FASTING
from ketaclinic.medicine.protocols import INTRANASAL_ESKETAMINE
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.reminders.content import preparation_for
from ketaclinic.reminders.models import purpose_label
from ketaclinic.reminders.services import reminders_schedule_for_appointment
from ketaclinic.reminders.sms import ConsoleSmsBackend
from ketaclinic.reminders.tasks import reminder_send_job
from ketaclinic.reminders.tests.support import appointment_for, work
from ketaclinic.testing.personas import Personas

NOW = datetime.datetime(2026, 12, 1, 15, 0, tzinfo=datetime.UTC)
VISIT = datetime.datetime(2026, 12, 7, 16, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_a_booster_under_an_esketamine_course_fasts_as_esketamine(personas: Personas) -> None:
    appointment = appointment_for(personas, starts_at=VISIT, kind=VisitKind.BOOSTER)
    appointment.course = TreatmentCourse(protocol_key=INTRANASAL_ESKETAMINE.code)
    assert preparation_for(appointment).fasting is ESKETAMINE_FASTING
    appointment.course = TreatmentCourse(protocol_key="clinic-own-protocol")
    assert preparation_for(appointment).fasting is IV_FASTING  # unknown: by the kind of visit


def test_purposes_read_as_words() -> None:
    assert purpose_label("confirmation") == "Booking confirmation"
    assert purpose_label("before_48h") == "Reminder 48 h before"


def test_the_console_backend_writes_the_message(capsys: pytest.CaptureFixture[str]) -> None:
    ConsoleSmsBackend().send(to="(303) 555-0100", body="Hello")
    assert "SMS to (303) 555-0100" in capsys.readouterr().out


def test_a_reminder_job_with_bad_arguments_gives_up() -> None:
    with pytest.raises(PermanentJobError):
        reminder_send_job({"purpose": "confirmation"})


@pytest.mark.django_db
def test_races_on_the_link_page_end_on_a_clear_page(client: Client, personas: Personas) -> None:
    with time_machine.travel(NOW, tick=False):
        appointment = appointment_for(personas, starts_at=VISIT)
        reminders_schedule_for_appointment(appointment.pk)
        work()
        match = re.search(r"https://clinic\.example\.org(/r/[^/\s]+/)", mail.outbox[-1].body)
        assert match
        path = match.group(1)
        post = {"attending": "yes", "escort_name": "Sam Driver", "escort_phone": "3035550199"}
        for error in (NotFound("gone"), Conflict("used a moment ago")):
            with mock.patch("ketaclinic.reminders.views.attendance_confirm", side_effect=error):
                response = client.post(path, post)
            assert response.status_code == 404
            assert error.message in response.content.decode()
        response = client.post(path, {**post, "escort_name": ""})
        assert "Please give your driver&#x27;s name and phone number" in response.content.decode()


@pytest.mark.django_db
def test_a_driver_name_over_200_characters_is_refused_by_the_service(
    personas: Personas,
) -> None:
    from ketaclinic.core.errors import InvalidInput
    from ketaclinic.reminders.services import (
        AttendanceAnswer,
        attendance_confirm,
        attendance_link_issue,
    )

    appointment = appointment_for(
        personas, starts_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=2)
    )
    _, token = attendance_link_issue(appointment=appointment, purpose="confirmation")
    with pytest.raises(InvalidInput) as refused:
        attendance_confirm(
            token=token,
            answer=AttendanceAnswer(True, escort_name="A" * 201, escort_phone="3035550199"),
        )
    assert refused.value.fields["escort_name"] == ["Enter at most 200 characters."]


@pytest.mark.django_db
def test_rows_describe_themselves(client_for, personas: Personas) -> None:
    from ketaclinic.reminders.models import (
        AttendanceConfirmation,
        AttendanceLink,
        CalendarFeedToken,
        ReminderDelivery,
    )
    from ketaclinic.reminders.services import AttendanceAnswer, attendance_confirm

    with time_machine.travel(NOW, tick=False):
        appointment = appointment_for(personas, starts_at=VISIT, kind=VisitKind.CONSULT)
        reminders_schedule_for_appointment(appointment.pk)
        work()
        link = AttendanceLink.objects.get()
        assert str(link) == f"Attendance link for appointment {appointment.pk}"
        delivery = ReminderDelivery.objects.filter(channel="email").get()
        assert str(delivery) == f"Booking confirmation by email for appointment {appointment.pk}"
        match = re.search(r"/r/([^/\s]+)/", mail.outbox[-1].body)
        assert match
        attendance_confirm(token=match.group(1), answer=AttendanceAnswer(True))
        assert str(AttendanceConfirmation.objects.get()).endswith(": True")
    staff = client_for(personas.nina)
    assert staff.post("/staff/calendar-feed/", {"action": "other"}).status_code == 302
    assert CalendarFeedToken.objects.count() == 0
    staff.post("/staff/calendar-feed/", {"action": "issue"})
    assert str(CalendarFeedToken.objects.get()).startswith("Calendar feed of user")
