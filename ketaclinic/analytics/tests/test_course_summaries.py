"""Each course's stored outcome summary follows its course, sessions and PHQ-9 scores in the
transaction that changed them, and the dashboard counts the same figures from the summaries as
from recomputing every course (issue 15: 10 s at 158,000 courses recomputed on every visit)."""

from __future__ import annotations

import datetime
from typing import Any, cast

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from ketaclinic.analytics.course_summaries import course_summaries_refresh_for_clinic
from ketaclinic.analytics.models import CourseOutcomeSummary
from ketaclinic.analytics.selectors import DashboardFilters, dashboard_figures
from ketaclinic.analytics.selectors.course_facts import course_facts_live
from ketaclinic.analytics.tests.support import Builder, at, known_month, march_clinic
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.clinics.services import clinic_rules_update
from ketaclinic.courses.models import CourseStatus, TreatmentCourse
from ketaclinic.medicine.protocols import IV_KETAMINE_DEPRESSION
from ketaclinic.outcomes.models import QuestionnaireResponse
from ketaclinic.patients.models import Patient
from ketaclinic.testing.factories import PatientFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

# A day in May 2025: the known month (March) and April are in the past.
TODAY = datetime.datetime(2025, 5, 20, 12, tzinfo=datetime.UTC)
Stored = tuple[Any, ...]


def _stored() -> dict[int, Stored]:
    return {
        row.course_id: (
            row.first_infusion_at,
            row.infusions_given,
            row.baseline,
            row.latest,
            row.latest_at,
            row.infusions_to_response,
        )
        for row in CourseOutcomeSummary.objects.all()
    }


def _recomputed(personas: Personas) -> dict[int, Stored]:
    """Every course as the live read gives it with no period end (a course never given an
    infusion is stored empty)."""
    window = clinic_rules_get(clinic=personas.clinic).outcomes.baseline_window
    facts = {
        fact.course_id: (
            fact.first_infusion_at,
            fact.given,
            fact.baseline,
            fact.latest,
            fact.latest_at,
            fact.infusions_to_response,
        )
        for fact in course_facts_live(courses=Q(), baseline_window=window)
    }
    empty = (None, 0, None, None, None, None)
    return {pk: facts.get(pk, empty) for pk in TreatmentCourse.objects.values_list("pk", flat=True)}


def _year_to_today(personas: Personas) -> DashboardFilters:
    return DashboardFilters(
        clinic=personas.clinic, first_day=datetime.date(2025, 1, 1), last_day=TODAY.date()
    )


def _figures(filters: DashboardFilters) -> tuple[Any, ...]:
    figures = dashboard_figures(filters=filters)
    return (
        figures.cohort_courses,
        figures.induction_completion,
        figures.outcomes,
        figures.outcomes_overall,
        figures.median_infusions_to_response,
        figures.responders_with_infusion_count,
    )


@pytest.fixture
def month(personas: Personas) -> Builder:
    builder = march_clinic(personas)
    known_month(personas, builder)
    return builder


def test_every_change_through_the_models_keeps_the_summaries_exact(
    personas: Personas, month: Builder
) -> None:
    assert _stored() == _recomputed(personas)  # the known month, built through the models
    clinic, pat = personas.clinic, personas.pat
    # A new course for a patient ends their earlier course's scores where it is signed.
    earlier = TreatmentCourse.objects.get(patient=pat)
    earlier.status = CourseStatus.COMPLETED
    earlier.save()
    course = month.course(pat, "trd", IV_KETAMINE_DEPRESSION, CourseStatus.INDUCTION)
    course.signed_at = at(clinic, 1, 9, month=4)
    course.save()
    assert _stored()[earlier.pk][3] == 4  # its April score is the new course's now
    assert _stored() == _recomputed(personas)
    month.phq9(pat, at(clinic, 2, 9, month=4), 21)  # a score: every course of the patient
    assert _stored() == _recomputed(personas)
    session = month.infusion(course, 3, 10, month=4)  # an infusion given
    assert _stored()[course.pk][:2] == (session.started_at, 1)
    assert _stored() == _recomputed(personas)
    QuestionnaireResponse.objects.filter(patient=pat).order_by("-completed_at").first().delete()
    assert _stored() == _recomputed(personas)
    session.delete()
    assert _stored()[course.pk][:2] == (None, 0)
    assert _stored() == _recomputed(personas)


@time_machine.travel(TODAY, tick=False)
def test_a_period_ending_today_is_counted_from_the_summaries_alone(
    personas: Personas, month: Builder
) -> None:
    filters = _year_to_today(personas)
    with CaptureQueriesContext(connection) as queries:
        from_summaries = _figures(filters)
    scores_read = [q["sql"] for q in queries if "outcomes_questionnaireresponse" in q["sql"]]
    assert scores_read == []  # no course recomputed: one read of the summaries
    CourseOutcomeSummary.objects.all().delete()
    assert _figures(filters) == from_summaries  # every course recomputed: the same figures
    assert from_summaries[0] == 4  # A, B, C and D (February)


def test_a_summary_that_cannot_answer_the_period_is_recomputed(
    personas: Personas, month: Builder
) -> None:
    # A course whose baseline was five days before infusion 1.
    clinic = personas.clinic
    patient = cast(Patient, PatientFactory(clinic=clinic))
    course = month.course(patient, "trd", IV_KETAMINE_DEPRESSION, CourseStatus.INDUCTION)
    month.phq9(patient, at(clinic, 1, 9), 20)
    month.infusion(course, 6, 10)
    month.phq9(patient, at(clinic, 9, 9), 8)
    # March: the courses with scores in April count their last score in March instead.
    march = DashboardFilters(
        clinic=personas.clinic,
        first_day=datetime.date(2025, 3, 1),
        last_day=datetime.date(2025, 3, 31),
    )
    expected = _figures(march)
    CourseOutcomeSummary.objects.all().delete()
    assert _figures(march) == expected
    # A clinic whose baseline window changed: the summaries read with the old one are not
    # trusted, and `ketaclinic dashboard refresh` stores them anew.
    course_summaries_refresh_for_clinic(clinic=personas.clinic)
    clinic_rules_update(
        acting_user=personas.alice,
        clinic=personas.clinic,
        changes={"outcomes": {"baseline_window_days": 1}},
    )
    personas.clinic.refresh_from_db()
    narrow = _figures(march)
    # The baseline five days before infusion 1 no longer counts: one course fewer measured.
    assert narrow[3].responded.denominator == expected[3].responded.denominator - 1
    call_command("dashboard", "refresh", "--clinic", personas.clinic.slug, stdout=None)
    assert set(CourseOutcomeSummary.objects.values_list("baseline_window_days", flat=True)) == {1}
    assert _figures(march) == narrow
