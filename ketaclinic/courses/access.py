"""The doors to treatment courses. Views and the API reach a course by id only through here.

Scoped to the acting clinic (the same NotFound for "missing" and "another clinic's"), the
caller's permission checked first. Reading a course is reading the patient's chart: the read
goes through the patient's door (patients/access.py), which writes `patient.chart_viewed` with
the reading action as its purpose. A course fetched to be changed is not recorded as a read:
the service that changes it records the change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ketaclinic.accounts.roles import Action
from ketaclinic.courses.selectors import course_get, course_list_for_patient
from ketaclinic.patients.access import patient_get_for_staff

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from ketaclinic.accounts.models import User
    from ketaclinic.clinics.models import Clinic
    from ketaclinic.courses.models import TreatmentCourse


def course_get_for_staff(
    *, user: User | AnonymousUser, clinic: Clinic, course_id: int, action: Action
) -> TreatmentCourse:
    """One course of the acting clinic, read for `action` (audited as a view of its patient's
    chart): clinical staff read it whole, the front desk what booking needs
    (`courses.selectors.course_reading_action`). The course's `patient` is the one read through
    the patient's door."""
    course = course_get(user=user, clinic=clinic, course_id=course_id, action=action)
    course.patient = patient_get_for_staff(
        user=user, clinic=clinic, patient_id=course.patient_id, action=action
    )
    return course


def course_get_for_change(
    *, user: User | AnonymousUser, clinic: Clinic, course_id: int, action: Action
) -> TreatmentCourse:
    """One course of the acting clinic, for someone allowed `action` on it (a write, which its
    service records)."""
    return course_get(user=user, clinic=clinic, course_id=course_id, action=action)


def course_list_for_staff(
    *, user: User | AnonymousUser, clinic: Clinic, patient_id: int, action: Action
) -> QuerySet[TreatmentCourse]:
    """A patient's courses, newest first, read through the patient's door (audited there as a
    view of the chart, for `action`)."""
    patient = patient_get_for_staff(user=user, clinic=clinic, patient_id=patient_id, action=action)
    return course_list_for_patient(patient=patient)
