"""The measurement schedule of a course: which scales are due when, how long each stays open,
on which days a reminder goes out, and when an unanswered one counts as missed (CLINICAL.md §9.1
instruments and their recall periods, §9.3 baseline before infusion 1, §8 median relapse 18 days
after the last infusion).

Every due measure has a window of `reminder_days` days. A measure before an infusion opens
`reminder_days - 1` days before the infusion day and closes on it (the score must exist before the
infusion); a weekly or after-the-course measure opens on its day and stays open for the following
days. One reminder goes out on each day of the window; the day after the window closes, an
unanswered measure is missed.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from ketaclinic.medicine.errors import InvalidConfiguration


class DueReason(StrEnum):
    BEFORE_INFUSION = "before_infusion"
    WEEKLY = "weekly"
    AFTER_LAST_INFUSION = "after_last_infusion"


class CoursePhase(StrEnum):
    INDUCTION = "induction"
    MAINTENANCE = "maintenance"
    ENDED = "ended"


@dataclass(frozen=True)
class MeasurementRules:
    """Which instruments each indication collects, and when (CLINICAL.md §9.1).

    PHQ-9 for every course (free, patient-rated, §9.2) plus the disorder's own scale from §9.1:
    PCL-5 for PTSD, Y-BOCS for OCD (clinician-rated: recorded with the patient), GAD-7 for
    anxiety, pain NRS for chronic pain. Days after the last infusion span §8's median relapse
    (18 days) and the 4-week mark [PRACTICE] design default, configurable. Weekly in maintenance
    and a 3-day reminder window: [PRACTICE] design default, configurable.
    """

    instruments_trd: tuple[str, ...] = ("phq9",)
    instruments_mdd_si: tuple[str, ...] = ("phq9",)
    instruments_ptsd: tuple[str, ...] = ("phq9", "pcl5")
    instruments_ocd: tuple[str, ...] = ("phq9", "ybocs")
    instruments_anxiety: tuple[str, ...] = ("phq9", "gad7")
    instruments_aud: tuple[str, ...] = ("phq9",)
    instruments_chronic_pain: tuple[str, ...] = ("pain_nrs", "phq9")
    days_after_last_infusion: tuple[int, ...] = (1, 7, 14, 28)
    maintenance_interval_days: int = 7
    reminder_days: int = 3

    def __post_init__(self) -> None:
        for name in (
            "instruments_trd",
            "instruments_mdd_si",
            "instruments_ptsd",
            "instruments_ocd",
            "instruments_anxiety",
            "instruments_aud",
            "instruments_chronic_pain",
        ):
            codes = getattr(self, name)
            if not codes or len(set(codes)) != len(codes):
                raise InvalidConfiguration(f"{name}: list at least one instrument, each once.")
        days = self.days_after_last_infusion
        if any(not 1 <= day <= 365 for day in days) or len(set(days)) != len(days):
            raise InvalidConfiguration("Days after the last infusion are 1 to 365, each once.")
        if not 1 <= self.maintenance_interval_days <= 90:
            raise InvalidConfiguration("Maintenance measures are 1 to 90 days apart.")
        if not 1 <= self.reminder_days <= 7:
            raise InvalidConfiguration("Reminders are sent on 1 to 7 days.")

    def instruments_for(self, indication: str) -> tuple[str, ...]:
        """The instruments a course for `indication` collects; PHQ-9 when it is not listed."""
        found: tuple[str, ...] = getattr(self, f"instruments_{indication}", ("phq9",))
        return found


@dataclass(frozen=True)
class Infusion:
    """A treatment of the course, booked or given, on the clinic's local date."""

    on: datetime.date
    is_done: bool


@dataclass(frozen=True)
class CourseState:
    indication: str
    phase: CoursePhase
    target_infusions: int
    infusions: tuple[Infusion, ...]
    maintenance_started_on: datetime.date | None = None


@dataclass(frozen=True)
class PlannedMeasure:
    instrument: str
    reason: DueReason
    sequence: int  # infusion number, week number in maintenance, or days after the last infusion
    due_on: datetime.date
    opens_on: datetime.date
    closes_on: datetime.date

    @property
    def key(self) -> str:
        """Stable identity within a course: planning again finds the same measure."""
        return f"{self.reason}:{self.sequence}"

    @property
    def reason_text(self) -> str:
        return reason_text(reason=self.reason, sequence=self.sequence)


def reason_text(*, reason: DueReason | str, sequence: int) -> str:
    if reason == DueReason.BEFORE_INFUSION:
        return f"Before infusion {sequence}"
    if reason == DueReason.WEEKLY:
        return "Weekly check-in"
    return f"Day {sequence} after your last infusion"


def _window(
    *, reason: DueReason, due_on: datetime.date, rules: MeasurementRules
) -> tuple[datetime.date, datetime.date]:
    span = datetime.timedelta(days=rules.reminder_days - 1)
    if reason == DueReason.BEFORE_INFUSION:
        return due_on - span, due_on
    return due_on, due_on + span


def _measures(
    *,
    instruments: Sequence[str],
    reason: DueReason,
    sequence: int,
    due_on: datetime.date,
    rules: MeasurementRules,
) -> list[PlannedMeasure]:
    opens_on, closes_on = _window(reason=reason, due_on=due_on, rules=rules)
    return [
        PlannedMeasure(
            instrument=code,
            reason=reason,
            sequence=sequence,
            due_on=due_on,
            opens_on=opens_on,
            closes_on=closes_on,
        )
        for code in instruments
    ]


def plan_measures(
    *, state: CourseState, rules: MeasurementRules, today: datetime.date
) -> list[PlannedMeasure]:
    """Every measure the course calls for up to `today` and its booked infusions.

    - before each infusion, booked or given, numbered in date order;
    - weekly while in maintenance, from the day maintenance began, up to the next one after today;
    - on the set days after the last infusion given, once the course has ended, or once the
      induction's target is reached with nothing more booked.
    """
    instruments = rules.instruments_for(state.indication)
    planned: list[PlannedMeasure] = []
    infusions = sorted(state.infusions, key=lambda infusion: infusion.on)
    for number, infusion in enumerate(infusions, start=1):
        planned += _measures(
            instruments=instruments,
            reason=DueReason.BEFORE_INFUSION,
            sequence=number,
            due_on=infusion.on,
            rules=rules,
        )
    if state.phase == CoursePhase.MAINTENANCE and state.maintenance_started_on is not None:
        step = datetime.timedelta(days=rules.maintenance_interval_days)
        week = 1
        due_on = state.maintenance_started_on + step
        while due_on <= today + step:
            planned += _measures(
                instruments=instruments,
                reason=DueReason.WEEKLY,
                sequence=week,
                due_on=due_on,
                rules=rules,
            )
            week += 1
            due_on += step
    given = [infusion.on for infusion in infusions if infusion.is_done]
    booked_ahead = any(not infusion.is_done for infusion in infusions)
    induction_over = (
        state.phase == CoursePhase.INDUCTION
        and len(given) >= state.target_infusions
        and not booked_ahead
    )
    if given and (state.phase == CoursePhase.ENDED or induction_over):
        last = max(given)
        for day in sorted(rules.days_after_last_infusion):
            planned += _measures(
                instruments=instruments,
                reason=DueReason.AFTER_LAST_INFUSION,
                sequence=day,
                due_on=last + datetime.timedelta(days=day),
                rules=rules,
            )
    return planned


def is_reminder_day(
    *,
    opens_on: datetime.date,
    closes_on: datetime.date,
    today: datetime.date,
    last_reminded_on: datetime.date | None,
) -> bool:
    """A reminder goes out today: the window is open and none was sent today."""
    return opens_on <= today <= closes_on and last_reminded_on != today


def is_missed(*, closes_on: datetime.date, today: datetime.date) -> bool:
    """An unanswered measure is missed from the day after its window closes."""
    return today > closes_on


def is_overdue(*, due_on: datetime.date, today: datetime.date) -> bool:
    return today > due_on


def answers_window(
    *, opens_on: datetime.date, closes_on: datetime.date, answered_on: datetime.date
) -> bool:
    """A response completes a measure when given within its window."""
    return opens_on <= answered_on <= closes_on
