"""A clinic's opening hours as people read them: "Monday–Friday 7:00 AM–6:00 PM"."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from ketaclinic.clinics.models import OpeningHours, Weekday


@dataclass(frozen=True)
class HoursRow:
    days: str  # "Monday–Friday", or one day
    times: str  # "7:00 AM–6:00 PM", several periods joined by ", ", or "Closed"


def _clock(moment: datetime.time) -> str:
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def _day_times(periods: list[OpeningHours]) -> str:
    if not periods:
        return "Closed"
    return ", ".join(f"{_clock(p.opens_at)}–{_clock(p.closes_at)}" for p in periods)


def opening_hours_rows(periods: Iterable[OpeningHours]) -> list[HoursRow]:
    """Monday to Sunday, with consecutive days that keep the same hours written as one row.

    Empty when no hours are on record: "closed all week" would be a claim, not a fact.
    """
    ordered = sorted(periods, key=lambda p: (p.weekday, p.opens_at))
    if not ordered:
        return []
    by_day: dict[int, list[OpeningHours]] = {day.value: [] for day in Weekday}
    for period in ordered:
        by_day[period.weekday].append(period)
    rows: list[HoursRow] = []
    run_start = run_end = Weekday.MONDAY
    run_times = _day_times(by_day[Weekday.MONDAY.value])
    for day in list(Weekday)[1:]:
        times = _day_times(by_day[day.value])
        if times == run_times:
            run_end = day
            continue
        rows.append(_row(run_start, run_end, run_times))
        run_start = run_end = day
        run_times = times
    rows.append(_row(run_start, run_end, run_times))
    return rows


def _row(first: Weekday, last: Weekday, times: str) -> HoursRow:
    days = first.label if first == last else f"{first.label}–{last.label}"
    return HoursRow(days=days, times=times)
