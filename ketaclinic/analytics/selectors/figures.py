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
    _course_outcomes,
    _course_rows,
    _outcomes,
)
from ketaclinic.analytics.selectors.throughput import (
    StageCount,
    _active_by_stage,
    _booked_chair_minutes,
    _given_in_period,
    _no_shows,
    _open_chair_minutes,
)
from ketaclinic.charting.models import SessionAlarm, SideEffect, TreatmentSession
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
    """Every figure on the dashboard, for one clinic and period (12 queries whatever the size)."""
    courses = _course_rows(filters)
    groups, overall, induction, to_response = _outcomes(courses, _course_outcomes(filters, courses))
    infusions = TreatmentSession.objects.filter(_given_in_period(filters)).count()
    side_effects = SideEffect.objects.filter(
        session__in=TreatmentSession.objects.filter(_given_in_period(filters)).values("pk")
    ).count()
    alarms = SessionAlarm.objects.filter(
        session__in=TreatmentSession.objects.filter(_given_in_period(filters)).values("pk")
    ).count()
    return DashboardFigures(
        filters=filters,
        active_by_stage=_active_by_stage(filters.clinic),
        cohort_courses=len(courses),
        induction_completion=induction,
        outcomes=groups,
        outcomes_overall=overall,
        median_infusions_to_response=_median(to_response),
        responders_with_infusion_count=len(to_response),
        infusions_given=infusions,
        side_effects=Rate(side_effects, infusions),
        alarms=Rate(alarms, infusions),
        no_shows=_no_shows(filters),
        chair_utilisation=Rate(_booked_chair_minutes(filters), _open_chair_minutes(filters)),
        baseline_window_days=clinic_rules_get(clinic=filters.clinic).outcomes.baseline_window_days,
        outcome_rule=outcome_rule(OUTCOME_INSTRUMENT),
    )
