"""Measurement-based care: the baseline, change from it, response, remission, and the signals
that suggest stopping or a booster (CLINICAL.md §8, §9.1, §9.3)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from ketaclinic.medicine.errors import InvalidConfiguration, NotApplicable

# CLINICAL.md §9.3: "baseline = last score before infusion 1, within N days (configurable)".
# N = 30 is a [PRACTICE] design default (a score a month old still describes the episode being
# treated); a clinic may choose 1–90 days: older than a quarter of a year no longer describes
# the state infusion 1 started from [PRACTICE].
DEFAULT_BASELINE_WINDOW_DAYS = 30
MAX_BASELINE_WINDOW_DAYS = 90


@dataclass(frozen=True)
class OutcomeRules:
    """The clinic's outcome definitions (clinic rules section `outcomes`)."""

    baseline_window_days: int = DEFAULT_BASELINE_WINDOW_DAYS

    def __post_init__(self) -> None:
        if not 1 <= self.baseline_window_days <= MAX_BASELINE_WINDOW_DAYS:
            raise InvalidConfiguration(
                f"The baseline window must be 1–{MAX_BASELINE_WINDOW_DAYS} days (CLINICAL.md §9.3)."
            )

    @property
    def baseline_window(self) -> datetime.timedelta:
        return datetime.timedelta(days=self.baseline_window_days)


@dataclass(frozen=True)
class TimedScore:
    """A questionnaire total and when it was answered (an aware datetime)."""

    at: datetime.datetime
    total: int


def baseline_score(
    scores: Sequence[TimedScore],
    *,
    first_infusion_at: datetime.datetime,
    window_days: int = DEFAULT_BASELINE_WINDOW_DAYS,
) -> TimedScore | None:
    """The course's baseline (CLINICAL.md §9.3): the last score answered before infusion 1 and
    no more than `window_days` before it; None when there is none (the course is not measured).

    The one definition of a baseline: the patient's outcome page (care/course_outcome.py) calls
    it, and the dashboard (analytics/selectors/course_outcomes.py) states the same window in its
    query.
    """
    if window_days < 1:
        raise NotApplicable("The baseline window is at least one day (CLINICAL.md §9.3).")
    earliest = first_infusion_at - datetime.timedelta(days=window_days)
    before = sorted((s for s in scores if earliest <= s.at < first_infusion_at), key=lambda s: s.at)
    return before[-1] if before else None


def scores_after_infusions(
    scores: Sequence[TimedScore], infusions: Sequence[datetime.datetime]
) -> list[TimedScore]:
    """The score "after infusion k" for each infusion in turn (§8, §9.3): the latest score after
    infusion k and no later than infusion k + 1 (the next morning's pre-session score), or after
    the last infusion; the list stops at the first infusion with none."""
    ordered = sorted(scores, key=lambda score: score.at)
    starts = sorted(infusions)
    after: list[TimedScore] = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else None
        inside = [s for s in ordered if s.at > start and (end is None or s.at <= end)]
        if not inside:
            break
        after.append(inside[-1])
    return after


class OutcomeStatus(StrEnum):
    REMISSION = "remission"
    RESPONSE = "response"
    PARTIAL_RESPONSE = "partial_response"
    EARLY_IMPROVEMENT = "early_improvement"
    NO_IMPROVEMENT = "no_improvement"
    WORSENING = "worsening"


@dataclass(frozen=True)
class OutcomeRule:
    """Per instrument (§9.1, §9.3): fractions of improvement and the remission cut-off.

    `remission_at_or_below` is inclusive (PHQ-9 "< 5" is stored as ≤ 4).
    """

    response: Decimal
    partial_response: Decimal
    early_improvement: Decimal
    remission_at_or_below: int | None
    meaningful_rise: int  # points that count as a relapse signal (≈ the MCID)


_STANDARD = {
    "response": Decimal("0.50"),
    "partial_response": Decimal("0.25"),
    "early_improvement": Decimal("0.20"),
}

OUTCOME_RULES: dict[str, OutcomeRule] = {
    # PHQ-9: remission < 5 (HEDIS); MCID ~5 points.
    "phq9": OutcomeRule(**_STANDARD, remission_at_or_below=4, meaningful_rise=5),
    # GAD-7: remission < 5; MCID ~4.
    "gad7": OutcomeRule(**_STANDARD, remission_at_or_below=4, meaningful_rise=4),
    # MADRS: remission ≤ 10 (≤ 12 in esketamine trials; configurable).
    "madrs": OutcomeRule(**_STANDARD, remission_at_or_below=10, meaningful_rise=6),
    # QIDS-SR16: remission ≤ 5 (STAR*D).
    "qids_sr16": OutcomeRule(**_STANDARD, remission_at_or_below=5, meaningful_rise=3),
    # Y-BOCS: response ≥ 35%, partial 25–35%, remission ≤ 12.
    "ybocs": OutcomeRule(
        response=Decimal("0.35"),
        partial_response=Decimal("0.25"),
        early_improvement=Decimal("0.20"),
        remission_at_or_below=12,
        meaningful_rise=5,
    ),
    # PCL-5: 10-point drop meaningful; below the 33 threshold counted as remission here.
    "pcl5": OutcomeRule(**_STANDARD, remission_at_or_below=32, meaningful_rise=10),
    # Pain NRS: ≥ 30% moderately important ("partial"), ≥ 50% substantial (IMMPACT).
    "pain_nrs": OutcomeRule(
        response=Decimal("0.50"),
        partial_response=Decimal("0.30"),
        early_improvement=Decimal("0.20"),
        remission_at_or_below=None,
        meaningful_rise=2,
    ),
}


def outcome_rule(instrument: str) -> OutcomeRule:
    if instrument not in OUTCOME_RULES:
        raise NotApplicable(f"No response or remission rule for {instrument!r}.")
    return OUTCOME_RULES[instrument]


def percent_change(*, baseline: int, current: int) -> Decimal:
    """(baseline − current) / baseline as a fraction: positive = improvement (§9.3)."""
    if baseline <= 0:
        raise NotApplicable(
            "A baseline of 0 has no room to improve; response cannot be measured from it."
        )
    return (Decimal(baseline - current) / Decimal(baseline)).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )


def classify_outcome(*, instrument: str, baseline: int, current: int) -> OutcomeStatus:
    rule = outcome_rule(instrument)
    change = percent_change(baseline=baseline, current=current)
    if rule.remission_at_or_below is not None and current <= rule.remission_at_or_below:
        return OutcomeStatus.REMISSION
    if change >= rule.response:
        return OutcomeStatus.RESPONSE
    if change >= rule.partial_response:
        return OutcomeStatus.PARTIAL_RESPONSE
    if change >= rule.early_improvement:
        return OutcomeStatus.EARLY_IMPROVEMENT
    if change < 0:
        return OutcomeStatus.WORSENING
    return OutcomeStatus.NO_IMPROVEMENT


# "Responded" = response or remission (§9.3): a remitter has responded, whatever the fraction.
RESPONDED = frozenset({OutcomeStatus.RESPONSE, OutcomeStatus.REMISSION})


def highest_responding_score(*, instrument: str, baseline: int) -> int | None:
    """The highest total `classify_outcome` still calls response or remission from `baseline`
    (§9.1, §9.3); None when no total is (a baseline of 0 has no room to improve).

    Both sets are downward closed (a lower total is never a worse outcome), so every total up
    to this one responds and none above it does: a query can compare totals with it.
    """
    rule = outcome_rule(instrument)
    if baseline <= 0:
        return None
    highest = None
    for total in range(0, max(baseline, rule.remission_at_or_below or 0) + 1):
        if classify_outcome(instrument=instrument, baseline=baseline, current=total) in RESPONDED:
            highest = total
        else:
            break
    return highest


def infusions_to_response(
    *,
    instrument: str,
    baseline: int,
    scores: Sequence[TimedScore],
    infusions: Sequence[datetime.datetime],
) -> int | None:
    """Infusions to response (§8, §9.3): how many infusions had started before the first score
    after infusion 1 that is a response or remission from `baseline`; None when no score is.

    The first such score counts, even if a later one is not (the response was reached; the
    course's status is its latest score's), and a gap without a score does not hide a later
    response. A score answered at or before infusion k + 1 starts (that morning's pre-session
    score) counts for infusion k, as in `scores_after_infusions`.

    The one definition: the patient's outcome page (care/course_outcome.py) calls it, and the
    dashboard (analytics/selectors/course_outcomes.py) states the same rule in its query,
    comparing totals with `highest_responding_score`.
    """
    starts = sorted(infusions)
    highest = highest_responding_score(instrument=instrument, baseline=baseline)
    if not starts or highest is None:
        return None
    first = next(
        (
            score
            for score in sorted(scores, key=lambda score: score.at)
            if score.at > starts[0] and score.total <= highest
        ),
        None,
    )
    if first is None:
        return None
    return sum(1 for start in starts if start < first.at)


class CourseSignal(StrEnum):
    CONTINUE = "continue"
    CONSIDER_STOPPING = "consider_stopping"
    TOO_EARLY = "too_early"


@dataclass(frozen=True)
class EarlySignal:
    signal: CourseSignal
    reason: str


def early_non_improvement(
    *, instrument: str, baseline: int, scores_after_infusions: Sequence[int], review_at: int = 4
) -> EarlySignal:
    """The stop rule of CLINICAL.md §8: < 20% improvement at the review (infusion 3–4), or three
    consecutive scores without improvement by infusion 3, signals overall non-response.

    `scores_after_infusions[k]` is the score measured after infusion k + 1.
    """
    rule = outcome_rule(instrument)
    if not 3 <= review_at <= 4:
        raise NotApplicable("The review point is infusion 3 or 4 (CLINICAL.md §8).")
    changes = [percent_change(baseline=baseline, current=score) for score in scores_after_infusions]
    if len(changes) >= 3 and all(change < rule.early_improvement for change in changes[:3]):
        return EarlySignal(
            CourseSignal.CONSIDER_STOPPING,
            "No ≥ 20% improvement after any of the first 3 infusions: further infusions rarely "
            "help (CLINICAL.md §8). Review with the physician.",
        )
    if len(changes) < review_at:
        return EarlySignal(CourseSignal.TOO_EARLY, f"Review after infusion {review_at}.")
    latest = changes[review_at - 1]
    if latest < rule.early_improvement:
        return EarlySignal(
            CourseSignal.CONSIDER_STOPPING,
            f"{latest:.0%} improvement at infusion {review_at}, under 20%: consider stopping.",
        )
    return EarlySignal(CourseSignal.CONTINUE, f"{latest:.0%} improvement at infusion {review_at}.")


@dataclass(frozen=True)
class RelapseSignal:
    suggests_booster: bool
    reason: str


def relapse_signal(*, instrument: str, best_score: int, latest_score: int) -> RelapseSignal:
    """A booster is suggested when the score rises by a meaningful amount above the best score
    since the course, or leaves remission (CLINICAL.md §8 booster plan; §9.1 MCIDs)."""
    rule = outcome_rule(instrument)
    rise = latest_score - best_score
    left_remission = (
        rule.remission_at_or_below is not None
        and best_score <= rule.remission_at_or_below < latest_score
    )
    if rise >= rule.meaningful_rise or left_remission:
        why = "no longer in remission" if left_remission else f"up {rise} points from its best"
        return RelapseSignal(
            True, f"{instrument} score {latest_score} is {why}: consider a booster."
        )
    return RelapseSignal(False, f"{instrument} score {latest_score} is within {rise} of its best.")
