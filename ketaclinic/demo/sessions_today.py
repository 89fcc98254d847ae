"""Today's demo board: a patient in every state, all before now, with a no-show and a patient
expected later.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from ketaclinic.clinics.models import Chair, Clinic
from ketaclinic.core.errors import Conflict, InvalidInput, PreconditionFailed
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.demo.sessions import (
    BOARD_PATIENTS,
    INFUSION_MIN,
    PAST_SESSIONS,
    START_AFTER_CHECK_IN,
    Staff,
    _appointment,
    _minutes,
    demo_staff,
)
from ketaclinic.demo.sessions_chart import Plan, chart_session
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import Appointment
from ketaclinic.scheduling.services import appointment_book, appointment_mark_no_show

# (MRN, board state, minutes before now of the check-in, chair number, variant)
TODAY = [
    ("CC-00010", "discharged", 190, 1, ""),
    ("CC-00011", "ready", 45 + INFUSION_MIN + START_AFTER_CHECK_IN, 3, ""),
    ("CC-00013", "recovery", 10 + INFUSION_MIN + START_AFTER_CHECK_IN, 4, ""),
    ("CC-00014", "esketamine", 50 + START_AFTER_CHECK_IN, 6, ""),
    ("CC-00012", "infusing", 20 + START_AFTER_CHECK_IN, 5, "spo2_warning"),
    ("CC-00015", "checklist", 15, 2, ""),
    ("CC-00016", "arrived", 5, 1, ""),
]
NO_SHOW = ("CC-00018", 150, 2)
EXPECTED = ("CC-00017", 60)
EARLIEST_LOCAL_HOUR = 4  # the first of today's entries is ~3h10 before now


def build_today(clinic: Clinic, *, now: datetime.datetime | None = None) -> int:
    """Today's board with a patient in every state, all before now; returns the sessions
    charted. Built once (skipped when the board's patients already have sessions)."""
    now = now or timezone.now()
    local_now = timezone.localtime(now, clinic.zone)
    mrns = [mrn for mrn, *_ in TODAY] + [NO_SHOW[0], EXPECTED[0]]
    patients = {
        patient.medical_record_number: patient
        for patient in Patient.objects.filter(clinic=clinic, medical_record_number__in=mrns)
    }
    if len(patients) < len(mrns) or local_now.hour < EARLIEST_LOCAL_HOUR:
        return 0
    # Built once: the board's own patients (those without history) have treatments only here.
    only_today = [patients[mrn] for mrn in mrns if all(m != mrn for m, *_ in PAST_SESSIONS)]
    if Appointment.objects.filter(patient__in=only_today, course__isnull=False).exists():
        return 0
    staff = demo_staff()
    chairs = {chair.name: chair for chair in Chair.objects.filter(clinic=clinic, is_active=True)}
    courses = {
        mrn: TreatmentCourse.objects.filter(patient=patient).order_by("-signed_at").first()
        for mrn, patient in patients.items()
    }
    charted = 0
    with timezone.override(clinic.zone):
        for index, (mrn, state, minutes_ago, chair_number, variant) in enumerate(TODAY):
            course = courses[mrn]
            assert course is not None
            check_in = now - _minutes(minutes_ago)
            esketamine = state == "esketamine"
            appointment = _appointment(
                clinic,
                patient=patients[mrn],
                course=course,
                kind=VisitKind.ESKETAMINE if esketamine else VisitKind.IV_INFUSION,
                starts_at=check_in.replace(second=0, microsecond=0) + _minutes(5),
                chair=chairs[f"Chair {chair_number}"],
                desk=staff.desk,
            )
            spec = next(s for s in BOARD_PATIENTS if s.mrn == mrn)
            nurse, checker = (
                (staff.nurse, staff.second_nurse)
                if index % 2 == 0
                else (staff.second_nurse, staff.nurse)
            )
            chart_session(
                appointment,
                Plan(
                    check_in=check_in,
                    stage="recovery" if esketamine else state,
                    variant=variant,
                    phq9=spec.phq9,
                    baseline=spec.baseline,
                    weight_kg=spec.weight_kg,
                    height_cm=spec.height_cm,
                ),
                staff=staff,
                nurse=nurse,
                checker=checker,
            )
            charted += 1
        _no_show(clinic, patients[NO_SHOW[0]], courses[NO_SHOW[0]], now, chairs, staff)
        _expected(clinic, patients[EXPECTED[0]], courses[EXPECTED[0]], now, chairs, staff)
    return charted


def _no_show(
    clinic: Clinic,
    patient: Patient,
    course: TreatmentCourse | None,
    now: datetime.datetime,
    chairs: dict[str, Chair],
    staff: Staff,
) -> None:
    assert course is not None
    _, minutes_ago, chair_number = NO_SHOW
    appointment = _appointment(
        clinic,
        patient=patient,
        course=course,
        kind=VisitKind.IV_INFUSION,
        starts_at=(now - _minutes(minutes_ago)).replace(second=0, microsecond=0),
        chair=chairs[f"Chair {chair_number}"],
        desk=staff.desk,
    )
    appointment_mark_no_show(
        acting_user=staff.desk,
        appointment=appointment,
        reason="Did not arrive; two calls unanswered, voicemail left to rebook.",
    )


def _expected(
    clinic: Clinic,
    patient: Patient,
    course: TreatmentCourse | None,
    now: datetime.datetime,
    chairs: dict[str, Chair],
    staff: Staff,
) -> Appointment:
    """Booked through the scheduling service later today; written directly when the clinic is
    closed then or every chair is taken (the board still shows an expected patient)."""
    assert course is not None
    local = timezone.localtime(now + _minutes(EXPECTED[1]), clinic.zone)
    starts_at = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
    end_of_day = timezone.localtime(now, clinic.zone).replace(
        hour=23, minute=30, second=0, microsecond=0
    )
    starts_at = min(starts_at, max(end_of_day, timezone.localtime(now, clinic.zone)))
    for name in sorted(chairs):
        try:
            return appointment_book(
                acting_user=staff.desk,
                patient=patient,
                kind=VisitKind.IV_INFUSION,
                starts_at=starts_at,
                chair=chairs[name],
                course=course,
            )
        except (Conflict, InvalidInput, PreconditionFailed):
            continue
    return _appointment(
        clinic,
        patient=patient,
        course=course,
        kind=VisitKind.IV_INFUSION,
        starts_at=starts_at,
        chair=chairs[sorted(chairs)[2]],
        desk=staff.desk,
    )
