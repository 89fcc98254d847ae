"""The dashboard's figures from a known month (analytics/tests/support.py), exactly."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, cast

import pytest

from ketaclinic.analytics.selectors import (
    DashboardFilters,
    Rate,
    dashboard_course_outcomes,
    dashboard_figures,
    figures_csv_rows,
)
from ketaclinic.analytics.tests.support import at, known_month, march_clinic, march_filters
from ketaclinic.care.selectors import course_outcomes_for_patient
from ketaclinic.courses.models import CourseStatus, TreatmentCourse
from ketaclinic.medicine.outcomes import OutcomeStatus
from ketaclinic.medicine.protocols import IV_KETAMINE_DEPRESSION
from ketaclinic.patients.models import Patient
from ketaclinic.testing.factories import PatientFactory
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
    # 12 from the stored summaries, and 4 to recompute the courses with PHQ-9 scores after
    # March (their latest in March is an earlier score): as many for 3 courses as for 15.
    with django_assert_num_queries(16):
        small = dashboard_figures(filters=march_filters(personas))
    known_month(personas, builder, copies=4, again=True)
    with django_assert_num_queries(16):
        large = dashboard_figures(filters=march_filters(personas))
    assert (small.cohort_courses, large.cohort_courses) == (3, 15)
    assert large.outcomes_overall.responded == Rate(10, 15)


def test_a_second_course_has_its_own_scores_on_the_dashboard_as_on_the_patient_page(
    personas: Personas,
) -> None:
    """Course 1 ends when course 2 is signed: the relapse score before that is course 1's
    latest and, within the baseline window, course 2's baseline; course 2's scores are not
    course 1's (CLINICAL.md §9.3)."""
    builder = march_clinic(personas)
    clinic, pat = personas.clinic, personas.pat
    first = builder.course(pat, "trd", IV_KETAMINE_DEPRESSION, CourseStatus.COMPLETED)
    builder.phq9(pat, at(clinic, 3, 9, 50), 20)
    for day in (3, 5, 7):
        builder.infusion(first, day, 10)
    builder.phq9(pat, at(clinic, 10, 9), 9)
    builder.phq9(pat, at(clinic, 10, 9, month=4), 18)  # the relapse, at the consult
    second = builder.course(pat, "trd", IV_KETAMINE_DEPRESSION, CourseStatus.INDUCTION)
    TreatmentCourse.objects.filter(pk=second.pk).update(signed_at=at(clinic, 15, 9, month=4))
    for day in (21, 23):
        builder.infusion(second, day, 10, month=4)
    builder.phq9(pat, at(clinic, 25, 9, month=4), 6)
    filters = DashboardFilters(
        clinic=clinic, first_day=datetime.date(2025, 3, 1), last_day=datetime.date(2025, 4, 30)
    )

    dashboard = {row.course_id: row for row in dashboard_course_outcomes(filters=filters)}
    rows, _ = course_outcomes_for_patient(patient=pat)
    page = {
        row.course.pk: (o.baseline.total if o.baseline else None, o.status)
        for row in rows
        for o in row.outcomes
        if o.instrument == "phq9"
    }
    expected = {
        first.pk: (20, 18, OutcomeStatus.NO_IMPROVEMENT),
        second.pk: (18, 6, OutcomeStatus.RESPONSE),
    }
    assert {k: (r.baseline, r.latest, r.status) for k, r in dashboard.items()} == expected
    assert page == {k: (baseline, status) for k, (baseline, _, status) in expected.items()}


def test_infusions_to_response_is_one_figure_on_the_dashboard_and_the_patient_page(
    personas: Personas,
) -> None:
    """Infusions started before the first responding PHQ-9 after infusion 1
    (medicine.outcomes.infusions_to_response, CLINICAL.md §8, §9.3), counted the same way by
    both, for three shapes the two used to count differently."""
    builder = march_clinic(personas)
    clinic = personas.clinic
    courses = {}
    for name, scores in {
        # No score after infusion 1; 9 (response) the evening after infusion 2.
        "gap": [(6, 18, 9), (7, 9, 12), (11, 9, 8)],
        # Response the evening after infusion 2, not sustained the next morning.
        "not sustained": [(5, 9, 15), (5, 18, 9), (7, 9, 12), (11, 9, 8)],
        # Response after infusion 1, lost since: responded, though the latest is not a response.
        "lost": [(3, 18, 9), (5, 9, 10), (11, 9, 14)],
    }.items():
        patient = cast(Patient, PatientFactory(clinic=clinic))
        course = builder.course(patient, "trd", IV_KETAMINE_DEPRESSION, CourseStatus.INDUCTION)
        builder.phq9(patient, at(clinic, 3, 9, 50), 20)
        for day in (3, 5, 7, 10):
            builder.infusion(course, day, 10)
        for day, hour, total in scores:
            builder.phq9(patient, at(clinic, day, hour), total)
        courses[name] = course

    page = {}
    for name, course in courses.items():
        rows, _ = course_outcomes_for_patient(patient=course.patient)
        (phq9,) = rows[0].outcomes
        page[name] = phq9.infusions_to_response
    assert page == {"gap": 2, "not sustained": 2, "lost": 1}

    dashboard = {
        row.course_id: row for row in dashboard_course_outcomes(filters=march_filters(personas))
    }
    assert {name: dashboard[c.pk].infusions_to_response for name, c in courses.items()} == page
    figures = dashboard_figures(filters=march_filters(personas))
    assert figures.median_infusions_to_response == Decimal("2.0")
    assert figures.responders_with_infusion_count == 3


def test_rates_round_half_up_to_one_decimal() -> None:
    assert Rate(1, 8).value == Decimal("12.5")
    assert Rate(1, 3).value == Decimal("33.3")
    assert Rate(2, 3).value == Decimal("66.7")
    assert Rate(0, 5).shown == "0.0"
