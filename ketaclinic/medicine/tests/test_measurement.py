"""The measurement schedule (CLINICAL.md §9.1, §8): worked examples and properties."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.medicine.config import load_clinic_rules
from ketaclinic.medicine.errors import InvalidConfiguration
from ketaclinic.medicine.measurement import (
    CoursePhase,
    CourseState,
    DueReason,
    Infusion,
    MeasurementRules,
    answers_window,
    is_missed,
    is_overdue,
    is_reminder_day,
    plan_measures,
    reason_text,
)

D = datetime.date
RULES = MeasurementRules()


def _state(**changes: object) -> CourseState:
    values: dict[str, object] = {
        "indication": "trd",
        "phase": CoursePhase.INDUCTION,
        "target_infusions": 6,
        "infusions": (),
    }
    values.update(changes)
    return CourseState(**values)


def test_instruments_per_indication_follow_section_9_1() -> None:
    assert RULES.instruments_for("trd") == ("phq9",)
    assert RULES.instruments_for("ptsd") == ("phq9", "pcl5")
    assert RULES.instruments_for("ocd") == ("phq9", "ybocs")
    assert RULES.instruments_for("anxiety") == ("phq9", "gad7")
    assert RULES.instruments_for("chronic_pain") == ("pain_nrs", "phq9")
    assert RULES.instruments_for("something_new") == ("phq9",)


def test_before_each_infusion_in_date_order_with_a_three_day_window() -> None:
    state = _state(
        indication="ptsd",
        infusions=(
            Infusion(on=D(2026, 5, 6), is_done=False),
            Infusion(on=D(2026, 5, 4), is_done=True),
        ),
    )
    planned = plan_measures(state=state, rules=RULES, today=D(2026, 5, 4))
    assert [(p.instrument, p.key, p.due_on) for p in planned] == [
        ("phq9", "before_infusion:1", D(2026, 5, 4)),
        ("pcl5", "before_infusion:1", D(2026, 5, 4)),
        ("phq9", "before_infusion:2", D(2026, 5, 6)),
        ("pcl5", "before_infusion:2", D(2026, 5, 6)),
    ]
    first = planned[0]
    assert (first.opens_on, first.closes_on) == (D(2026, 5, 2), D(2026, 5, 4))
    assert planned[2].reason_text == "Before infusion 2"


def test_weekly_in_maintenance_up_to_the_next_one() -> None:
    state = _state(phase=CoursePhase.MAINTENANCE, maintenance_started_on=D(2026, 6, 1))
    planned = plan_measures(state=state, rules=RULES, today=D(2026, 6, 16))
    assert [(p.sequence, p.due_on) for p in planned] == [
        (1, D(2026, 6, 8)),
        (2, D(2026, 6, 15)),
        (3, D(2026, 6, 22)),
    ]
    assert planned[0].reason == DueReason.WEEKLY
    assert (planned[0].opens_on, planned[0].closes_on) == (D(2026, 6, 8), D(2026, 6, 10))
    assert planned[0].reason_text == "Weekly check-in"


def test_maintenance_without_a_start_date_plans_no_weekly() -> None:
    state = _state(phase=CoursePhase.MAINTENANCE)
    assert plan_measures(state=state, rules=RULES, today=D(2026, 6, 16)) == []


def test_set_days_after_the_last_infusion_when_the_course_ended() -> None:
    state = _state(
        phase=CoursePhase.ENDED,
        infusions=(
            Infusion(on=D(2026, 5, 1), is_done=True),
            Infusion(on=D(2026, 5, 4), is_done=True),
        ),
    )
    after = [
        p
        for p in plan_measures(state=state, rules=RULES, today=D(2026, 5, 5))
        if p.reason == DueReason.AFTER_LAST_INFUSION
    ]
    assert [(p.sequence, p.due_on) for p in after] == [
        (1, D(2026, 5, 5)),
        (7, D(2026, 5, 11)),
        (14, D(2026, 5, 18)),
        (28, D(2026, 6, 1)),
    ]
    assert after[1].reason_text == "Day 7 after your last infusion"


def test_after_course_measures_once_the_induction_target_is_given_and_nothing_booked() -> None:
    given_all = tuple(Infusion(on=D(2026, 5, day), is_done=True) for day in (1, 3, 5))
    state = _state(target_infusions=3, infusions=given_all)
    reasons = {p.reason for p in plan_measures(state=state, rules=RULES, today=D(2026, 5, 6))}
    assert DueReason.AFTER_LAST_INFUSION in reasons
    booked_more = _state(
        target_infusions=3, infusions=(*given_all, Infusion(on=D(2026, 5, 8), is_done=False))
    )
    reasons = {p.reason for p in plan_measures(state=booked_more, rules=RULES, today=D(2026, 5, 6))}
    assert DueReason.AFTER_LAST_INFUSION not in reasons


def test_an_ended_course_with_no_infusion_given_plans_nothing_after() -> None:
    state = _state(phase=CoursePhase.ENDED)
    assert plan_measures(state=state, rules=RULES, today=D(2026, 5, 6)) == []


def test_reminders_once_a_day_within_the_window_then_missed() -> None:
    opens, closes = D(2026, 5, 2), D(2026, 5, 4)
    assert is_reminder_day(opens_on=opens, closes_on=closes, today=opens, last_reminded_on=None)
    assert not is_reminder_day(
        opens_on=opens, closes_on=closes, today=opens, last_reminded_on=opens
    )
    assert not is_reminder_day(
        opens_on=opens, closes_on=closes, today=D(2026, 5, 1), last_reminded_on=None
    )
    assert not is_missed(closes_on=closes, today=closes)
    assert is_missed(closes_on=closes, today=D(2026, 5, 5))
    assert is_overdue(due_on=closes, today=D(2026, 5, 5))
    assert answers_window(opens_on=opens, closes_on=closes, answered_on=D(2026, 5, 3))
    assert not answers_window(opens_on=opens, closes_on=closes, answered_on=D(2026, 5, 5))


def test_reason_text_accepts_stored_strings() -> None:
    assert reason_text(reason="before_infusion", sequence=3) == "Before infusion 3"
    assert reason_text(reason="after_last_infusion", sequence=14) == (
        "Day 14 after your last infusion"
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"instruments_trd": ()},
        {"instruments_ptsd": ("phq9", "phq9")},
        {"days_after_last_infusion": (0,)},
        {"days_after_last_infusion": (7, 7)},
        {"maintenance_interval_days": 0},
        {"reminder_days": 8},
    ],
)
def test_refuses_unsafe_rules(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidConfiguration):
        MeasurementRules(**changes)


def test_clinic_rules_load_the_measurement_section() -> None:
    rules = load_clinic_rules(
        {"measurement": {"days_after_last_infusion": [1, 7], "reminder_days": 2}}
    )
    assert rules.measurement.days_after_last_infusion == (1, 7)
    assert rules.measurement.reminder_days == 2


dates = st.dates(min_value=D(2025, 1, 1), max_value=D(2027, 1, 1))


@given(
    infusions=st.lists(st.tuples(dates, st.booleans()), max_size=12),
    phase=st.sampled_from(list(CoursePhase)),
    started=st.none() | dates,
    today=dates,
    reminder_days=st.integers(min_value=1, max_value=7),
)
def test_properties_of_any_plan(
    infusions: list[tuple[datetime.date, bool]],
    phase: CoursePhase,
    started: datetime.date | None,
    today: datetime.date,
    reminder_days: int,
) -> None:
    rules = MeasurementRules(reminder_days=reminder_days)
    state = _state(
        indication="ptsd",
        phase=phase,
        infusions=tuple(Infusion(on=on, is_done=done) for on, done in infusions),
        maintenance_started_on=started,
    )
    planned = plan_measures(state=state, rules=rules, today=today)
    keys = [(p.instrument, p.key) for p in planned]
    assert len(keys) == len(set(keys))  # planning gives each measure one identity
    assert planned == plan_measures(state=state, rules=rules, today=today)  # deterministic
    for item in planned:
        assert (item.closes_on - item.opens_on).days == reminder_days - 1
        assert item.opens_on <= item.due_on <= item.closes_on
        if item.reason == DueReason.BEFORE_INFUSION:
            assert item.closes_on == item.due_on  # answered before the infusion, never after
    befores = {p.sequence for p in planned if p.reason == DueReason.BEFORE_INFUSION}
    assert befores == set(range(1, len(infusions) + 1))
