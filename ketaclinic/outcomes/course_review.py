"""Where a treatment course stands against its review checkpoints (CLINICAL.md §8).

It reads the course's appointments (scheduling) and the patient's PHQ-9 scores (outcomes), so
it lives in outcomes, the app above both; the course page (`staff.patient_page_course`) and the
course API (`outcomes.api_courses`) show it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.medicine.courses import course_recommendation
from ketaclinic.medicine.outcomes import (
    TimedScore,
    baseline_score,
    early_non_improvement,
    scores_after_infusions,
)
from ketaclinic.outcomes.models import QuestionnaireResponse
from ketaclinic.scheduling.models import Appointment, AppointmentStatus


@dataclass(frozen=True)
class CourseReview:
    infusions_given: int
    infusions_booked: int
    next_checkpoint: int | None
    recommendation: str  # from medicine/, "" before the first checkpoint is reached


def course_review(*, course: TreatmentCourse) -> CourseReview:
    """Where the course stands against its checkpoints, and what the rules of §8 recommend.

    PHQ-9 is the measure, read as on the patient's outcome page (medicine/outcomes.py): the
    baseline is the last score before infusion 1 within the clinic's baseline window, and the
    score after infusion k the latest before infusion k + 1; the course's scores end where the
    patient's next course was signed.
    """
    counts = Appointment.objects.filter(course=course).values_list("status", flat=True)
    statuses = list(counts)
    given = statuses.count(AppointmentStatus.COMPLETED)
    booked = statuses.count(AppointmentStatus.BOOKED)
    checkpoints = sorted(course.review_checkpoints)
    next_checkpoint = next((point for point in checkpoints if point > given), None)
    reached = [point for point in checkpoints if point <= given]
    if not reached:
        return CourseReview(given, booked, next_checkpoint, "")
    # Infusions given: the course's treatments whose infusion started and ended in discharge.
    starts = sorted(
        start
        for start in Appointment.objects.filter(
            course=course,
            treatment_session__started_at__isnull=False,
            treatment_session__discharged_at__isnull=False,
        ).values_list("treatment_session__started_at", flat=True)
        if start is not None
    )
    phq9 = QuestionnaireResponse.objects.filter(patient=course.patient, instrument="phq9")
    next_course = (
        TreatmentCourse.objects.filter(patient=course.patient, signed_at__gt=course.signed_at)
        .order_by("signed_at")
        .values_list("signed_at", flat=True)
        .first()
    )
    if next_course is not None:
        phq9 = phq9.filter(completed_at__lt=next_course)
    scores = [TimedScore(at, total) for at, total in phq9.values_list("completed_at", "total")]
    window_days = clinic_rules_get(clinic=course.clinic).outcomes.baseline_window_days
    baseline = (
        baseline_score(scores, first_infusion_at=starts[0], window_days=window_days)
        if starts
        else None
    )
    rules = course.rules()
    if baseline is None or baseline.total == 0:
        return CourseReview(
            given,
            booked,
            next_checkpoint,
            f"No PHQ-9 baseline in the {window_days} days before infusion 1: the stop rule "
            "cannot be applied; review clinically.",
        )
    signal = early_non_improvement(
        instrument="phq9",
        baseline=baseline.total,
        scores_after_infusions=[s.total for s in scores_after_infusions(scores, starts)],
        review_at=min(max(reached[0], 3), 4),
    )
    return CourseReview(
        given,
        booked,
        next_checkpoint,
        course_recommendation(infusions_given=given, signal=signal, rules=rules),
    )
