"""Issue 16 item 6: a course's questionnaires are planned as soon as its treatments are booked,
by whichever path booked them (the series, one booking, a move, a cancellation, the API), and
planning again never duplicates a measure."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.api.tests.scheduling_support import chairs_at, course_with_order, next_weekday
from ketaclinic.api.tests.support import post, token_for
from ketaclinic.clinics.models import Chair
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.courses.tests.support import open_weekdays
from ketaclinic.measures import services as measure_services
from ketaclinic.measures.models import DueStatus, MeasureDue
from ketaclinic.medicine.measurement import DueReason
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.scheduling.models import Appointment
from ketaclinic.scheduling.series import series_book, series_propose
from ketaclinic.scheduling.services import (
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    local_moment,
)
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

MWF = frozenset({0, 2, 4})
Commits = Callable[..., Any]  # django_capture_on_commit_callbacks


@pytest.fixture
def chairs(personas: Personas) -> list[Chair]:
    open_weekdays(personas.clinic)
    return chairs_at(personas)


@pytest.fixture
def course(personas: Personas, chairs: list[Chair]) -> TreatmentCourse:
    return course_with_order(personas)


def _series(personas: Personas, course: TreatmentCourse, count: int) -> list[Appointment]:
    slots = series_propose(
        course=course,
        first_day=next_weekday(personas, 0),
        weekdays=MWF,
        preferred_time=datetime.time(9),
        count=count,
    )
    return series_book(acting_user=personas.fran, course=course, slots=slots)


def _before_infusion(course: TreatmentCourse) -> list[tuple[int, datetime.date, str]]:
    return list(
        MeasureDue.objects.filter(course=course, reason=DueReason.BEFORE_INFUSION)
        .order_by("sequence", "instrument")
        .values_list("sequence", "due_on", "status")
    )


def _day(appointment: Appointment) -> datetime.date:
    return appointment.starts_at.astimezone(appointment.clinic.zone).date()


def test_booking_the_series_plans_a_questionnaire_before_each_treatment(
    personas: Personas, course: TreatmentCourse, django_capture_on_commit_callbacks: Commits
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        booked = _series(personas, course, 6)
    # A course for depression collects the PHQ-9 before each of its six infusions.
    assert _before_infusion(course) == [
        (number, _day(appointment), DueStatus.DUE)
        for number, appointment in enumerate(booked, start=1)
    ]
    assert set(MeasureDue.objects.filter(course=course).values_list("instrument", flat=True)) == {
        "phq9"
    }


def test_booking_more_treatments_later_adds_only_theirs(
    personas: Personas, course: TreatmentCourse, django_capture_on_commit_callbacks: Commits
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        booked = _series(personas, course, 3)
    with django_capture_on_commit_callbacks(execute=True):
        later = appointment_book(
            acting_user=personas.fran,
            patient=course.patient,
            kind=VisitKind.IV_INFUSION,
            starts_at=booked[-1].starts_at + datetime.timedelta(days=7),
            chair=booked[-1].chair,
            course=course,
        )
    assert [row[:2] for row in _before_infusion(course)] == [
        (number, _day(appointment)) for number, appointment in enumerate([*booked, later], start=1)
    ]
    # And the daily round, planning the same course again, finds nothing to add.
    assert measure_services.measures_plan_for_course(course=course) == []
    assert MeasureDue.objects.filter(course=course).count() == 4


def test_moving_a_treatment_moves_its_questionnaire_and_cancelling_drops_it(
    personas: Personas, course: TreatmentCourse, django_capture_on_commit_callbacks: Commits
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        booked = _series(personas, course, 2)
    new_start = booked[-1].starts_at + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_reschedule(
            acting_user=personas.fran,
            appointment=booked[-1],
            starts_at=new_start,
            chair=booked[-1].chair,
            reason="Patient asked for Thursday",
        )
    assert _before_infusion(course)[-1][1] == new_start.astimezone(personas.clinic.zone).date()
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(acting_user=personas.fran, appointment=booked[-1], reason="Unwell")
    assert [row[2] for row in _before_infusion(course)] == [DueStatus.DUE, DueStatus.CANCELLED]


def test_a_visit_outside_a_course_plans_nothing(
    personas: Personas, course: TreatmentCourse, django_capture_on_commit_callbacks: Commits
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        appointment_book(
            acting_user=personas.fran,
            patient=course.patient,
            kind=VisitKind.CONSULT,
            starts_at=local_moment(
                clinic=personas.clinic, day=next_weekday(personas, 1), time=datetime.time(9)
            ),
        )
    assert not MeasureDue.objects.exists()


def test_a_failure_to_plan_never_refuses_the_booking(
    personas: Personas,
    course: TreatmentCourse,
    django_capture_on_commit_callbacks: Commits,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("planner down")

    monkeypatch.setattr(measure_services, "measures_plan_for_course", broken)
    with django_capture_on_commit_callbacks(execute=True):
        booked = _series(personas, course, 2)
    assert Appointment.objects.filter(pk__in=[a.pk for a in booked]).count() == 2
    assert not MeasureDue.objects.exists()  # left for the daily round


def test_the_series_booked_over_the_api_is_planned(
    client: Client,
    personas: Personas,
    course: TreatmentCourse,
    chairs: list[Chair],
    django_capture_on_commit_callbacks: Commits,
) -> None:
    monday = next_weekday(personas, 0)
    rows = [
        {
            "day": (monday + datetime.timedelta(days=n)).isoformat(),
            "time": "09:00",
            "chair_id": chairs[0].pk,
        }
        for n in (0, 2, 4)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client,
            f"courses/{course.pk}/series",
            {"slots": rows},
            token_for(personas, personas.fran),
        )
    assert response.status_code == 201, response.json()
    assert [row[:2] for row in _before_infusion(course)] == [
        (1, monday),
        (2, monday + datetime.timedelta(days=2)),
        (3, monday + datetime.timedelta(days=4)),
    ]


def test_the_patients_schedule_page_shows_them_once_the_series_is_booked(
    client_for: Callable[..., Client],
    personas: Personas,
    course: TreatmentCourse,
    django_capture_on_commit_callbacks: Commits,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _series(personas, course, 6)
    page = (
        client_for(personas.nina)
        .get(reverse("measures:patient", args=[course.patient_id]))
        .content.decode()
    )
    assert "No questionnaires scheduled yet" not in page
    assert "Before infusion 1" in page
    assert "Before infusion 6" in page
    assert "PHQ-9" in page
