"""Reads of courses and orders (the caller has passed the patient access door)."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import has_permission, require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import NotFound
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


# --- reads of the course API (issue 5) ---------------------------------------------------------

COURSE_NOT_FOUND = "No such treatment course at this clinic."


def course_reading_action(*, user: User | AnonymousUser, clinic: Clinic) -> Action:
    """Clinical staff read a course whole; the front desk, who books its treatments, reads what
    scheduling needs and not its doses (as on the staff course page)."""
    if has_permission(user=user, action=Action.PATIENT_CHART_VIEW, clinic=clinic):
        return Action.PATIENT_CHART_VIEW
    return Action.APPOINTMENT_BOOK


def course_get(
    *, user: User | AnonymousUser, clinic: Clinic, course_id: int, action: Action
) -> TreatmentCourse:
    """One course of the acting clinic; missing and another clinic's are alike."""
    require_permission(user=user, action=action, clinic=clinic)
    course = (
        TreatmentCourse.objects.filter(clinic=clinic, pk=course_id)
        .select_related("clinic", "patient", "signed_by")
        .first()
    )
    if course is None:
        raise NotFound(COURSE_NOT_FOUND)
    return course


def course_list_for_patient(*, patient: Patient) -> QuerySet[TreatmentCourse]:
    """A patient's courses, newest first (the caller has passed the patient access door)."""
    return (
        TreatmentCourse.objects.filter(patient=patient)
        .select_related("signed_by")
        .order_by("-signed_at", "-id")
    )


def dose_order_list_for_course(*, course: TreatmentCourse) -> QuerySet[DoseOrder]:
    """A course's dose orders, newest first, with who signed each."""
    return (
        DoseOrder.objects.filter(course=course)
        .select_related("signed_by")
        .order_by("-signed_at", "-id")
    )
