"""The demo clinic's weeks ahead: the nurses' shifts (and those of every day it booked), the signed courses whose treatments are
booked as series, and consultations and follow-ups, all through the scheduling services.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from ketaclinic.accounts.models import User
from ketaclinic.clinics.models import Clinic
from ketaclinic.courses.models import CourseStatus, TreatmentCourse
from ketaclinic.courses.services import course_create, course_transition, dose_order_sign
from ketaclinic.demo.scale_rows import MRN_PREFIX
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import Appointment, StaffShift
from ketaclinic.scheduling.selectors import day_bounds
from ketaclinic.scheduling.series import series_book, series_propose
from ketaclinic.scheduling.services import appointment_book, local_moment
from ketaclinic.scheduling.staffing import shift_add


def _shift_day(
    clinic: Clinic,
    *,
    day: datetime.date,
    admin: User,
    nurses: list[User],
    cover: tuple[datetime.datetime, datetime.datetime] | None = None,
) -> None:
    """Each nurse on shift through the day's opening hours (stretched to `cover`, the day's
    treatments), unless that nurse already has a shift that day."""
    periods = list(clinic.opening_hours.filter(weekday=day.weekday()))
    if not periods and cover is None:
        return
    starts_at = cover[0] if cover else None
    ends_at = cover[1] if cover else None
    if periods:
        opens = local_moment(clinic=clinic, day=day, time=min(p.opens_at for p in periods))
        closes = local_moment(clinic=clinic, day=day, time=max(p.closes_at for p in periods))
        starts_at = min(opens, starts_at or opens)
        ends_at = max(closes, ends_at or closes)
    assert starts_at is not None
    assert ends_at is not None
    day_start, day_end = day_bounds(clinic=clinic, day=day)
    for nurse in nurses:
        if StaffShift.objects.filter(
            clinic=clinic, user=nurse, starts_at__lt=day_end, ends_at__gt=day_start
        ).exists():
            continue
        shift_add(
            acting_user=admin, clinic=clinic, user=nurse, starts_at=starts_at, ends_at=ends_at
        )


def _demo_shifts(clinic: Clinic, *, today: datetime.date, admin: User, nurses: list[User]) -> None:
    """Both nurses on shift through the clinic's hours from the busy day for four weeks."""
    for offset in range(0, 28):
        _shift_day(clinic, day=today + datetime.timedelta(days=offset), admin=admin, nurses=nurses)


def shifts_cover_booked_days(clinic: Clinic, *, admin: User, nurses: list[User]) -> None:
    """Both nurses on shift on every day the demo put a patient in a chair (the past month, the
    outcome stories' history, the busy day), so no day's schedule shows chairs taken and nobody
    on shift. The generated benchmark patients' wing is left as demo/scale.py builds it."""
    spans: dict[datetime.date, tuple[datetime.datetime, datetime.datetime]] = {}
    treatments = (
        Appointment.objects.filter(clinic=clinic, chair__isnull=False)
        .exclude(patient__medical_record_number__startswith=f"{MRN_PREFIX}-")
        .values_list("starts_at", "ends_at")
    )
    for starts_at, ends_at in treatments:
        day = starts_at.astimezone(clinic.zone).date()
        first, last = spans.get(day, (starts_at, ends_at))
        spans[day] = (min(first, starts_at), max(last, ends_at))
    for day, cover in sorted(spans.items()):
        _shift_day(clinic, day=day, admin=admin, nurses=nurses, cover=cover)


def _demo_courses(
    clinic: Clinic, *, today: datetime.date, physician: User, front_desk: User
) -> None:
    """Jordan and Wei in induction and Aisha on boosters: signed courses and dose orders, and
    their treatments booked through the series service, so the week ahead has infusions."""
    plan = [
        # (MRN, preferred weekdays, time, treatments to book, course status)
        ("CAT-00001", frozenset({0, 2, 4}), datetime.time(9), 6, CourseStatus.INDUCTION),
        ("CAT-00006", frozenset({1, 3, 5}), datetime.time(8), 5, CourseStatus.INDUCTION),
        ("CAT-00005", frozenset({2}), datetime.time(13), 1, CourseStatus.MAINTENANCE),
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
        ("CAT-00002", VisitKind.CONSULT, weekdays[0], datetime.time(9), physician),
        ("CAT-00003", VisitKind.CONSULT, weekdays[0], datetime.time(11), physician),
        ("CAT-00004", VisitKind.TELEHEALTH, weekdays[1], datetime.time(13, 30), physician),
        ("CAT-00001", VisitKind.THERAPY, weekdays[1], datetime.time(15), therapist),
        ("CAT-00006", VisitKind.FOLLOW_UP, weekdays[2], datetime.time(10), physician),
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
