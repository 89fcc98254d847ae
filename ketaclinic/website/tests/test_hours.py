"""Opening hours read the way a clinic's door sign reads them."""

from __future__ import annotations

import datetime

from ketaclinic.clinics.models import OpeningHours
from ketaclinic.website.hours import HoursRow, opening_hours_rows


def _period(weekday: int, opens: int, closes: int, minute: int = 0) -> OpeningHours:
    return OpeningHours(
        weekday=weekday,
        opens_at=datetime.time(opens, minute),
        closes_at=datetime.time(closes, minute),
    )


def test_consecutive_days_with_the_same_hours_share_a_row() -> None:
    periods = [_period(day, 7, 18) for day in range(5)] + [_period(5, 8, 13)]
    assert opening_hours_rows(periods) == [
        HoursRow("Monday–Friday", "7:00 AM–6:00 PM"),
        HoursRow("Saturday", "8:00 AM–1:00 PM"),
        HoursRow("Sunday", "Closed"),
    ]


def test_a_day_closed_midweek_breaks_the_run() -> None:
    periods = [_period(0, 9, 17), _period(1, 9, 17), _period(3, 9, 17)]
    assert opening_hours_rows(periods) == [
        HoursRow("Monday–Tuesday", "9:00 AM–5:00 PM"),
        HoursRow("Wednesday", "Closed"),
        HoursRow("Thursday", "9:00 AM–5:00 PM"),
        HoursRow("Friday–Sunday", "Closed"),
    ]


def test_a_split_day_lists_both_periods_in_order() -> None:
    periods = [_period(2, 14, 18), _period(2, 8, 12, minute=30)]
    rows = opening_hours_rows(periods)
    assert rows[1] == HoursRow("Wednesday", "8:30 AM–12:30 PM, 2:00 PM–6:00 PM")


def test_noon_and_midnight_read_as_twelve() -> None:
    periods = [OpeningHours(weekday=0, opens_at=datetime.time(0), closes_at=datetime.time(12))]
    assert opening_hours_rows(periods)[0].times == "12:00 AM–12:00 PM"


def test_no_hours_on_record_is_not_shown_as_closed_all_week() -> None:
    assert opening_hours_rows([]) == []
