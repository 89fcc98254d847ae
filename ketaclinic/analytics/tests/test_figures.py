"""The dashboard's figures from a known month (analytics/tests/support.py), exactly."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.analytics.selectors import (
    Rate,
    dashboard_figures,
    figures_csv_rows,
    response_threshold,
)
from ketaclinic.analytics.tests.support import known_month, march_clinic, march_filters
from ketaclinic.medicine.outcomes import OutcomeStatus, classify_outcome
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def test_figures_of_the_known_month(personas: Personas) -> None:
    known_month(personas)
    figures = dashboard_figures(filters=march_filters(personas))

    stages = {stage.status: stage.patients for stage in figures.active_by_stage}
    assert stages == {"planned": 0, "induction": 1, "extended": 0, "maintenance": 1}
    assert figures.active_patients == 2
    assert figures.cohort_courses == 3  # A, B, C; not D (February) nor E (clinic B)
    assert figures.induction_completion == Rate(1, 2)  # A reached 6; B stopped at 3
    assert figures.induction_completion.value == Decimal("50.0")

    groups = {(g.indication, g.protocol_key): g for g in figures.outcomes}
    depression = groups[("trd", "iv-ketamine-depression@1")]
    assert (depression.courses, depression.responded, depression.remitted) == (
        2,
        Rate(1, 2),
        Rate(1, 2),
    )
    ptsd = groups[("ptsd", "iv-ketamine-ptsd@1")]
    assert (ptsd.courses, ptsd.responded, ptsd.remitted) == (1, Rate(1, 1), Rate(0, 1))
    assert figures.outcomes_overall.responded == Rate(2, 3)
    assert figures.outcomes_overall.responded.value == Decimal("66.7")
    assert figures.outcomes_overall.remitted.value == Decimal("33.3")

    # A responded after 2 infusions, C after 1.
    assert figures.median_infusions_to_response == Decimal("1.5")
    assert figures.responders_with_infusion_count == 2

    assert figures.infusions_given == 11  # 6 + 3 + 2; C's treatment not given is no infusion
    assert figures.side_effects == Rate(3, 11)
    assert figures.side_effects.value == Decimal("27.3")
    assert figures.alarms == Rate(1, 11)
    assert figures.alarms.value == Decimal("9.1")
    assert figures.no_shows == Rate(1, 13)
    # 13 chair bookings of 90 min (the cancelled one freed its chair) over 20 open weekdays
    # (21 in March 2025, less the closure on the 31st) × 8 h × 1 chair.
    assert figures.chair_utilisation == Rate(13 * 90, 20 * 8 * 60)
    assert figures.chair_utilisation.value == Decimal("12.2")


def test_a_score_after_the_period_is_not_the_latest(personas: Personas) -> None:
    known_month(personas)
    filters = march_filters(personas)
    shorter = type(filters)(
        clinic=filters.clinic,
        first_day=filters.first_day,
        last_day=filters.last_day.replace(day=19),
    )
    figures = dashboard_figures(filters=shorter)
    # Up to the 19th A's latest is 9 (response, not remission); B's is 14 (no response).
    assert figures.outcomes_overall.remitted == Rate(0, 3)
    assert figures.outcomes_overall.responded == Rate(2, 3)


def test_an_empty_clinic_shows_dashes_not_zero_division(personas: Personas) -> None:
    figures = dashboard_figures(filters=march_filters(personas))
    assert figures.cohort_courses == 0
    assert figures.outcomes == ()
    assert figures.induction_completion.value is None
    assert figures.induction_completion.shown == "—"
    assert figures.side_effects.counts == "0/0"
    assert figures.median_infusions_to_response is None


def test_csv_rows_carry_counts_with_every_rate(personas: Personas) -> None:
    known_month(personas)
    rows = figures_csv_rows(dashboard_figures(filters=march_filters(personas)))
    assert rows[0] == ["figure", "group", "numerator", "denominator", "value", "unit"]
    by_name: dict[tuple[Any, Any], list[Any]] = {(row[0], row[1]): row for row in rows[1:]}
    assert by_name[("phq9_response", "All")][2:5] == [2, 3, Decimal("66.7")]
    assert by_name[("side_effects", "")][2:5] == [3, 11, Decimal("27.3")]
    assert by_name[("median_infusions_to_response", "")][3:5] == [2, Decimal("1.5")]


def test_query_count_does_not_grow_with_courses(
    personas: Personas, django_assert_num_queries: Any
) -> None:
    builder = march_clinic(personas)
    known_month(personas, builder)
    with django_assert_num_queries(12):
        small = dashboard_figures(filters=march_filters(personas))
    known_month(personas, builder, copies=4, again=True)
    with django_assert_num_queries(12):
        large = dashboard_figures(filters=march_filters(personas))
    assert (small.cohort_courses, large.cohort_courses) == (3, 15)
    assert large.outcomes_overall.responded == Rate(10, 15)


def test_rates_round_half_up_to_one_decimal() -> None:
    assert Rate(1, 8).value == Decimal("12.5")
    assert Rate(1, 3).value == Decimal("33.3")
    assert Rate(2, 3).value == Decimal("66.7")
    assert Rate(0, 5).shown == "0.0"


@given(baseline=st.integers(min_value=1, max_value=27), score=st.integers(0, 27))
def test_the_response_threshold_agrees_with_medicine(baseline: int, score: int) -> None:
    """Every score up to the threshold, and none above it, is response or remission."""
    status = classify_outcome(instrument="phq9", baseline=baseline, current=score)
    responded = status in (OutcomeStatus.RESPONSE, OutcomeStatus.REMISSION)
    assert responded == (score <= response_threshold(baseline))
