"""'Book the induction series': a proposal honouring every booking rule and the patient's
preferred days and time, confirmed in one step; a refused row books nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from ketaclinic.core.errors import Conflict, InvalidInput, PreconditionFailed
from ketaclinic.courses.services import dose_order_sign
from ketaclinic.courses.tests.support import course_for, open_weekdays, staff_nurse
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.scheduling.models import Appointment
from ketaclinic.scheduling.series import ProposedSlot, series_book, series_propose
from ketaclinic.scheduling.services import appointment_book, local_moment
from ketaclinic.testing.factories import ChairFactory, PatientFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

MWF = frozenset({0, 2, 4})


@pytest.fixture
def course(personas: Personas) -> Any:
    open_weekdays(personas.clinic)
    course = course_for(personas)
    dose_order_sign(acting_user=personas.bob, course=course, dose=Decimal("0.5"))
    return course


@pytest.fixture
def chairs(personas: Personas) -> list[Any]:
    return [ChairFactory(room__clinic=personas.clinic, name=f"Chair {n}") for n in (1, 2)]


def _next_monday(personas: Personas) -> datetime.date:
    today = personas.clinic.local_today()
    return today + datetime.timedelta(days=7 - today.weekday())


def _local(slot: ProposedSlot, personas: Personas) -> datetime.datetime:
    return slot.starts_at.astimezone(personas.clinic.zone)


def test_six_infusions_on_the_preferred_days_at_the_preferred_time(
    personas: Personas, course: Any, chairs: list[Any]
) -> None:
    monday = _next_monday(personas)
    slots = series_propose(
        course=course,
        first_day=monday,
        weekdays=MWF,
        preferred_time=datetime.time(9),
        count=6,
    )
    days = [_local(slot, personas).date() for slot in slots]
    assert days == [monday + datetime.timedelta(days=n) for n in (0, 2, 4, 7, 9, 11)]
    assert {_local(slot, personas).time() for slot in slots} == {datetime.time(9)}
    assert {slot.chair.name for slot in slots} == {"Chair 1"}


def test_a_busy_chair_or_time_moves_to_the_next_free_one(
    personas: Personas, course: Any, chairs: list[Any]
) -> None:
    monday = _next_monday(personas)
    nine = local_moment(clinic=personas.clinic, day=monday, time=datetime.time(9))
    for chair in chairs:  # both chairs taken at 9:00 on Monday
        appointment_book(
            acting_user=personas.fran,
            patient=PatientFactory(clinic=personas.clinic),
            kind=VisitKind.CONSULT,
            starts_at=nine,
            chair=chair,
        )
    slots = series_propose(
        course=course, first_day=monday, weekdays=MWF, preferred_time=datetime.time(9), count=3
    )
    first = _local(slots[0], personas)
    assert first.date() == monday
    assert first.time() == datetime.time(10)  # the nearest time both the chair and rules allow


def test_the_patients_own_appointments_are_avoided(
    personas: Personas, course: Any, chairs: list[Any]
) -> None:
    monday = _next_monday(personas)
    appointment_book(
        acting_user=personas.fran,
        patient=personas.pat,
        kind=VisitKind.THERAPY,
        starts_at=local_moment(clinic=personas.clinic, day=monday, time=datetime.time(9, 30)),
    )
    slots = series_propose(
        course=course, first_day=monday, weekdays=MWF, preferred_time=datetime.time(9), count=1
    )
    local = _local(slots[0], personas)
    # The 100-minute infusion cannot overlap the therapy at 9:30–10:20.
    end = (local + datetime.timedelta(minutes=100)).time()
    assert end <= datetime.time(9, 30) or local.time() >= datetime.time(10, 20)


def test_confirming_books_the_whole_series_or_nothing(
    personas: Personas, course: Any, chairs: list[Any]
) -> None:
    monday = _next_monday(personas)
    slots = series_propose(
        course=course, first_day=monday, weekdays=MWF, preferred_time=datetime.time(9), count=6
    )
    # The front desk moves the last one into a clash with another patient's booking.
    other = appointment_book(
        acting_user=personas.fran,
        patient=PatientFactory(clinic=personas.clinic),
        kind=VisitKind.CONSULT,
        starts_at=slots[-1].starts_at,
        chair=slots[-1].chair,
    )
    with pytest.raises(Conflict, match=r"Treatment 6 .* Nothing in the series was booked"):
        series_book(acting_user=personas.fran, course=course, slots=slots)
    assert Appointment.objects.filter(course=course).count() == 0
    other.delete()
    booked = series_book(acting_user=personas.fran, course=course, slots=slots)
    assert len(booked) == 6
    assert all(appointment.course == course for appointment in booked)


def test_the_dose_order_bounds_the_series(
    personas: Personas, course: Any, chairs: list[Any]
) -> None:
    from ketaclinic.courses.models import DoseOrder

    monday = _next_monday(personas)
    lapses = local_moment(clinic=personas.clinic, day=monday, time=datetime.time(12))
    DoseOrder.objects.update(expires_at=lapses + datetime.timedelta(days=14))
    with pytest.raises(PreconditionFailed, match="Only 7 of 8 treatments fit"):
        series_propose(
            course=course,
            first_day=monday,
            weekdays=frozenset(range(7)),
            preferred_time=datetime.time(9),
            count=8,
        )


def test_a_series_that_cannot_fit_is_refused_with_the_reason(
    personas: Personas, course: Any, chairs: list[Any]
) -> None:
    with pytest.raises(InvalidInput, match="Propose 1 to 12"):
        series_propose(
            course=course,
            first_day=_next_monday(personas),
            weekdays=MWF,
            preferred_time=datetime.time(9),
            count=13,
        )
    with pytest.raises(InvalidInput, match="at least one weekday"):
        series_propose(
            course=course,
            first_day=_next_monday(personas),
            weekdays=frozenset(),
            preferred_time=datetime.time(9),
            count=6,
        )
    # Mondays only: six Mondays in the six weeks searched, not twelve.
    from ketaclinic.courses.models import DoseOrder

    DoseOrder.objects.update(expires_at=datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC))
    with pytest.raises(PreconditionFailed, match="Only 6 of 12 treatments fit"):
        series_propose(
            course=course,
            first_day=_next_monday(personas),
            weekdays=frozenset({0}),
            preferred_time=datetime.time(9),
            count=12,
        )


def test_the_series_keeps_its_wall_clock_time_across_the_clock_change(
    personas: Personas, course: Any, chairs: list[Any]
) -> None:
    # US daylight time ends on Sunday 7 November 2027; search from Monday 1 November.
    from ketaclinic.courses.models import DoseOrder

    DoseOrder.objects.update(
        expires_at=datetime.datetime(2028, 1, 1, tzinfo=datetime.UTC),
    )
    staff_nurse(personas.clinic, first_day=datetime.date(2027, 11, 1), days=21)
    slots = series_propose(
        course=course,
        first_day=datetime.date(2027, 11, 1),
        weekdays=MWF,
        preferred_time=datetime.time(9),
        count=6,
    )
    assert {_local(slot, personas).time() for slot in slots} == {datetime.time(9)}
    utc_hours = {slot.starts_at.astimezone(datetime.UTC).hour for slot in slots}
    assert utc_hours == {15, 16}  # MDT then MST
