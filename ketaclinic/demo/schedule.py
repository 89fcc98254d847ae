"""The demo clinic's weeks ahead: the nurses' shifts, the signed courses whose treatments are
booked as series, and consultations and follow-ups, all through the scheduling services.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from ketaclinic.accounts.models import User
from ketaclinic.clinics.models import Clinic
from ketaclinic.courses.models import CourseStatus, TreatmentCourse
from ketaclinic.courses.services import course_create, course_transition, dose_order_sign
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import Appointment, StaffShift
from ketaclinic.scheduling.series import series_book, series_propose
from ketaclinic.scheduling.services import appointment_book, local_moment
from ketaclinic.scheduling.staffing import shift_add


def _demo_shifts(clinic: Clinic, *, today: datetime.date, admin: User, nurses: list[User]) -> None:
    """Both nurses on shift through the clinic's hours for the coming four weeks."""
    for offset in range(0, 28):
        day = today + datetime.timedelta(days=offset)
        period = clinic.opening_hours.filter(weekday=day.weekday()).first()
        if period is None:
            continue
        starts_at = local_moment(clinic=clinic, day=day, time=period.opens_at)
        for nurse in nurses:
            if StaffShift.objects.filter(clinic=clinic, user=nurse, starts_at=starts_at).exists():
                continue
            shift_add(
                acting_user=admin,
                clinic=clinic,
                user=nurse,
                starts_at=starts_at,
                ends_at=local_moment(clinic=clinic, day=day, time=period.closes_at),
            )


def _demo_courses(
    clinic: Clinic, *, today: datetime.date, physician: User, front_desk: User
) -> None:
    """Jordan and Wei in induction and Aisha on boosters: signed courses and dose orders, and
    their treatments booked through the series service, so the week ahead has infusions."""
    plan = [
        # (MRN, preferred weekdays, time, treatments to book, course status)
        ("CC-00001", frozenset({0, 2, 4}), datetime.time(9), 6, CourseStatus.INDUCTION),
        ("CC-00006", frozenset({1, 3, 5}), datetime.time(8), 5, CourseStatus.INDUCTION),
        ("CC-00005", frozenset({2}), datetime.time(13), 1, CourseStatus.MAINTENANCE),
    ]
    for mrn, weekdays, time, count, status in plan:
        patient = Patient.objects.filter(clinic=clinic, medical_record_number=mrn).first()
        if patient is None or TreatmentCourse.objects.filter(patient=patient).exists():
            continue
        course = course_create(
            acting_user=physician,
            patient=patient,
            target_infusions=6,
            starting_dose=Decimal("0.5"),
            titration_plan=(
                "0.5 mg/kg; step to 0.75 mg/kg at infusion 3 if under 20% better and tolerated."
            ),
            booster_plan="Single boosters when PHQ-9 rises 5 points from the best; review 3-monthly.",
        )
        dose_order_sign(acting_user=physician, course=course, dose=Decimal("0.5"))
        course_transition(acting_user=physician, course=course, to_status=CourseStatus.INDUCTION)
        if status == CourseStatus.MAINTENANCE:
            course_transition(acting_user=physician, course=course, to_status=status)
        slots = series_propose(
            course=course,
            first_day=today + datetime.timedelta(days=1),
            weekdays=weekdays,
            preferred_time=time,
            count=count,
        )
        series_book(acting_user=front_desk, course=course, slots=slots)


def _demo_appointments(
    clinic: Clinic, *, today: datetime.date, front_desk: User, physician: User, therapist: User
) -> None:
    """Consultations and follow-ups in the coming days, booked through the scheduling service
    (infusions are booked from treatment courses). Skipped for a patient who already has one."""
    weekdays = [
        day
        for offset in range(1, 10)
        if (day := today + datetime.timedelta(days=offset)).weekday() < 5
    ]
    plan = [
        ("CC-00002", VisitKind.CONSULT, weekdays[0], datetime.time(9), physician),
        ("CC-00003", VisitKind.CONSULT, weekdays[0], datetime.time(11), physician),
        ("CC-00004", VisitKind.TELEHEALTH, weekdays[1], datetime.time(13, 30), physician),
        ("CC-00001", VisitKind.THERAPY, weekdays[1], datetime.time(15), therapist),
        ("CC-00006", VisitKind.FOLLOW_UP, weekdays[2], datetime.time(10), physician),
    ]
    for mrn, kind, day, time, clinician in plan:
        patient = Patient.objects.filter(clinic=clinic, medical_record_number=mrn).first()
        if patient is None or Appointment.objects.filter(patient=patient).exists():
            continue
        appointment_book(
            acting_user=front_desk,
            patient=patient,
            kind=kind,
            starts_at=local_moment(clinic=clinic, day=day, time=time),
            clinician=clinician,
        )
