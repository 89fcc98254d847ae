"""Suicide-risk acknowledgement deadlines (CLINICAL.md §9.3; timings [PRACTICE])."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.medicine.config import load_clinic_rules
from ketaclinic.medicine.errors import InvalidConfiguration
from ketaclinic.medicine.questionnaires import instrument_get
from ketaclinic.medicine.safety import (
    OpeningPeriod,
    SafetyRules,
    acknowledge_deadline,
    is_open_at,
    next_opening,
)

DENVER = zoneinfo.ZoneInfo("America/Denver")
NINE, FIVE = datetime.time(9), datetime.time(17)
WEEKDAYS: list[OpeningPeriod] = [(day, NINE, FIVE) for day in range(5)]
RULES = SafetyRules()


def at(day: int, hour: int, minute: int = 0, tz: datetime.tzinfo = DENVER) -> datetime.datetime:
    """2026-03-02 is a Monday; day 0 = Monday that week."""
    return datetime.datetime(2026, 3, 2 + day, hour, minute, tzinfo=tz)


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (at(1, 10, 15), at(1, 11, 15)),  # Tuesday in hours: one hour
        (at(1, 9, 0), at(1, 10, 0)),  # at the opening minute
        (at(1, 16, 30), at(1, 17, 30)),  # not paused at closing
        (at(1, 17, 0), at(2, 10, 0)),  # closing is exclusive: next morning
        (at(1, 20, 0), at(2, 10, 0)),  # evening: next opening + 60
        (at(1, 6, 0), at(1, 10, 0)),  # early morning: today's opening + 60
        (at(4, 18, 0), at(7, 10, 0)),  # Friday evening: Monday 10:00
        (at(5, 12, 0), at(7, 10, 0)),  # Saturday: Monday 10:00
    ],
)
def test_worked_examples(raised: datetime.datetime, expected: datetime.datetime) -> None:
    assert acknowledge_deadline(raised_at=raised, opening_hours=WEEKDAYS, rules=RULES) == expected


def test_an_on_call_physician_runs_the_clock_from_the_answer_out_of_hours() -> None:
    rules = SafetyRules(on_call_acknowledge_within_min=30)
    assert acknowledge_deadline(raised_at=at(1, 20), opening_hours=WEEKDAYS, rules=rules) == at(
        1, 20, 30
    )
    # In hours the clinic's own minutes still apply.
    assert acknowledge_deadline(raised_at=at(1, 10), opening_hours=WEEKDAYS, rules=rules) == at(
        1, 11
    )


def test_a_clinic_without_hours_still_gets_a_deadline() -> None:
    assert acknowledge_deadline(raised_at=at(1, 20), opening_hours=[], rules=RULES) == at(1, 21)
    assert next_opening(at(1, 20), []) is None


def test_split_days_and_a_later_period_the_same_day() -> None:
    split: list[OpeningPeriod] = [
        (1, datetime.time(14), datetime.time(18)),
        (1, datetime.time(8), datetime.time(12)),
    ]
    assert is_open_at(at(1, 9), split)
    assert not is_open_at(at(1, 13), split)
    assert acknowledge_deadline(raised_at=at(1, 13), opening_hours=split, rules=RULES) == at(1, 15)
    # Tuesday after closing: next Tuesday 08:00.
    assert acknowledge_deadline(raised_at=at(1, 19), opening_hours=split, rules=RULES) == at(8, 9)


def test_an_hour_is_an_hour_across_the_spring_daylight_saving_change() -> None:
    # 2026-03-08 02:00 MST → 03:00 MDT (a Sunday). Open on Sunday 01:00–04:00 for the test.
    sunday: list[OpeningPeriod] = [(6, datetime.time(1), datetime.time(4))]
    raised = datetime.datetime(2026, 3, 8, 1, 30, tzinfo=DENVER)
    deadline = acknowledge_deadline(raised_at=raised, opening_hours=sunday, rules=RULES)
    # (Subtracting in the same zone would count wall-clock time: two hours.)
    assert deadline.astimezone(datetime.UTC) - raised.astimezone(
        datetime.UTC
    ) == datetime.timedelta(hours=1)
    assert (deadline.hour, deadline.minute) == (3, 30)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        acknowledge_deadline(
            raised_at=datetime.datetime(2026, 3, 3, 10), opening_hours=WEEKDAYS, rules=RULES
        )


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"acknowledge_within_min": 4}, "within 5–240 minutes"),
        ({"acknowledge_within_min": 241}, "within 5–240 minutes"),
        ({"on_call_acknowledge_within_min": 3}, "or 0 for no on-call"),
        ({"on_call_acknowledge_within_min": 300}, "or 0 for no on-call"),
    ],
)
def test_unsafe_settings_are_refused(settings: dict[str, int], message: str) -> None:
    with pytest.raises(InvalidConfiguration, match=message):
        SafetyRules(**settings)


def test_the_clinic_configures_it_as_the_safety_section() -> None:
    rules = load_clinic_rules(
        {"safety": {"acknowledge_within_min": 30, "on_call_acknowledge_within_min": 15}}
    )
    assert rules.safety == SafetyRules(30, 15)
    assert load_clinic_rules({}).safety == SafetyRules(60, 0)
    with pytest.raises(InvalidConfiguration, match="safety"):
        load_clinic_rules({"safety": {"acknowledge_within_min": 1}})


def test_every_positive_answer_that_raises_the_workflow_is_flagged() -> None:
    """§9.3: PHQ-9 item 9 ≥ 1, C-SSRS items 3–6; C-SSRS Q1–2 alone are low risk, not flagged."""
    cssrs = instrument_get("cssrs_screener")
    for number in range(1, 7):
        answers = {f"cssrs.{n}": int(n == number) for n in range(1, 7)}
        assert ("suicide_risk" in cssrs.score(answers).flags) == (number >= 3)
    phq9 = instrument_get("phq9")
    for value in (1, 2, 3):
        answers = {f"phq9.{n}": 0 for n in range(1, 10)} | {"phq9.9": value}
        assert "suicide_risk" in phq9.score(answers).flags


# --- properties --------------------------------------------------------------------------------

periods = st.lists(
    st.tuples(
        st.integers(0, 6),
        st.integers(0, 22 * 60),
        st.integers(15, 120),
    ).map(
        lambda t: (
            t[0],
            datetime.time(t[1] // 60, t[1] % 60),
            datetime.time(
                min(t[1] + t[2], 23 * 60 + 59) // 60, min(t[1] + t[2], 23 * 60 + 59) % 60
            ),
        )
    ),
    max_size=6,
)
moments = st.datetimes(
    min_value=datetime.datetime(2025, 1, 1), max_value=datetime.datetime(2027, 12, 31)
).map(lambda moment: moment.replace(tzinfo=datetime.UTC))
rules = st.builds(
    SafetyRules,
    acknowledge_within_min=st.integers(5, 240),
    on_call_acknowledge_within_min=st.sampled_from([0, 5, 30, 240]),
)


@given(moments, periods, rules)
def test_the_deadline_is_never_sooner_than_the_minutes_nor_later_than_a_week(
    raised: datetime.datetime, hours: list[OpeningPeriod], safety: SafetyRules
) -> None:
    deadline = acknowledge_deadline(raised_at=raised, opening_hours=hours, rules=safety)
    waited = deadline - raised
    shortest = min(safety.acknowledge_within_min, safety.on_call_acknowledge_within_min or 10**6)
    assert waited >= datetime.timedelta(minutes=shortest)
    assert waited <= datetime.timedelta(days=8, minutes=safety.acknowledge_within_min)


@given(moments, periods, rules)
def test_open_means_exactly_the_minutes_and_closed_waits_for_an_opening(
    raised: datetime.datetime, hours: list[OpeningPeriod], safety: SafetyRules
) -> None:
    deadline = acknowledge_deadline(raised_at=raised, opening_hours=hours, rules=safety)
    minutes = datetime.timedelta(minutes=safety.acknowledge_within_min)
    if is_open_at(raised, hours):
        assert deadline - raised == minutes
    elif safety.on_call_acknowledge_within_min:
        assert deadline - raised == datetime.timedelta(
            minutes=safety.on_call_acknowledge_within_min
        )
    elif not hours:
        assert deadline - raised == minutes
    else:
        opening = deadline - minutes
        assert opening > raised
        assert any(
            weekday == opening.weekday() and opens == opening.time() for weekday, opens, _ in hours
        )
