"""The past month's completed demo sessions, charted from check-in to the co-signed note."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from ketaclinic.clinics.models import Chair, Clinic
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.demo.scale import WING_ROOM
from ketaclinic.demo.sessions import (
    BOARD_PATIENTS,
    PAST_SESSIONS,
    STORY_PATIENTS,
    _appointment,
    _local,
    _minutes,
    _session_day,
    demo_staff,
)
from ketaclinic.demo.sessions_chart import Plan, chart_session
from ketaclinic.demo.sessions_patients import backdate_course
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import Appointment


def _profile(mrn: str) -> tuple[tuple[int, int, int], Decimal, Decimal]:
    for spec in BOARD_PATIENTS:
        if spec.mrn == mrn:
            return spec.baseline, spec.weight_kg, spec.height_cm
    return STORY_PATIENTS.get(mrn, ((124, 78, 72), Decimal("74.5"), Decimal("168")))


def build_past_sessions(clinic: Clinic, *, today: datetime.date) -> int:
    """The past month's completed sessions, charted from check-in to the co-signed note; the
    drawn ketamine comes from each dose preparation. Returns how many were charted now."""
    staff = demo_staff()
    # Not the benchmark wing's chairs (demo/scale.py): its generated treatments fill them.
    chairs = list(
        Chair.objects.filter(clinic=clinic, is_active=True)
        .exclude(room__name=WING_ROOM)
        .order_by("name")
    )
    now = timezone.now()
    per_day: dict[datetime.date, int] = {}
    built = 0
    with timezone.override(clinic.zone):
        for index, (mrn, days_ago, kind, variant, phq9) in enumerate(PAST_SESSIONS):
            day = _session_day(today, days_ago)
            slot = per_day.get(day, 0)
            per_day[day] = slot + 1
            patient = Patient.objects.filter(clinic=clinic, medical_record_number=mrn).first()
            course = (
                TreatmentCourse.objects.filter(patient=patient).order_by("-signed_at").first()
                if patient
                else None
            )
            if patient is None or course is None:
                continue
            starts_at = _local(clinic, day, 9 + slot // 2, 30 * (slot % 2))
            if starts_at > now - datetime.timedelta(hours=4):
                continue  # a demo "today" in the future: no history yet
            if Appointment.objects.filter(patient=patient, starts_at=starts_at).exists():
                continue
            first_day = _session_day(today, max(d for m, d, *_ in PAST_SESSIONS if m == mrn))
            if course.signed_at > _local(clinic, first_day, 8):
                backdate_course(
                    course,
                    signed_at=_local(clinic, first_day - datetime.timedelta(days=1), 16),
                    physician=staff.physician,
                )
            appointment = _appointment(
                clinic,
                patient=patient,
                course=course,
                kind=kind,
                starts_at=starts_at,
                chair=chairs[slot % len(chairs)],
                desk=staff.desk,
            )
            baseline, weight, height = _profile(mrn)
            nurse, checker = (
                (staff.nurse, staff.second_nurse)
                if index % 2 == 0
                else (staff.second_nurse, staff.nurse)
            )
            chart_session(
                appointment,
                Plan(
                    check_in=starts_at - _minutes(5),
                    stage="discharged",
                    variant=variant,
                    phq9=phq9,
                    baseline=baseline,
                    weight_kg=weight,
                    height_cm=height,
                ),
                staff=staff,
                nurse=nurse,
                checker=checker,
            )
            built += 1
    return built
