"""Induction planning, booking rules and the esketamine schedule (CLINICAL.md §8, §2.8)."""

from __future__ import annotations

import datetime
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketaclinic.medicine.courses import (
    CourseRules,
    DoseOrderRules,
    booking_problems,
    course_recommendation,
    esketamine_sessions_per_week,
    plan_induction,
)
from ketaclinic.medicine.errors import InvalidConfiguration, NotApplicable
from ketaclinic.medicine.outcomes import CourseSignal, EarlySignal

MONDAY = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)


def test_the_default_induction_is_six_infusions_three_a_week_over_two_weeks() -> None:
    plan = plan_induction(first=MONDAY)
    assert [moment.strftime("%a %d") for moment in plan] == [
        "Mon 30",
        "Wed 02",
        "Fri 04",
        "Mon 07",
        "Wed 09",
        "Fri 11",
    ]
    assert (plan[-1] - plan[0]).days == 11  # "6 infusions … over 12 days" (Murrough 2013)


def test_preferred_weekdays_are_honoured() -> None:
    plan = plan_induction(first=MONDAY, allowed_weekdays=frozenset({1, 3}))
    assert {moment.weekday() for moment in plan} == {1, 3}
    assert len(plan) == 6


def test_booking_refuses_too_close_too_many_and_over_the_maximum() -> None:
    rules = CourseRules()
    assert (
        "minimum is 48 h"
        in booking_problems(
            proposed=MONDAY + datetime.timedelta(hours=30), booked=[MONDAY], rules=rules
        )[0]
    )
    week = [MONDAY, MONDAY + datetime.timedelta(days=2), MONDAY + datetime.timedelta(days=4)]
    assert any(
        "maximum is 3" in problem
        for problem in booking_problems(
            proposed=MONDAY + datetime.timedelta(days=6), booked=week, rules=rules
        )
    )
    full = [MONDAY + datetime.timedelta(days=3 * i) for i in range(12)]
    assert any(
        "maximum of 12" in p
        for p in booking_problems(
            proposed=MONDAY + datetime.timedelta(days=60), booked=full, rules=rules
        )
    )


@pytest.mark.parametrize(
    "build",
    [
        lambda: CourseRules(target_infusions=13),
        lambda: CourseRules(minimum_interval=datetime.timedelta(hours=12)),
        lambda: CourseRules(maximum_per_week=5),
        lambda: CourseRules(review_checkpoints=(20,)),
    ],
)
def test_unsafe_course_rules_are_refused(build) -> None:
    with pytest.raises(InvalidConfiguration):
        build()


def test_planning_refuses_impossible_requests() -> None:
    with pytest.raises(NotApplicable):
        plan_induction(first=MONDAY, count=13)
    with pytest.raises(NotApplicable):
        plan_induction(first=MONDAY, allowed_weekdays=frozenset())


def test_recommendations_at_checkpoints() -> None:
    rules = CourseRules()
    assert course_recommendation(
        infusions_given=4, signal=EarlySignal(CourseSignal.CONSIDER_STOPPING, "x"), rules=rules
    ).startswith("stop")
    assert course_recommendation(
        infusions_given=4, signal=EarlySignal(CourseSignal.CONTINUE, "y"), rules=rules
    ).startswith("continue")
    assert course_recommendation(
        infusions_given=6, signal=EarlySignal(CourseSignal.CONTINUE, "y"), rules=rules
    ).startswith("extend")
    assert course_recommendation(
        infusions_given=12, signal=EarlySignal(CourseSignal.CONTINUE, "y"), rules=rules
    ).startswith("complete")


@pytest.mark.parametrize(("week", "sessions"), [(1, 2), (4, 2), (5, 1), (8, 1), (9, 1)])
def test_esketamine_label_schedule(week: int, sessions: int) -> None:
    assert esketamine_sessions_per_week(week=week)[0] == sessions
    with pytest.raises(NotApplicable):
        esketamine_sessions_per_week(week=0)


@settings(max_examples=50)
@given(
    start_day=st.integers(0, 60),
    count=st.integers(1, 12),
    weekdays=st.sets(st.integers(0, 6), min_size=1),
)
def test_every_planned_series_obeys_every_rule(
    start_day: int, count: int, weekdays: set[int]
) -> None:
    rules = CourseRules()
    plan = plan_induction(
        first=MONDAY + datetime.timedelta(days=start_day),
        count=count,
        allowed_weekdays=frozenset(weekdays),
    )
    assert len(plan) == count
    for index, moment in enumerate(plan):
        assert (
            booking_problems(
                proposed=moment, booked=[*plan[:index], *plan[index + 1 :]], rules=rules
            )
            == ()
            or len(plan) > rules.maximum_per_week
        )
        assert moment.weekday() in weekdays
    assert all(
        later - earlier >= rules.minimum_interval for earlier, later in itertools.pairwise(plan)
    )


def test_a_dose_order_stands_30_days_by_default_and_at_most_the_clinics_days() -> None:
    signed = datetime.datetime(2025, 3, 3, 9, tzinfo=datetime.UTC)
    rules = DoseOrderRules()
    assert rules.expires_at(signed_at=signed) == signed + datetime.timedelta(days=30)
    assert rules.expires_at(signed_at=signed, valid_days=7) == signed + datetime.timedelta(days=7)
    for refused in (0, 31):
        with pytest.raises(NotApplicable, match="1 to 30 days"):
            rules.expires_at(signed_at=signed, valid_days=refused)
    assert DoseOrderRules(valid_days=180).valid_days == 180
    for unsafe in (0, 181):
        with pytest.raises(InvalidConfiguration, match="1 to 180 days"):
            DoseOrderRules(valid_days=unsafe)
