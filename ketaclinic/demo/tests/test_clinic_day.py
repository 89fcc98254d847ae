"""The demo's busy day is a working day and its board's moment sits in opening hours, whatever
the real clock says (issue 16, item 10: infusions at 19:34 on a Sunday the clinic is closed)."""

from __future__ import annotations

import datetime
from typing import cast
from zoneinfo import ZoneInfo

import pytest

from ketaclinic.clinics.models import Clinic, OpeningHours
from ketaclinic.demo.clinic_day import BOARD_SPAN, busy_day
from ketaclinic.scheduling.models import ClinicClosure
from ketaclinic.testing.factories import ClinicFactory, UserFactory

pytestmark = pytest.mark.django_db

DENVER = ZoneInfo("America/Denver")
VISIT = datetime.timedelta(minutes=100)  # an IV infusion visit


@pytest.fixture
def clinic() -> Clinic:
    """The demo's hours: Monday–Friday 07:00–18:00, Saturday 08:00–13:00, closed on Sundays."""
    clinic = cast(Clinic, ClinicFactory(timezone="America/Denver"))
    for weekday in range(6):
        OpeningHours.objects.create(
            clinic=clinic,
            weekday=weekday,
            opens_at=datetime.time(7 if weekday < 5 else 8),
            closes_at=datetime.time(18 if weekday < 5 else 13),
        )
    return clinic


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=DENVER)  # 6 Dec is a Sunday


def test_in_the_afternoon_the_board_is_the_clinic_seen_now(clinic: Clinic) -> None:
    busy = busy_day(clinic, now=at(2, 13, 30), visit=VISIT)
    assert busy is not None
    assert (busy.day, busy.board_at, busy.is_live) == (
        datetime.date(2026, 12, 2),
        at(2, 13, 30),
        True,
    )


@pytest.mark.parametrize(
    ("now", "day", "board_at"),
    [
        (at(6, 19, 34), 7, at(7, 10, 15)),  # Sunday evening: Monday morning
        (at(2, 21, 0), 3, at(3, 10, 15)),  # after closing: the next day
        (at(2, 5, 0), 2, at(2, 10, 15)),  # before opening: today, once the morning has run
        (at(2, 7, 30), 2, at(2, 10, 15)),  # just opened: likewise
        (at(5, 19, 0), 7, at(7, 10, 15)),  # Saturday evening: not Sunday, Monday
        (at(5, 12, 45), 5, at(5, 11, 15)),  # Saturday noon: the short day's busy window
    ],
)
def test_the_busy_day_is_an_opening_day_and_its_board_within_its_hours(
    clinic: Clinic, now: datetime.datetime, day: int, board_at: datetime.datetime
) -> None:
    busy = busy_day(clinic, now=now, visit=VISIT)
    assert busy is not None
    assert busy.day == datetime.date(2026, 12, day)
    assert busy.board_at == board_at
    assert busy.is_live == (board_at <= now)
    hours = OpeningHours.objects.get(clinic=clinic, weekday=busy.day.weekday())
    first_check_in = (busy.board_at - BOARD_SPAN).astimezone(DENVER)
    assert first_check_in.time() >= hours.opens_at
    expected = busy.expected_at(VISIT).astimezone(DENVER)
    assert busy.board_at <= expected
    assert (expected + VISIT).time() <= hours.closes_at


def test_a_closure_moves_the_busy_day_to_the_next_opening_day(clinic: Clinic) -> None:
    ClinicClosure.objects.create(
        clinic=clinic, day=datetime.date(2026, 12, 7), reason="Training", created_by=UserFactory()
    )
    busy = busy_day(clinic, now=at(6, 19, 34), visit=VISIT)
    assert busy is not None
    assert busy.day == datetime.date(2026, 12, 8)


def test_the_output_names_the_day_to_look_at_when_the_board_is_not_charted_yet(
    clinic: Clinic,
) -> None:
    busy = busy_day(clinic, now=at(6, 19, 34), visit=VISIT)
    assert busy is not None
    assert not busy.is_live
    words = busy.describe(clinic)
    assert "Monday 07 December" in words
    assert "after 10:15 that day" in words
