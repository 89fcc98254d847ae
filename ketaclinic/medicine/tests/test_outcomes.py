"""Response, remission and the course signals (CLINICAL.md §8, §9.3)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.medicine.errors import InvalidConfiguration, NotApplicable
from ketaclinic.medicine.outcomes import (
    DEFAULT_BASELINE_WINDOW_DAYS,
    RESPONDED,
    CourseSignal,
    OutcomeRules,
    OutcomeStatus,
    TimedScore,
    baseline_score,
    classify_outcome,
    early_non_improvement,
    highest_responding_score,
    infusions_to_response,
    percent_change,
    relapse_signal,
    scores_after_infusions,
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


# --- the baseline (§9.3: last score before infusion 1, within N days, configurable) -----------

INFUSION_1 = datetime.datetime(2025, 3, 10, 9, 0, tzinfo=datetime.UTC)


def days_before(days: float, total: int) -> TimedScore:
    return TimedScore(INFUSION_1 - datetime.timedelta(days=days), total)


def test_the_baseline_is_the_last_score_before_infusion_1_within_the_window() -> None:
    scores = [days_before(20, 19), days_before(1, 18), days_before(-2, 9)]  # the last is after
    assert baseline_score(scores, first_infusion_at=INFUSION_1) == days_before(1, 18)
    assert DEFAULT_BASELINE_WINDOW_DAYS == 30


def test_a_score_older_than_the_window_is_no_baseline() -> None:
    old = [days_before(31, 19)]
    assert baseline_score(old, first_infusion_at=INFUSION_1) is None
    assert baseline_score(old, first_infusion_at=INFUSION_1, window_days=45) == old[0]
    edge = [days_before(30, 19)]  # exactly 30 days before: still inside
    assert baseline_score(edge, first_infusion_at=INFUSION_1) == edge[0]
    at_start = [TimedScore(INFUSION_1, 19)]  # answered as the infusion started: not before it
    assert baseline_score(at_start, first_infusion_at=INFUSION_1) is None
    with pytest.raises(NotApplicable, match="at least one day"):
        baseline_score(old, first_infusion_at=INFUSION_1, window_days=0)


def test_the_clinics_baseline_window_is_1_to_90_days() -> None:
    assert OutcomeRules().baseline_window == datetime.timedelta(days=30)
    assert OutcomeRules(baseline_window_days=90).baseline_window_days == 90
    for unsafe in (0, 91):
        with pytest.raises(InvalidConfiguration, match="1–90 days"):
            OutcomeRules(baseline_window_days=unsafe)


@given(
    offsets=st.lists(st.floats(-60, 60, allow_nan=False), max_size=8),
    window_days=st.integers(1, 90),
)
def test_the_baseline_is_the_latest_score_inside_the_window(
    offsets: list[float], window_days: int
) -> None:
    scores = [days_before(offset, index) for index, offset in enumerate(offsets)]
    found = baseline_score(scores, first_infusion_at=INFUSION_1, window_days=window_days)
    window = datetime.timedelta(days=window_days)
    inside = [s for s in scores if INFUSION_1 - window <= s.at < INFUSION_1]
    if found is None:
        assert inside == []
    else:
        assert found in inside
        assert all(s.at <= found.at for s in inside)
        # A wider window never loses the baseline a narrower one found.
        assert baseline_score(scores, first_infusion_at=INFUSION_1, window_days=90) is not None


def test_the_score_after_each_infusion_is_the_latest_before_the_next() -> None:
    infusions = [INFUSION_1 + datetime.timedelta(days=d) for d in (0, 2, 4)]
    scores = [
        days_before(1, 20),  # the baseline: before infusion 1, after none
        days_before(-1, 16),
        days_before(-1.9, 15),  # the next morning's pre-session score: after infusion 1
        days_before(-3.9, 12),  # after infusion 2
    ]
    assert [s.total for s in scores_after_infusions(scores, infusions)] == [15, 12]
    assert scores_after_infusions(scores, []) == []


@given(offsets=st.lists(st.floats(-30, 30, allow_nan=False), max_size=8))
def test_each_score_after_an_infusion_lies_between_it_and_the_next(offsets: list[float]) -> None:
    infusions = [INFUSION_1 + datetime.timedelta(days=d) for d in (0, 3, 6)]
    scores = [days_before(offset, index) for index, offset in enumerate(offsets)]
    after = scores_after_infusions(scores, infusions)
    assert len(after) <= len(infusions)
    for index, score in enumerate(after):
        end = infusions[index + 1] if index + 1 < len(infusions) else None
        assert infusions[index] < score.at
        assert end is None or score.at <= end


# --- infusions to response (§8, §9.3: infusions given before the first responding score) -----

THREE_INFUSIONS = [INFUSION_1 + datetime.timedelta(days=d) for d in (0, 2, 4)]


def after_infusion_1(days: float, total: int) -> TimedScore:
    return TimedScore(INFUSION_1 + datetime.timedelta(days=days), total)


def to_response(scores: list[TimedScore], baseline: int = 20) -> int | None:
    return infusions_to_response(
        instrument="phq9", baseline=baseline, scores=scores, infusions=THREE_INFUSIONS
    )


def test_infusions_to_response_counts_infusions_before_the_first_responding_score() -> None:
    # 20 → 10 is a 50% drop: response, in the morning before infusion 3 (after 2 infusions).
    assert to_response([after_infusion_1(1, 15), after_infusion_1(3.9, 10)]) == 2
    assert to_response([after_infusion_1(1, 15), after_infusion_1(3.9, 11)]) is None


def test_a_response_reached_then_lost_still_counts_and_a_gap_does_not_hide_one() -> None:
    # Response the evening after infusion 2, not sustained the next morning.
    assert to_response([after_infusion_1(2.4, 9), after_infusion_1(3.9, 12)]) == 2
    # No score between infusions 1 and 2; response after infusion 3.
    assert to_response([after_infusion_1(5, 8)]) == 3


def test_the_pre_session_score_counts_for_the_infusion_before() -> None:
    at_infusion_2 = [TimedScore(THREE_INFUSIONS[1], 9)]  # answered as infusion 2 starts
    assert to_response(at_infusion_2) == 1
    at_infusion_1 = [TimedScore(INFUSION_1, 9)]  # not after infusion 1: the baseline's time
    assert to_response(at_infusion_1) is None


def test_no_infusion_or_no_room_to_improve_has_no_infusions_to_response() -> None:
    scores = [after_infusion_1(1, 0)]
    assert to_response(scores, baseline=0) is None
    assert (
        infusions_to_response(instrument="phq9", baseline=20, scores=scores, infusions=[]) is None
    )
    # PHQ-9 remission (< 5) counts as responded even from a low baseline.
    assert highest_responding_score(instrument="phq9", baseline=3) == 4
    assert to_response([after_infusion_1(1, 4)], baseline=3) == 1


@given(
    instrument=st.sampled_from(["phq9", "ybocs", "pcl5", "pain_nrs"]),
    baseline=st.integers(0, 80),
    current=st.integers(0, 80),
)
def test_the_highest_responding_score_splits_totals_as_classify_does(
    instrument: str, baseline: int, current: int
) -> None:
    highest = highest_responding_score(instrument=instrument, baseline=baseline)
    if baseline == 0:
        assert highest is None
        return
    status = classify_outcome(instrument=instrument, baseline=baseline, current=current)
    assert (status in RESPONDED) == (highest is not None and current <= highest)


@given(totals=st.lists(st.integers(0, 27), min_size=1, max_size=3), baseline=st.integers(1, 27))
def test_with_one_score_after_each_infusion_it_is_the_first_responding_one(
    totals: list[int], baseline: int
) -> None:
    """With a score after every infusion, the definition is the first k whose score after
    infusion k (`scores_after_infusions`) responds."""
    scores = [after_infusion_1(2 * k + 1, total) for k, total in enumerate(totals)]
    after = scores_after_infusions(scores, THREE_INFUSIONS)
    first_k = next(
        (
            k
            for k, score in enumerate(after, start=1)
            if classify_outcome(instrument="phq9", baseline=baseline, current=score.total)
            in RESPONDED
        ),
        None,
    )
    assert to_response(scores, baseline=baseline) == first_k
