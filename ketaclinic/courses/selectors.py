"""Reads of courses and orders (the caller has passed the patient access door)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from ketaclinic.courses.models import OPEN_STATUSES, DoseOrder, TreatmentCourse
from ketaclinic.medicine.courses import course_recommendation
from ketaclinic.medicine.outcomes import early_non_improvement
from ketaclinic.patients.models import Patient


def course_open_for_patient(*, patient: Patient) -> TreatmentCourse | None:
    return (
        TreatmentCourse.objects.filter(patient=patient, status__in=OPEN_STATUSES)
        .select_related("signed_by")
        .first()
    )


def course_latest_for_patient(*, patient: Patient) -> TreatmentCourse | None:
    """The open course, or else the most recently signed one."""
    return course_open_for_patient(patient=patient) or (
        TreatmentCourse.objects.filter(patient=patient).order_by("-signed_at").first()
    )


def dose_order_valid_at(*, course: TreatmentCourse, moment: datetime.datetime) -> DoseOrder | None:
    """The newest order signed before `moment` that has not expired by then."""
    return (
        DoseOrder.objects.filter(course=course, signed_at__lte=moment, expires_at__gt=moment)
        .order_by("-signed_at")
        .first()
    )


@dataclass(frozen=True)
class CourseReview:
    infusions_given: int
    infusions_booked: int
    next_checkpoint: int | None
    recommendation: str  # from medicine/, "" before the first checkpoint is reached


def course_review(*, course: TreatmentCourse) -> CourseReview:
    """Where the course stands against its checkpoints, and what the rules of §8 recommend.

    PHQ-9 is the measure: the baseline is the last score before the course was signed; each
    pre-session score after it is the effect of the infusion before it.
    """
    from ketaclinic.outcomes.models import QuestionnaireResponse, ResponseContext
    from ketaclinic.scheduling.models import Appointment, AppointmentStatus

    counts = Appointment.objects.filter(course=course).values_list("status", flat=True)
    statuses = list(counts)
    given = statuses.count(AppointmentStatus.COMPLETED)
    booked = statuses.count(AppointmentStatus.BOOKED)
    checkpoints = sorted(course.review_checkpoints)
    next_checkpoint = next((point for point in checkpoints if point > given), None)
    reached = [point for point in checkpoints if point <= given]
    if not reached:
        return CourseReview(given, booked, next_checkpoint, "")
    phq9 = QuestionnaireResponse.objects.filter(patient=course.patient, instrument="phq9")
    baseline = phq9.filter(completed_at__lte=course.signed_at).order_by("-completed_at").first()
    after = list(
        phq9.filter(completed_at__gt=course.signed_at, context=ResponseContext.PRE_SESSION)
        .order_by("completed_at")
        .values_list("total", flat=True)
    )
    rules = course.rules()
    if baseline is None or baseline.total == 0:
        return CourseReview(
            given,
            booked,
            next_checkpoint,
            "No PHQ-9 baseline before the course: the stop rule cannot be applied; review "
            "clinically.",
        )
    signal = early_non_improvement(
        instrument="phq9",
        baseline=baseline.total,
        scores_after_infusions=after,
        review_at=min(max(reached[0], 3), 4),
    )
    return CourseReview(
        given,
        booked,
        next_checkpoint,
        course_recommendation(infusions_given=given, signal=signal, rules=rules),
    )
