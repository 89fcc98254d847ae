"""The doors to appointments. Views and the API reach an appointment by id, or a patient's
appointments, only through here.

Scoped to the acting clinic (the same NotFound for "missing" and "another clinic's"), the
caller's permission checked first. One appointment is the schedule's, read by whoever books: it is
not the chart, and is not recorded as a read (its changes are recorded by their services). A
patient's appointments are read through the patient's door (patients/access.py), which writes
`patient.chart_viewed`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ketaclinic.courses.selectors import course_reading_action
from ketaclinic.patients.access import patient_get_for_staff
from ketaclinic.scheduling.selectors import appointment_get, appointment_list_for_patient

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from ketaclinic.accounts.models import User
    from ketaclinic.clinics.models import Clinic
    from ketaclinic.scheduling.models import Appointment


def appointment_get_for_staff(
    *, user: User | AnonymousUser, clinic: Clinic, appointment_id: int
) -> Appointment:
    """One appointment of the acting clinic, for someone who books appointments, with its
    patient, chair, clinician, clinic and course."""
    return appointment_get(user=user, clinic=clinic, appointment_id=appointment_id)


def appointment_list_for_staff(
    *, user: User | AnonymousUser, clinic: Clinic, patient_id: int
) -> QuerySet[Appointment]:
    """A patient's appointments, latest first, for clinical staff and for those who book (the
    role decides the purpose recorded, as for a course: `course_reading_action`)."""
    patient = patient_get_for_staff(
        user=user,
        clinic=clinic,
        patient_id=patient_id,
        action=course_reading_action(user=user, clinic=clinic),
    )
    return appointment_list_for_patient(patient=patient)
