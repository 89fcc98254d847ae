"""Reads of courses and orders (the caller has passed the patient access door)."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from ketaclinic.courses.models import (
    OPEN_STATUSES,
    CourseStatusChange,
    DoseOrder,
    TreatmentCourse,
)
from ketaclinic.patients.models import Patient


def course_status_changes(*, course: TreatmentCourse) -> QuerySet[CourseStatusChange]:
    """Every move of the course between states, oldest first, with who made it."""
    return course.status_changes.select_related("changed_by").order_by("changed_at", "id")


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
