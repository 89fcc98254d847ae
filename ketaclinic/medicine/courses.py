"""Treatment courses: the induction plan, booking rules, review checkpoints and the esketamine
schedule (CLINICAL.md §8, §2.8)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from ketaclinic.medicine.errors import InvalidConfiguration, NotApplicable
from ketaclinic.medicine.outcomes import CourseSignal, EarlySignal


@dataclass(frozen=True)
class CourseRules:
    """§8: classic induction is 6 infusions, 3 a week, ≥ 48 h apart; a course may be configured
    up to 12; review at infusions 3–4 and 6."""

    target_infusions: int = 6
    maximum_infusions: int = 12
    minimum_interval: datetime.timedelta = datetime.timedelta(hours=48)
    maximum_per_week: int = 3
    review_checkpoints: tuple[int, ...] = (4, 6)

    def __post_init__(self) -> None:
        if not 1 <= self.target_infusions <= self.maximum_infusions <= 12:
            raise InvalidConfiguration("A course has 1 to 12 infusions, target within the maximum.")
        if self.minimum_interval < datetime.timedelta(hours=24):
            raise InvalidConfiguration("Infusions must be at least 24 hours apart.")
        if not 1 <= self.maximum_per_week <= 3:
            raise InvalidConfiguration("At most 3 infusions a week (Murrough 2013).")
        if any(not 1 <= point <= self.maximum_infusions for point in self.review_checkpoints):
            raise InvalidConfiguration("Review checkpoints must fall within the course.")


# How long a signed dose order stands. No figure in CLINICAL.md: 30 days [PRACTICE] covers an
# induction (6 infusions over 2–3 weeks, §8) with room for a missed week; a clinic may choose up
# to 180 days [PRACTICE], the longest life of a Schedule III prescription (21 CFR 1306.22,
# [RECALL]), so that an order is re-signed at least twice a year.
DEFAULT_DOSE_ORDER_VALID_DAYS = 30
MAX_DOSE_ORDER_VALID_DAYS = 180


@dataclass(frozen=True)
class DoseOrderRules:
    """Clinic rules section `dose_orders`: `valid_days` is both the default life of a dose order
    and the longest a physician may give one."""

    valid_days: int = DEFAULT_DOSE_ORDER_VALID_DAYS

    def __post_init__(self) -> None:
        if not 1 <= self.valid_days <= MAX_DOSE_ORDER_VALID_DAYS:
            raise InvalidConfiguration(
                f"A dose order stands for 1 to {MAX_DOSE_ORDER_VALID_DAYS} days."
            )

    def expires_at(
        self, *, signed_at: datetime.datetime, valid_days: int | None = None
    ) -> datetime.datetime:
        """When an order signed at `signed_at` lapses; `valid_days` (the physician's choice)
        defaults to the clinic's and may not exceed it."""
        days = self.valid_days if valid_days is None else valid_days
        if not 1 <= days <= self.valid_days:
            raise NotApplicable(f"A dose order is valid for 1 to {self.valid_days} days.")
        return signed_at + datetime.timedelta(days=days)


def _week(moment: datetime.datetime) -> tuple[int, int]:
    year, week, _ = moment.isocalendar()
    return year, week


def booking_problems(
    *, proposed: datetime.datetime, booked: Sequence[datetime.datetime], rules: CourseRules
) -> tuple[str, ...]:
    """Why a treatment at `proposed` breaks the course rules, given the other booked treatments."""
    problems: list[str] = []
    for other in booked:
        gap = abs(proposed - other)
        if gap < rules.minimum_interval:
            hours = rules.minimum_interval.total_seconds() / 3600
            problems.append(
                f"Only {gap.total_seconds() / 3600:.0f} h from the treatment on "
                f"{other:%a %d %b %H:%M}; the minimum is {hours:.0f} h."
            )
    same_week = [other for other in booked if _week(other) == _week(proposed)]
    if len(same_week) >= rules.maximum_per_week:
        problems.append(
            f"Week {_week(proposed)[1]} already has {len(same_week)} treatments; the maximum is "
            f"{rules.maximum_per_week}."
        )
    if len(booked) >= rules.maximum_infusions:
        problems.append(f"The course already has its maximum of {rules.maximum_infusions}.")
    return tuple(problems)


def plan_induction(
    *,
    first: datetime.datetime,
    rules: CourseRules = CourseRules(),
    allowed_weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4}),
    count: int | None = None,
) -> tuple[datetime.datetime, ...]:
    """The earliest series honouring the rules, at the same time of day, on allowed weekdays
    (0 = Monday). With the defaults: 6 infusions over 2–3 weeks (§8)."""
    wanted = rules.target_infusions if count is None else count
    if not 1 <= wanted <= rules.maximum_infusions:
        raise NotApplicable(f"A course has 1 to {rules.maximum_infusions} infusions.")
    if not allowed_weekdays or not allowed_weekdays <= set(range(7)):
        raise NotApplicable("Choose at least one weekday (0 = Monday … 6 = Sunday).")
    plan: list[datetime.datetime] = []
    candidate = first
    for _ in range(wanted * 14):  # bounded: at worst one allowed day a week
        if candidate.weekday() in allowed_weekdays and not booking_problems(
            proposed=candidate, booked=plan, rules=rules
        ):
            plan.append(candidate)
            if len(plan) == wanted:
                return tuple(plan)
        candidate += datetime.timedelta(days=1)
    raise NotApplicable("No series fits these weekdays and rules.")  # pragma: no cover


def course_recommendation(*, infusions_given: int, signal: EarlySignal, rules: CourseRules) -> str:
    """What to say at a review checkpoint (§8): continue, consider stopping, or extend."""
    if signal.signal == CourseSignal.CONSIDER_STOPPING:
        return "stop: " + signal.reason
    if infusions_given >= rules.target_infusions:
        if infusions_given >= rules.maximum_infusions:
            return "complete: the course maximum is reached; plan boosters if responding."
        return "extend or complete: review the response; extend to the maximum if improving."
    return "continue: " + signal.reason


def esketamine_sessions_per_week(*, week: int) -> tuple[int, str]:
    """SPRAVATO label schedule (§2.8): twice weekly in weeks 1–4, weekly in weeks 5–8, then
    weekly or every 2 weeks (the lowest frequency that keeps the response)."""
    if week < 1:
        raise NotApplicable("Weeks of treatment are counted from 1.")
    if week <= 4:
        return 2, "induction: twice weekly"
    if week <= 8:
        return 1, "maintenance: once weekly"
    return 1, "maintenance: once weekly or every 2 weeks, the lowest frequency that keeps remission"
