"""When a suicide-risk task must be acknowledged (CLINICAL.md §9.3: "PHQ-9 item 9 ≥ 1, or C-SSRS
items 3–6 positive → suicide-risk workflow").

CLINICAL.md fixes *what* raises the workflow, not how fast a physician must answer it; every
timing here is a [PRACTICE] design default, configurable per clinic (`safety.*` in
medicine/config.py):

- raised while the clinic is open: a physician acknowledges within `acknowledge_within_min`
  (60, "one hour in clinic hours") counted from the answer, even if that runs past closing — a
  physician was on site when it came in, so the clock is not paused for the night;
- raised while the clinic is closed: with an on-call physician (`on_call_acknowledge_within_min`
  above 0) the same clock runs from the answer at the on-call minutes; without one (0, the
  default) the deadline is the next opening plus `acknowledge_within_min`;
- a clinic with no opening hours at all counts from the answer (there is always a deadline).

The patient is shown crisis resources (988, 911) at once whatever the deadline: the deadline is
the clinic's promise to follow up, not the patient's route to help.

Times are the clinic's wall-clock: `raised_at` is aware, in the clinic's zone; opening periods are
(weekday Monday=0, opens, closes) in that zone. Minutes are added in UTC, so a daylight-saving
change never stretches or shortens the hour.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from ketaclinic.medicine.errors import InvalidConfiguration

OpeningPeriod = tuple[int, datetime.time, datetime.time]

# [PRACTICE] design default, configurable: "one hour in clinic hours" (issue 8).
DEFAULT_ACKNOWLEDGE_WITHIN_MIN = 60
# [PRACTICE] bounds: a safety answer should not wait more than 4 hours for a physician while
# the clinic (or its on-call physician) is working; under 5 minutes no one can reasonably answer.
SHORTEST_ACKNOWLEDGE_MIN = 5
LONGEST_ACKNOWLEDGE_MIN = 240
# A week of opening periods repeats, so the next opening is within 7 days or there is none.
_DAYS_TO_SEARCH = 8


@dataclass(frozen=True)
class SafetyRules:
    """How fast a suicide-risk task must be acknowledged (all [PRACTICE], configurable)."""

    acknowledge_within_min: int = DEFAULT_ACKNOWLEDGE_WITHIN_MIN
    # 0 = no on-call physician: outside opening hours the deadline is next opening + the minutes.
    on_call_acknowledge_within_min: int = 0

    def __post_init__(self) -> None:
        window = f"{SHORTEST_ACKNOWLEDGE_MIN}–{LONGEST_ACKNOWLEDGE_MIN} minutes"
        if not SHORTEST_ACKNOWLEDGE_MIN <= self.acknowledge_within_min <= LONGEST_ACKNOWLEDGE_MIN:
            raise InvalidConfiguration(
                f"A suicide-risk task must be acknowledged within {window} in clinic hours."
            )
        on_call = self.on_call_acknowledge_within_min
        if on_call != 0 and not SHORTEST_ACKNOWLEDGE_MIN <= on_call <= LONGEST_ACKNOWLEDGE_MIN:
            raise InvalidConfiguration(
                f"The on-call acknowledgement time must be {window}, or 0 for no on-call "
                "physician (then the next opening counts)."
            )


def _plus_minutes(moment: datetime.datetime, minutes: int) -> datetime.datetime:
    utc = moment.astimezone(datetime.UTC) + datetime.timedelta(minutes=minutes)
    return utc.astimezone(moment.tzinfo)


def is_open_at(moment: datetime.datetime, opening_hours: Iterable[OpeningPeriod]) -> bool:
    """Whether the clinic is open at `moment` (clinic wall-clock; closes is exclusive)."""
    local = moment.time().replace(tzinfo=None)
    return any(
        weekday == moment.weekday() and opens <= local < closes
        for weekday, opens, closes in opening_hours
    )


def next_opening(
    moment: datetime.datetime, opening_hours: Iterable[OpeningPeriod]
) -> datetime.datetime | None:
    """The first opening strictly after `moment`, or None for a clinic with no hours."""
    periods = sorted(opening_hours)
    after = moment.astimezone(datetime.UTC)
    for offset in range(_DAYS_TO_SEARCH):
        day = moment.date() + datetime.timedelta(days=offset)
        for weekday, opens, _closes in periods:
            if weekday != day.weekday():
                continue
            start = datetime.datetime.combine(day, opens, tzinfo=moment.tzinfo)
            if start.astimezone(datetime.UTC) > after:
                return start
    return None


def acknowledge_deadline(
    *,
    raised_at: datetime.datetime,
    opening_hours: Iterable[OpeningPeriod],
    rules: SafetyRules,
) -> datetime.datetime:
    """When a physician must have acknowledged a suicide-risk task raised at `raised_at`.

    Worked examples (clinic open Mon–Fri 09:00–17:00, 60 minutes, no on-call):
    Tue 10:15 → Tue 11:15; Tue 16:30 → Tue 17:30 (not paused at closing);
    Tue 20:00 → Wed 10:00; Fri 18:00 → Mon 10:00; with 30 on-call minutes, Tue 20:00 → 20:30.
    """
    if raised_at.tzinfo is None:
        raise ValueError("raised_at must carry the clinic's time zone.")
    periods = list(opening_hours)
    if is_open_at(raised_at, periods):
        return _plus_minutes(raised_at, rules.acknowledge_within_min)
    if rules.on_call_acknowledge_within_min:
        return _plus_minutes(raised_at, rules.on_call_acknowledge_within_min)
    opening = next_opening(raised_at, periods)
    if opening is None:
        return _plus_minutes(raised_at, rules.acknowledge_within_min)
    return _plus_minutes(opening, rules.acknowledge_within_min)
