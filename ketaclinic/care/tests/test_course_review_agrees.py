"""The course page's stop-rule review and the outcome page read one baseline (the last PHQ-9
before infusion 1 within the clinic's window, CLINICAL.md §9.3) and the same score after each
infusion, so they give the same signal (§8)."""

from __future__ import annotations

import pytest

from ketaclinic.care.selectors import course_outcomes_for_patient
from ketaclinic.care.tests.support import course_with_history, days_ago, phq9_at
from ketaclinic.courses.tests.support import course_for
from ketaclinic.medicine.outcomes import CourseSignal
from ketaclinic.outcomes.course_review import course_review
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def test_the_course_review_uses_the_outcome_pages_baseline(personas: Personas) -> None:
    course = course_for(personas)
    # PHQ-9 20 the morning of infusion 1 (after the course was signed), then 14, 12, 10 before
    # infusions 2–4 and 9 after infusion 4: 55% better at the review at infusion 4.
    course_with_history(personas, course, [20, 14, 12, 10, 9], start_days_ago=30)
    phq9_at(personas, course, 12, days_ago(36))  # the intake screen, before the signature
    rows, _ = course_outcomes_for_patient(patient=personas.pat)
    outcome = next(o for o in rows[0].outcomes if o.instrument == "phq9")
    assert outcome.baseline is not None
    assert outcome.baseline.total == 20
    assert outcome.early is not None
    assert outcome.early.signal == CourseSignal.CONTINUE

    course.refresh_from_db()  # signed 35 days ago (course_with_history)
    review = course_review(course=course)
    assert review.infusions_given == 4
    assert review.recommendation == f"continue: {outcome.early.reason}"
