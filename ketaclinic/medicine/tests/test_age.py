"""Age in completed years."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.medicine.age import age_years

_days = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 12, 31))


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (datetime.date(1968, 5, 14), datetime.date(2025, 5, 13), 56),  # the day before
        (datetime.date(1968, 5, 14), datetime.date(2025, 5, 14), 57),  # the birthday itself
        (datetime.date(1968, 5, 14), datetime.date(2025, 5, 15), 57),
        (datetime.date(2000, 1, 1), datetime.date(2000, 1, 1), 0),
        (datetime.date(2000, 12, 31), datetime.date(2001, 1, 1), 0),
    ],
)
def test_the_age_goes_up_on_the_birthday(born: datetime.date, on: datetime.date, age: int) -> None:
    assert age_years(born=born, on=on) == age


def test_born_on_29_february_turns_a_year_older_on_1_march_in_a_non_leap_year() -> None:
    born = datetime.date(2004, 2, 29)
    assert age_years(born=born, on=datetime.date(2022, 2, 28)) == 17
    assert age_years(born=born, on=datetime.date(2022, 3, 1)) == 18
    assert age_years(born=born, on=datetime.date(2024, 2, 28)) == 19
    assert age_years(born=born, on=datetime.date(2024, 2, 29)) == 20


def test_a_day_before_birth_gives_a_negative_age() -> None:
    assert age_years(born=datetime.date(2000, 6, 1), on=datetime.date(2000, 5, 31)) == -1


@given(born=_days, first=_days, second=_days)
def test_age_never_goes_down_as_the_day_moves_on(
    born: datetime.date, first: datetime.date, second: datetime.date
) -> None:
    earlier, later = sorted((first, second))
    assert age_years(born=born, on=earlier) <= age_years(born=born, on=later)


@given(born=_days, years=st.integers(min_value=0, max_value=120))
def test_on_each_birthday_the_age_is_the_years_since_birth(born: datetime.date, years: int) -> None:
    # A 29 February birthday falls on 1 March in a non-leap year.
    try:
        birthday = born.replace(year=born.year + years)
    except ValueError:
        birthday = datetime.date(born.year + years, 3, 1)
    assert age_years(born=born, on=birthday) == years
    assert age_years(born=born, on=birthday - datetime.timedelta(days=1)) == years - 1


@given(born=_days, on=_days)
def test_the_age_is_the_whole_years_between_the_dates(
    born: datetime.date, on: datetime.date
) -> None:
    age = age_years(born=born, on=on)
    # Completed years: at most one less than the calendar years between them, never more.
    assert on.year - born.year - 1 <= age <= on.year - born.year
