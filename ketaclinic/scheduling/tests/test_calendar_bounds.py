"""A day typed far outside any clinic's calendar (9999-12-31 has no midnight after it; the week of
0001-01-02 has no week before it) is refused in words on every page, list and report that takes a
day, and by the services that take one: never a 500 (`scheduling.selectors.day_bounds`). The
API's side: api/tests/test_calendar_bounds.py."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from ketaclinic.core.errors import InvalidInput
from ketaclinic.scheduling.selectors import calendar_day_check, day_bounds
from ketaclinic.scheduling.services import local_moment
from ketaclinic.scheduling.staffing import closure_add
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

# 9999-12-27 is a Monday whose week runs past the calendar; 0001-01-02's week has none before it.
OUTSIDE = ["9999-12-31", "9999-12-27", "0001-01-01", "0001-01-02"]
REFUSAL = "That day is outside the calendar"

PAGES = [
    "/staff/schedule/?day={day}",
    "/staff/schedule/week/?from={day}",
    "/staff/dashboard/?date_from={day}&date_to={day}",
    "/staff/dashboard/?date_to={day}",
    "/staff/dashboard/figures.csv?date_to={day}",
    "/staff/inventory/counts/reports/dispensing/?start={day}&end={day}",
]


def test_the_calendar_runs_from_year_2_to_year_9998(personas: Personas) -> None:
    for day in (datetime.date(2, 1, 1), datetime.date(9998, 12, 31)):
        assert calendar_day_check(day=day) == day
        start, end = day_bounds(clinic=personas.clinic, day=day)
        assert end - start == datetime.timedelta(days=1)
    for day in (datetime.date(1, 12, 31), datetime.date(9999, 1, 1), datetime.date.max):
        with pytest.raises(InvalidInput, match=REFUSAL):
            day_bounds(clinic=personas.clinic, day=day)


@pytest.mark.parametrize("day", OUTSIDE)
def test_a_page_refuses_a_day_outside_the_calendar(personas: Personas, day: str) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(
        personas.alice, backend="allauth.account.auth_backends.AuthenticationBackend"
    )
    for page in PAGES:
        response = client.get(page.format(day=day))
        assert response.status_code == 400, page
        assert REFUSAL in response.content.decode(), page


def test_a_booking_or_closure_on_a_day_outside_the_calendar_is_refused(
    personas: Personas,
) -> None:
    last = datetime.date.max
    with pytest.raises(InvalidInput, match=REFUSAL):
        local_moment(clinic=personas.clinic, day=last, time=datetime.time(23))
    with pytest.raises(InvalidInput, match=REFUSAL):
        closure_add(acting_user=personas.ada, clinic=personas.clinic, day=last, reason="Snow")
