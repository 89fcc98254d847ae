"""The monitoring schedule and alarm acknowledgement windows (CLINICAL.md §5.1, §10.3)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.medicine.errors import InvalidConfiguration, NotApplicable
from ketaclinic.medicine.monitoring import (
    MonitoringRules,
    SessionPhase,
    acknowledge_within_min,
    vitals_due_minute,
)
from ketaclinic.medicine.protocols import Route
from ketaclinic.medicine.vital_signs import AlarmLevel


def iv_due(last: float | None, **kwargs: object) -> float | None:
    arguments: dict[str, object] = {
        "route": Route.INTRAVENOUS,
        "phase": SessionPhase.INFUSING,
        "last_reading_minute": last,
        "infusion_stopped_minute": None,
        **kwargs,
    }
    return vitals_due_minute(**arguments)


def test_iv_schedule_every_5_then_every_10() -> None:
    # §5.1: NIBP every 5 min for the first 15 min, then every 10 min.
    assert iv_due(None) == 0
    assert iv_due(-10) == 0  # a baseline before the start does not count
    assert iv_due(0) == 5
    assert iv_due(10) == 15
    assert iv_due(15) == 25
    assert iv_due(35) == 45


def test_pre_infusion_and_recovery() -> None:
    assert iv_due(None, phase=SessionPhase.PRE_INFUSION) == 0
    assert iv_due(-5, phase=SessionPhase.PRE_INFUSION) is None
    # §5.1: every 15 min in recovery, from the later of the last reading and the stop.
    assert iv_due(45, phase=SessionPhase.RECOVERY, infusion_stopped_minute=40) == 60
    assert iv_due(35, phase=SessionPhase.RECOVERY, infusion_stopped_minute=40) == 55
    assert iv_due(None, phase=SessionPhase.RECOVERY, infusion_stopped_minute=40) == 55
    with pytest.raises(NotApplicable, match="Recovery needs"):
        iv_due(None, phase=SessionPhase.RECOVERY)
    with pytest.raises(NotApplicable, match="not a time"):
        iv_due(float("nan"))
    custom = MonitoringRules(recovery_interval_min=10)
    assert iv_due(45, phase=SessionPhase.RECOVERY, rules=custom) == 55


def test_esketamine_schedule_catches_the_40_minute_bp_check() -> None:
    # §10.3: BP ~40 min after dosing; otherwise every 15 min (§5.1 recovery interval).
    def due(last: float | None) -> float | None:
        return iv_due(last, route=Route.INTRANASAL)

    assert due(None) == 0
    assert due(0) == 15
    assert due(30) == 40
    assert due(40) == 55
    assert due(100) == 115


@given(
    route=st.sampled_from(Route),
    phase=st.sampled_from([SessionPhase.INFUSING, SessionPhase.RECOVERY]),
    last=st.floats(min_value=0, max_value=400, allow_nan=False),
    before=st.floats(min_value=0, max_value=400, allow_nan=False),
)
def test_the_next_reading_is_due_after_the_last_and_within_the_longest_interval(
    route: Route, phase: SessionPhase, last: float, before: float
) -> None:
    rules = MonitoringRules()
    due = vitals_due_minute(
        route=route,
        phase=phase,
        last_reading_minute=last,
        infusion_stopped_minute=min(last, before),
        rules=rules,
    )
    assert due is not None
    longest = max(
        rules.early_interval_min, rules.infusion_interval_min, rules.recovery_interval_min
    )
    assert last < due <= last + longest


def test_acknowledge_windows() -> None:
    assert acknowledge_within_min(AlarmLevel.WARNING) == 5
    assert acknowledge_within_min(AlarmLevel.CRITICAL) == 2
    assert (
        acknowledge_within_min(AlarmLevel.CRITICAL, MonitoringRules(critical_acknowledge_min=1))
        == 1
    )
    with pytest.raises(NotApplicable):
        acknowledge_within_min(AlarmLevel.NONE)


@pytest.mark.parametrize(
    ("changes", "phrase"),
    [
        ({"early_interval_min": 0}, "at least 1 minute"),
        ({"infusion_interval_min": -1}, "at least 1 minute"),
        ({"early_interval_min": 6}, "less often"),
        ({"infusion_interval_min": 20}, "less often"),
        ({"recovery_interval_min": 31}, "less often"),
        ({"early_period_min": 10}, "15–60"),
        ({"early_period_min": 90}, "15–60"),
        ({"esketamine_bp_check_min": 20}, "30–50"),
        ({"esketamine_bp_check_min": 60}, "30–50"),
        ({"critical_acknowledge_min": 0}, "1–15"),
        ({"warning_acknowledge_min": 20}, "1–15"),
        ({"critical_acknowledge_min": 6}, "critical no longer"),
    ],
)
def test_unsafe_monitoring_rules_are_refused(changes: dict[str, int], phrase: str) -> None:
    with pytest.raises(InvalidConfiguration, match=phrase):
        MonitoringRules(**changes)
