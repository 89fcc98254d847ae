"""Which day the demo makes busy, and the moment its board shows: a working day, in opening hours.

The demo's busy day (chairs taken, a patient in every state) is the clinic's own day when it is
an opening day and the clinic is open or has yet to open; after closing, on a closed weekday or a
closure, it is the next opening day. Whatever the server's clock says, the board never shows an
infusion on a Sunday or at 23:30.

The board's moment is the instant its states are true at: the real clock, pulled into the day's
busy window — late enough after opening that the morning's first patient (checked in 3¼ hours
earlier) came in during opening hours, early enough before closing that the patient expected an
hour later still fits. Every charting service refuses a time in the future, so the board is
charted only once its moment has passed:
- during opening hours (from the window's start), the board is charted as of now, like a clinic
  seen live;
- before that, or when the busy day is a later day, the board's patients are booked at their
  times on that day (the schedule and the board for that day show a full morning, nurses on
  shift), and a later run of `ketaclinic demo` (`make run` runs it at each start) charts them
  once their moment has passed. The demo's output says which day to look at.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from ketaclinic.clinics.models import Clinic, OpeningHours
from ketaclinic.scheduling.models import ClinicClosure
from ketaclinic.scheduling.services import local_moment

# The board's first entry (the discharged patient's check-in, sessions_today.TODAY) is 190
# minutes before its moment; five more so that it is not at the stroke of opening.
BOARD_SPAN = datetime.timedelta(minutes=195)
# The patient expected later (an hour on) and their visit must fit before closing.
BOARD_TAIL = datetime.timedelta(minutes=60)
LOOK_AHEAD_DAYS = 14  # a clinic closed for two weeks running has no demo day


@dataclass(frozen=True)
class BusyDay:
    day: datetime.date
    board_at: datetime.datetime  # aware, whole minutes
    is_live: bool  # the moment has passed: the board is charted as of then
    closes: datetime.datetime

    def expected_at(self, visit: datetime.timedelta) -> datetime.datetime:
        """When the patient expected later arrives: an hour after the board's moment, on a
        quarter hour, early enough for the visit to end by closing (never before the moment)."""
        latest = min(self.board_at + BOARD_TAIL, self.closes - visit)
        moment = max(self.board_at, latest)
        return moment - datetime.timedelta(minutes=moment.minute % 15)

    def describe(self, clinic: Clinic) -> str:
        """What the demo's output says about the board: where to look, and from when."""
        local = timezone.localtime(self.board_at, clinic.zone)
        if self.is_live and self.day == clinic.local_today():
            return f"Today's board shows the clinic at {local:%H:%M}."
        if self.is_live:
            return (
                f"The demo's busy day was {self.day:%A %d %B}: its board shows the clinic at "
                f"{local:%H:%M} (choose that day on the board)."
            )
        return (
            f"The demo's clinic day is {self.day:%A %d %B} (the clinic is closed now or has only "
            "just opened): its treatments are booked on that day's schedule and board (choose the "
            f"day there). Run the demo again (make run) after {local:%H:%M} that day to see them "
            "charted in every state."
        )


def _opening(clinic: Clinic, day: datetime.date) -> tuple[datetime.time, datetime.time] | None:
    """The day's first opening and last closing, or None when the clinic is closed that day."""
    if ClinicClosure.objects.filter(clinic=clinic, day=day).exists():
        return None
    periods = list(OpeningHours.objects.filter(clinic=clinic, weekday=day.weekday()))
    if not periods:
        return None
    return min(p.opens_at for p in periods), max(p.closes_at for p in periods)


def busy_day(
    clinic: Clinic, *, now: datetime.datetime, visit: datetime.timedelta
) -> BusyDay | None:
    """The demo's busy day and its board's moment (see the module's docstring); `visit` is a
    treatment visit's length (the expected patient's). None if no opening day comes soon."""
    today = timezone.localtime(now, clinic.zone).date()
    for offset in range(LOOK_AHEAD_DAYS):
        day = today + datetime.timedelta(days=offset)
        hours = _opening(clinic, day)
        if hours is None:
            continue
        opens = local_moment(clinic=clinic, day=day, time=hours[0])
        closes = local_moment(clinic=clinic, day=day, time=hours[1])
        if now >= closes:
            continue  # closed for the day: the next opening day
        earliest = opens + BOARD_SPAN
        latest = max(earliest, closes - BOARD_TAIL - visit)
        board_at = min(max(now, earliest), latest).replace(second=0, microsecond=0)
        return BusyDay(day=day, board_at=board_at, is_live=board_at <= now, closes=closes)
    return None
