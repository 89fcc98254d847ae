"""Planning reminders on booking: confirmation now, 48 h and 24 h before; moved and cancelled
appointments; nothing sent for a visit that is no longer due."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail

from ketaclinic.jobs.models import Job, JobStatus
from ketaclinic.reminders.models import ReminderDelivery
from ketaclinic.reminders.services import reminder_send, reminders_schedule_for_appointment
from ketaclinic.reminders.tests.support import appointment_for, sms_outbox, work
from ketaclinic.scheduling.models import AppointmentStatus
from ketaclinic.testing.personas import Personas

NOW = datetime.datetime(2026, 12, 1, 15, 0, tzinfo=datetime.UTC)
VISIT = datetime.datetime(2026, 12, 7, 16, 0, tzinfo=datetime.UTC)  # Mon 09:00 in Denver


@pytest.fixture
def frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _queued(appointment_id: int) -> dict[str, datetime.datetime]:
    return {
        job.args["purpose"]: job.run_at
        for job in Job.objects.filter(
            key__startswith=f"reminders:{appointment_id}:", status=JobStatus.QUEUED
        )
    }


@pytest.mark.django_db
def test_booking_plans_a_confirmation_now_and_reminders_48_and_24_hours_before(
    personas: Personas, frozen: object
) -> None:
    appointment = appointment_for(personas, starts_at=VISIT)
    reminders_schedule_for_appointment(appointment.pk)
    assert _queued(appointment.pk) == {
        "confirmation": NOW,
        "before_48h": VISIT - datetime.timedelta(hours=48),
        "before_24h": VISIT - datetime.timedelta(hours=24),
    }
    keys = set(Job.objects.values_list("key", flat=True))
    assert f"reminders:{appointment.pk}:20261207T160000Z:before_24h" in keys
    reminders_schedule_for_appointment(appointment.pk)  # again: a no-op
    assert Job.objects.count() == 3


@pytest.mark.django_db
def test_a_visit_booked_for_tomorrow_gets_no_48_hour_reminder(
    personas: Personas, frozen: object
) -> None:
    appointment = appointment_for(personas, starts_at=NOW + datetime.timedelta(hours=30))
    reminders_schedule_for_appointment(appointment.pk)
    assert set(_queued(appointment.pk)) == {"confirmation", "before_24h"}


@pytest.mark.django_db
def test_each_reminder_goes_at_its_time_by_email_and_text(
    personas: Personas, frozen: object
) -> None:
    appointment = appointment_for(personas, starts_at=VISIT)
    reminders_schedule_for_appointment(appointment.pk)
    work()
    assert len(mail.outbox) == 1
    assert len(sms_outbox()) == 1
    frozen.move_to(VISIT - datetime.timedelta(hours=47))
    work()
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject.startswith("Reminder:")
    frozen.move_to(VISIT - datetime.timedelta(hours=23))
    work()
    assert len(mail.outbox) == 3
    assert len(sms_outbox()) == 3
    assert Job.objects.filter(status=JobStatus.DONE).count() == 3


@pytest.mark.django_db
def test_rescheduling_replans_at_the_new_times_and_drops_the_old(
    personas: Personas, frozen: object
) -> None:
    appointment = appointment_for(personas, starts_at=VISIT)
    reminders_schedule_for_appointment(appointment.pk)
    work()  # the first confirmation goes
    moved = VISIT + datetime.timedelta(days=3, hours=2)
    appointment.starts_at = moved
    appointment.ends_at = moved + datetime.timedelta(minutes=100)
    appointment.save()
    reminders_schedule_for_appointment(appointment.pk)
    assert _queued(appointment.pk) == {
        "confirmation": NOW,
        "before_48h": moved - datetime.timedelta(hours=48),
        "before_24h": moved - datetime.timedelta(hours=24),
    }
    assert Job.objects.filter(status=JobStatus.CANCELLED).count() == 2  # the old 48 h and 24 h
    work()
    assert len(mail.outbox) == 2
    assert "Thursday 10 December 2026 at 11:00" in mail.outbox[1].body
    frozen.move_to(VISIT - datetime.timedelta(hours=23))
    work()
    assert len(mail.outbox) == 2  # nothing at the old times


@pytest.mark.django_db
def test_a_cancelled_appointment_gets_no_reminder(personas: Personas, frozen: object) -> None:
    appointment = appointment_for(personas, starts_at=VISIT)
    reminders_schedule_for_appointment(appointment.pk)
    appointment.status = AppointmentStatus.CANCELLED
    appointment.save()
    # Even if nobody re-plans after cancelling, the jobs run and send nothing.
    frozen.move_to(VISIT - datetime.timedelta(hours=1))
    work()
    assert mail.outbox == []
    assert sms_outbox() == []
    assert Job.objects.filter(status=JobStatus.DONE).count() == 3
    # And re-planning a cancelled appointment cancels what is still pending.
    other = appointment_for(personas, starts_at=VISIT + datetime.timedelta(days=7))
    reminders_schedule_for_appointment(other.pk)
    other.status = AppointmentStatus.CANCELLED
    other.save()
    reminders_schedule_for_appointment(other.pk)
    assert _queued(other.pk) == {}
    reminders_schedule_for_appointment(999_999)  # a missing appointment: nothing to do


@pytest.mark.django_db
def test_a_reminder_for_a_visit_already_started_or_moved_is_not_sent(
    personas: Personas, frozen: object
) -> None:
    appointment = appointment_for(personas, starts_at=VISIT)
    assert (
        reminder_send(appointment_id=appointment.pk, purpose="x", starts_at="20990101T000000Z")
        == []
    )
    frozen.move_to(VISIT + datetime.timedelta(minutes=1))
    assert (
        reminder_send(appointment_id=appointment.pk, purpose="x", starts_at="20261207T160000Z")
        == []
    )
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_retried_reminder_does_not_send_twice_on_a_channel(
    personas: Personas, frozen: object, settings: object
) -> None:
    appointment = appointment_for(personas, starts_at=VISIT)
    settings.SMS_BACKEND = "ketaclinic.reminders.tests.test_planning.BrokenSms"
    reminders_schedule_for_appointment(appointment.pk)
    work()
    job = Job.objects.get(args__purpose="confirmation")
    assert job.status == JobStatus.QUEUED  # to be retried
    assert "SMS provider down" in job.last_error
    assert len(mail.outbox) == 1  # the email went anyway
    settings.SMS_BACKEND = "ketaclinic.reminders.sms.MemorySmsBackend"
    frozen.move_to(NOW + datetime.timedelta(minutes=5))
    work()
    assert len(mail.outbox) == 1  # not again
    assert len(sms_outbox()) == 1
    assert ReminderDelivery.objects.filter(purpose="confirmation").count() == 2


@pytest.mark.django_db
def test_a_patient_without_email_or_phone_gets_what_can_be_sent(
    personas: Personas, frozen: object
) -> None:
    personas.quinn.email = ""
    personas.quinn.save()
    appointment = appointment_for(personas, starts_at=VISIT, patient=personas.quinn)
    reminders_schedule_for_appointment(appointment.pk)
    work()
    assert mail.outbox == []
    assert len(sms_outbox()) == 1
    personas.quinn.phone = ""
    personas.quinn.save()
    frozen.move_to(VISIT - datetime.timedelta(hours=47))
    work()
    assert len(sms_outbox()) == 1


class BrokenSms:
    def send(self, *, to: str, body: str) -> None:
        raise RuntimeError("SMS provider down")
