"""Measurement-based care: change from baseline, response, remission, and the signals that
suggest stopping or a booster (CLINICAL.md §8, §9.1, §9.3)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from ketaclinic.medicine.errors import NotApplicable


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
