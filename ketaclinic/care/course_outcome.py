"""One course's outcome on one instrument, from its scores and infusions (CLINICAL.md §8, §9.3).

Pure: plain values in, a frozen dataclass out; every judgement is `medicine/outcomes.py`'s
(baseline_score, classify_outcome, early_non_improvement, relapse_signal). This module only lines
the scores up against the infusions:
- baseline = `medicine.outcomes.baseline_score`: the last score before infusion 1, within the
  clinic's baseline window (clinic rules `outcomes.baseline_window_days`, §9.3);
- the score "after infusion k" = `medicine.outcomes.scores_after_infusions`: the latest score
  after infusion k and before infusion k + 1 (the next morning's pre-session score), or after
  the last infusion;
- infusions to response = `medicine.outcomes.infusions_to_response`: the infusions started before
  the first score after infusion 1 that is a response or remission (the dashboard counts the same).
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from ketaclinic.medicine.outcomes import (
    DEFAULT_BASELINE_WINDOW_DAYS,
    OUTCOME_RULES,
    EarlySignal,
    OutcomeStatus,
    RelapseSignal,
    TimedScore,
    baseline_score,
    classify_outcome,
    early_non_improvement,
    infusions_to_response,
    outcome_rule,
    percent_change,
    relapse_signal,
    scores_after_infusions,
)

Score = TimedScore  # a questionnaire total and when it was answered


@dataclass(frozen=True)
class CourseOutcome:
    instrument: str
    infusions: int
    baseline: Score | None
    latest: Score | None
    change_points: int | None  # baseline − latest: positive = better
    change_fraction: Decimal | None  # (baseline − latest) / baseline
    status: OutcomeStatus | None
    status_note: str  # why there is no status, when there is none
    early: EarlySignal | None
    relapse: RelapseSignal | None
    infusions_to_response: int | None
    response_threshold: Decimal | None  # scores at or below this are a response
    remission_at_or_below: int | None

    @property
    def status_label(self) -> str:
        return self.status.value.replace("_", " ").capitalize() if self.status else ""

    @property
    def change_percent(self) -> Decimal | None:
        return None if self.change_fraction is None else self.change_fraction * 100


def has_outcome_rule(instrument: str) -> bool:
    return instrument in OUTCOME_RULES


def course_outcome(
    *,
    instrument: str,
    scores: Sequence[Score],
    infusions: Sequence[datetime.datetime],
    baseline_window_days: int = DEFAULT_BASELINE_WINDOW_DAYS,
) -> CourseOutcome:
    """Baseline, latest, change, status and signals of one course on one instrument."""
    rule = outcome_rule(instrument)
    ordered = sorted(scores, key=lambda score: score.at)
    starts = sorted(infusions)
    latest = ordered[-1] if ordered else None
    empty = CourseOutcome(
        instrument=instrument,
        infusions=len(starts),
        baseline=None,
        latest=latest,
        change_points=None,
        change_fraction=None,
        status=None,
        status_note="",
        early=None,
        relapse=None,
        infusions_to_response=None,
        response_threshold=None,
        remission_at_or_below=rule.remission_at_or_below,
    )
    if not starts:
        return _with(empty, status_note="No infusion given yet: the baseline is not fixed.")
    first = starts[0]
    baseline = baseline_score(ordered, first_infusion_at=first, window_days=baseline_window_days)
    if baseline is None:
        return _with(
            empty,
            status_note=(
                f"No score in the {baseline_window_days} days before infusion 1: no baseline."
            ),
        )
    threshold = (Decimal(baseline.total) * (1 - rule.response)).quantize(Decimal("0.1"))
    after = scores_after_infusions(ordered, starts)
    base = _with(empty, baseline=baseline, response_threshold=threshold)
    if baseline.total <= 0:
        return _with(base, status_note="A baseline of 0 leaves no room to improve.")
    if latest is None or latest.at <= first:
        return _with(base, status_note="No score since infusion 1 yet.")
    status = classify_outcome(instrument=instrument, baseline=baseline.total, current=latest.total)
    early = early_non_improvement(
        instrument=instrument,
        baseline=baseline.total,
        scores_after_infusions=[s.total for s in after],
    )
    since = [s for s in ordered if s.at > first]
    best = min(s.total for s in since)
    relapse = relapse_signal(instrument=instrument, best_score=best, latest_score=latest.total)
    to_response = infusions_to_response(
        instrument=instrument, baseline=baseline.total, scores=ordered, infusions=starts
    )
    return _with(
        base,
        change_points=baseline.total - latest.total,
        change_fraction=percent_change(baseline=baseline.total, current=latest.total),
        status=status,
        early=early,
        relapse=relapse,
        infusions_to_response=to_response,
    )


def _with(outcome: CourseOutcome, **changes: object) -> CourseOutcome:
    return replace(outcome, **changes)  # type: ignore[arg-type]  # replace checks the field names


def median_infusions_to_response(outcomes: Sequence[CourseOutcome]) -> Decimal | None:
    """Median over the courses that reached a response (None when none did)."""
    reached = [o.infusions_to_response for o in outcomes if o.infusions_to_response is not None]
    if not reached:
        return None
    return Decimal(str(statistics.median(reached)))


__all__ = [
    "CourseOutcome",
    "Score",
    "course_outcome",
    "has_outcome_rule",
    "median_infusions_to_response",
    "scores_after_infusions",
]
