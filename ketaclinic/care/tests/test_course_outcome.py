"""Course outcomes from worked examples (CLINICAL.md §8, §9.3), and properties."""

from __future__ import annotations

import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.care.course_outcome import (
    Score,
    course_outcome,
    median_infusions_to_response,
    scores_after_infusions,
)
from ketaclinic.medicine.outcomes import CourseSignal, OutcomeStatus

DAY0 = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)


def at(days: float) -> datetime.datetime:
    return DAY0 + datetime.timedelta(days=days)


def history(totals: list[int]) -> tuple[list[Score], list[datetime.datetime]]:
    """totals[0] the day before infusion 1; totals[k] the morning of infusion k + 1 (or three
    days after the last infusion)."""
    infusions = [at(3 * k) for k in range(len(totals) - 1)]
    scores = [Score(at(3 * k - 0.1), total) for k, total in enumerate(totals)]
    return scores, infusions


def outcome(totals: list[int], instrument: str = "phq9"):
    scores, infusions = history(totals)
    return course_outcome(instrument=instrument, scores=scores, infusions=infusions)


def test_remitter_21_to_4_is_remission_reached_at_the_fifth_infusion() -> None:
    result = outcome([21, 17, 13, 10, 8, 6, 4])
    assert result.baseline is not None
    assert result.baseline.total == 21
    assert result.latest is not None
    assert result.latest.total == 4
    assert result.change_points == 17
    assert result.change_fraction == Decimal("0.8095")
    assert result.status == OutcomeStatus.REMISSION
    # 21 × 0.5 = 10.5: the score after infusion 3 (10) is the first response.
    assert result.infusions_to_response == 3
    assert result.response_threshold == Decimal("10.5")
    assert result.early is not None
    assert result.early.signal == CourseSignal.CONTINUE


def test_twenty_one_to_six_is_a_response_not_remission_phq9_remission_is_under_5() -> None:
    assert outcome([21, 15, 11, 9, 7, 6, 6]).status == OutcomeStatus.RESPONSE


def test_responder_19_to_9() -> None:
    result = outcome([19, 16, 14, 12, 10, 9, 9])
    assert result.status == OutcomeStatus.RESPONSE
    assert result.change_points == 10
    assert result.infusions_to_response == 5  # 9 ≤ 9.5


def test_partial_responder_20_to_14() -> None:
    result = outcome([20, 18, 16, 15, 14, 14, 14])
    assert result.status == OutcomeStatus.PARTIAL_RESPONSE
    assert result.infusions_to_response is None


def test_non_responder_is_flagged_after_three_infusions_without_20_percent() -> None:
    result = outcome([20, 19, 18, 18, 19])
    assert result.status == OutcomeStatus.NO_IMPROVEMENT
    assert result.early is not None
    assert result.early.signal == CourseSignal.CONSIDER_STOPPING


def test_relapse_after_maintenance_suggests_a_booster() -> None:
    result = outcome([22, 15, 10, 7, 5, 4, 4, 9])
    assert result.relapse is not None
    assert result.relapse.suggests_booster
    assert result.status == OutcomeStatus.RESPONSE  # 9 from 22 is still ≥ 50% better


def test_no_infusion_yet_has_no_baseline() -> None:
    result = course_outcome(instrument="phq9", scores=[Score(at(0), 18)], infusions=[])
    assert result.status is None
    assert "No infusion" in result.status_note


def test_a_baseline_older_than_the_window_does_not_count() -> None:
    result = course_outcome(
        instrument="phq9", scores=[Score(at(-40), 18), Score(at(2), 9)], infusions=[at(0)]
    )
    assert result.baseline is None
    assert "no baseline" in result.status_note


def test_baseline_zero_and_no_score_since_infusion_one_have_no_status() -> None:
    zero = course_outcome(
        instrument="phq9", scores=[Score(at(-1), 0), Score(at(2), 3)], infusions=[at(0)]
    )
    assert zero.status is None
    assert "no room" in zero.status_note
    waiting = course_outcome(instrument="phq9", scores=[Score(at(-1), 18)], infusions=[at(0)])
    assert waiting.status is None
    assert waiting.baseline is not None


def test_scores_after_infusions_stop_at_the_first_gap() -> None:
    infusions = [at(0), at(3), at(6)]
    scores = [Score(at(-1), 20), Score(at(2.9), 15), Score(at(7), 10)]  # none between 3 and 6
    assert [s.total for s in scores_after_infusions(scores, infusions)] == [15]


def test_median_infusions_to_response_over_courses() -> None:
    assert median_infusions_to_response([outcome([20, 9, 9]), outcome([20, 15, 12, 9, 9])]) == 2
    assert median_infusions_to_response([outcome([20, 19, 19])]) is None


@given(st.lists(st.integers(min_value=0, max_value=27), min_size=2, max_size=12))
def test_the_status_is_medicines_for_baseline_and_latest(totals: list[int]) -> None:
    result = outcome(totals)
    if totals[0] == 0:
        assert result.status is None
    else:
        assert result.change_points == totals[0] - totals[-1]
        assert result.status is not None
        if result.infusions_to_response is not None:
            assert 1 <= result.infusions_to_response <= len(totals) - 1
