"""Response, remission and the course signals (CLINICAL.md §8, §9.3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.medicine.errors import NotApplicable
from ketaclinic.medicine.outcomes import (
    CourseSignal,
    OutcomeStatus,
    classify_outcome,
    early_non_improvement,
    percent_change,
    relapse_signal,
)


def test_percent_change_is_improvement_from_baseline() -> None:
    assert percent_change(baseline=20, current=10) == Decimal("0.5000")
    assert percent_change(baseline=20, current=25) == Decimal("-0.2500")


def test_a_zero_baseline_cannot_measure_response() -> None:
    with pytest.raises(NotApplicable, match="baseline of 0"):
        percent_change(baseline=0, current=0)


@pytest.mark.parametrize(
    ("instrument", "baseline", "current", "status"),
    [
        ("phq9", 20, 4, OutcomeStatus.REMISSION),
        ("phq9", 20, 10, OutcomeStatus.RESPONSE),
        ("phq9", 20, 15, OutcomeStatus.PARTIAL_RESPONSE),
        ("phq9", 20, 16, OutcomeStatus.EARLY_IMPROVEMENT),
        ("phq9", 20, 18, OutcomeStatus.NO_IMPROVEMENT),
        ("phq9", 20, 22, OutcomeStatus.WORSENING),
        ("madrs", 32, 10, OutcomeStatus.REMISSION),
        ("madrs", 32, 16, OutcomeStatus.RESPONSE),
        ("ybocs", 30, 19, OutcomeStatus.RESPONSE),  # ≥ 35% for Y-BOCS
        ("ybocs", 30, 21, OutcomeStatus.PARTIAL_RESPONSE),
        ("qids_sr16", 18, 5, OutcomeStatus.REMISSION),
        ("pain_nrs", 8, 5, OutcomeStatus.PARTIAL_RESPONSE),  # ≥ 30% moderately important
    ],
)
def test_classifies_by_the_instruments_own_rule(
    instrument: str, baseline: int, current: int, status: OutcomeStatus
) -> None:
    assert classify_outcome(instrument=instrument, baseline=baseline, current=current) == status


def test_an_instrument_without_a_rule_is_refused() -> None:
    with pytest.raises(NotApplicable, match="No response or remission rule"):
        classify_outcome(instrument="moaa_s", baseline=5, current=5)


def test_three_non_improvements_by_infusion_3_suggest_stopping() -> None:
    signal = early_non_improvement(
        instrument="madrs", baseline=30, scores_after_infusions=[29, 28, 27]
    )
    assert signal.signal == CourseSignal.CONSIDER_STOPPING


def test_under_20_percent_at_infusion_4_suggests_stopping() -> None:
    signal = early_non_improvement(
        instrument="madrs", baseline=30, scores_after_infusions=[22, 26, 27, 26]
    )
    assert signal.signal == CourseSignal.CONSIDER_STOPPING
    assert "infusion 4" in signal.reason


def test_improvement_at_the_review_continues_and_early_is_too_early() -> None:
    assert (
        early_non_improvement(
            instrument="madrs", baseline=30, scores_after_infusions=[22, 20, 18, 15]
        ).signal
        == CourseSignal.CONTINUE
    )
    assert (
        early_non_improvement(instrument="madrs", baseline=30, scores_after_infusions=[22]).signal
        == CourseSignal.TOO_EARLY
    )
    with pytest.raises(NotApplicable, match="infusion 3 or 4"):
        early_non_improvement(
            instrument="madrs", baseline=30, scores_after_infusions=[], review_at=6
        )


def test_a_meaningful_rise_or_leaving_remission_suggests_a_booster() -> None:
    assert relapse_signal(
        instrument="phq9", best_score=3, latest_score=6
    ).suggests_booster  # left remission
    assert relapse_signal(instrument="phq9", best_score=8, latest_score=13).suggests_booster  # +5
    assert not relapse_signal(instrument="phq9", best_score=8, latest_score=10).suggests_booster


@given(baseline=st.integers(1, 27), current=st.integers(0, 27))
def test_change_is_between_minus_26_and_1(baseline: int, current: int) -> None:
    change = percent_change(baseline=baseline, current=current)
    assert Decimal(-26) <= change <= 1
    status = classify_outcome(instrument="phq9", baseline=baseline, current=current)
    if current <= 4:
        assert status == OutcomeStatus.REMISSION
