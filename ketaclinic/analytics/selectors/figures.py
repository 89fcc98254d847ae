"""Every figure on the dashboard, for one clinic and period."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from ketaclinic.analytics.selectors.common import DashboardFilters, Rate
from ketaclinic.analytics.selectors.course_outcomes import (
    OUTCOME_INSTRUMENT,
    OutcomeGroup,
    cohort_outcomes,
)
from ketaclinic.analytics.selectors.throughput import (
    StageCount,
    _active_by_stage,
    _activity,
    _attendance,
    _open_chair_minutes,
)
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.medicine.medications import plain_decimal
from ketaclinic.medicine.outcomes import OutcomeRule, outcome_rule


@dataclass(frozen=True)
class DashboardFigures:
    filters: DashboardFilters
    active_by_stage: tuple[StageCount, ...]
    cohort_courses: int
    induction_completion: Rate
    outcomes: tuple[OutcomeGroup, ...]
    outcomes_overall: OutcomeGroup
    median_infusions_to_response: Decimal | None
    responders_with_infusion_count: int  # measured courses that reached a response
    infusions_given: int
    side_effects: Rate  # per 100 infusions
    alarms: Rate  # per 100 infusions
    no_shows: Rate
    chair_utilisation: Rate  # booked chair minutes / open chair minutes, as a percentage
    baseline_window_days: int  # the clinic's outcome rule the baselines were read with
    outcome_rule: OutcomeRule  # medicine's PHQ-9 response and remission rule, stated on the page
    notes: tuple[str, ...] = field(default=())

    @property
    def active_patients(self) -> int:
        return sum(stage.patients for stage in self.active_by_stage)

    @property
    def response_percent(self) -> str:
        """The response rule's improvement as a percentage ("50")."""
        return plain_decimal(self.outcome_rule.response * 100)


def _median(values: Iterable[int]) -> Decimal | None:
    values = list(values)
    if not values:
        return None
    return Decimal(str(statistics.median(values))).quantize(Decimal("0.1"))


def dashboard_figures(*, filters: DashboardFilters) -> DashboardFigures:
    """Every figure on the dashboard, for one clinic and period: 12 queries whatever the size,
    4 more when some courses' summaries cannot answer the period (`course_outcomes`)."""
    cohort = cohort_outcomes(filters)
    activity = _activity(filters)
    attendance = _attendance(filters)
    return DashboardFigures(
        filters=filters,
        active_by_stage=_active_by_stage(filters.clinic),
        cohort_courses=cohort.courses,
        induction_completion=cohort.induction_completion,
        outcomes=cohort.groups,
        outcomes_overall=cohort.overall,
        median_infusions_to_response=_median(cohort.infusions_to_response),
        responders_with_infusion_count=len(cohort.infusions_to_response),
        infusions_given=activity.infusions_given,
        side_effects=Rate(activity.side_effects, activity.infusions_given),
        alarms=Rate(activity.alarms, activity.infusions_given),
        no_shows=attendance.no_shows,
        chair_utilisation=Rate(attendance.booked_chair_minutes, _open_chair_minutes(filters)),
        baseline_window_days=clinic_rules_get(clinic=filters.clinic).outcomes.baseline_window_days,
        outcome_rule=outcome_rule(OUTCOME_INSTRUMENT),
    )
