"""Reminders hear scheduling's `appointment_changed` (connected in RemindersConfig.ready()) and
plan once the change commits: booking, moving and cancelling through the services keep planning
exactly as when scheduling called reminders itself."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from ketaclinic.clinics.models import OpeningHours
from ketaclinic.jobs.models import Job, JobStatus
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.reminders.tests.support import appointment_for
from ketaclinic.scheduling.models import Appointment
from ketaclinic.scheduling.services import appointment_book, appointment_cancel, local_moment
from ketaclinic.scheduling.signals import AppointmentChange, appointment_changed
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]


def _queued(appointment_id: int) -> set[str]:
    return {
        job.args["purpose"]
        for job in Job.objects.filter(
            key__startswith=f"reminders:{appointment_id}:", status=JobStatus.QUEUED
        )
    }


def test_the_receiver_is_connected_sending_the_signal_plans_the_reminders_after_commit(
    personas: Personas, django_capture_on_commit_callbacks: Capture
) -> None:
    visit = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=7)
    appointment = appointment_for(personas, starts_at=visit)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        appointment_changed.send(
            sender=Appointment, appointment_id=appointment.pk, change=AppointmentChange.BOOKED
        )
        assert _queued(appointment.pk) == set()  # nothing before the commit
    assert _queued(appointment.pk) == {"confirmation", "before_48h", "before_24h"}


def test_a_refused_booking_plans_nothing(
    personas: Personas, django_capture_on_commit_callbacks: Capture
) -> None:
    appointment = appointment_for(
        personas, starts_at=datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=7)
    )

    @transaction.atomic
    def booking_that_fails_after_announcing() -> None:
        appointment_changed.send(
            sender=Appointment, appointment_id=appointment.pk, change=AppointmentChange.BOOKED
        )
        raise RuntimeError("the booking is rolled back")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        booking_that_fails_after_announcing()
    assert callbacks == []
    assert _queued(appointment.pk) == set()


def test_booking_and_cancelling_through_the_services_plan_and_cancel_the_reminders(
    personas: Personas, django_capture_on_commit_callbacks: Capture
) -> None:
    clinic = personas.clinic
    OpeningHours.objects.filter(clinic=clinic).delete()
    for weekday in range(7):
        OpeningHours.objects.create(
            clinic=clinic, weekday=weekday, opens_at=datetime.time(8), closes_at=datetime.time(18)
        )
    day = clinic.local_today() + datetime.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        appointment = appointment_book(
            acting_user=personas.fran,
            patient=personas.pat,
            kind=VisitKind.CONSULT,
            starts_at=local_moment(clinic=clinic, day=day, time=datetime.time(10)),
        )
    assert _queued(appointment.pk) == {"confirmation", "before_48h", "before_24h"}
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(acting_user=personas.fran, appointment=appointment, reason="Unwell.")
    assert _queued(appointment.pk) == set()
