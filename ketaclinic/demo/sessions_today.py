"""The busy day's demo board: a patient in every state, all before the board's moment, with a
no-show and a patient expected later (which day and moment: demo/clinic_day.py).
"""

from __future__ import annotations

import datetime
from dataclasses import replace

from django.utils import timezone

from ketaclinic.charting.models import TreatmentSession
from ketaclinic.clinics.models import Chair, Clinic
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.core.errors import Conflict, InvalidInput, PreconditionFailed
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.demo.clinic_day import BusyDay
from ketaclinic.demo.sessions import (
    BOARD_PATIENTS,
    INFUSION_MIN,
    START_AFTER_CHECK_IN,
    Staff,
    _appointment,
    _minutes,
    demo_staff,
)
from ketaclinic.demo.sessions_chart import Plan, chart_session
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import Appointment, AppointmentStatus
from ketaclinic.scheduling.services import appointment_book, appointment_mark_no_show

# (MRN, board state, minutes before now of the check-in, chair number, variant)
TODAY = [
    ("CAT-00010", "discharged", 190, 1, ""),
    ("CAT-00011", "ready", 45 + INFUSION_MIN + START_AFTER_CHECK_IN, 3, ""),
    ("CAT-00013", "recovery", 10 + INFUSION_MIN + START_AFTER_CHECK_IN, 4, ""),
    ("CAT-00014", "esketamine", 50 + START_AFTER_CHECK_IN, 6, ""),
    ("CAT-00012", "infusing", 20 + START_AFTER_CHECK_IN, 5, "spo2_warning"),
    ("CAT-00015", "checklist", 15, 2, ""),
    ("CAT-00016", "arrived", 5, 1, ""),
]
NO_SHOW = ("CAT-00018", 150, 2)
EXPECTED = ("CAT-00017", 60)


def build_today(clinic: Clinic, *, busy: BusyDay) -> BusyDay:
    """The busy day's board with a patient in every state, as of its moment (demo/clinic_day.py);
    returns the day and moment it shows (an earlier run's, once booked). Before that moment the
    patients are only booked (charting refuses a time to come); a later run charts them. Each
    entry is built once: an appointment already charted, or a no-show marked, stays as it is."""
    mrns = [mrn for mrn, *_ in TODAY] + [NO_SHOW[0], EXPECTED[0]]
    patients = {
        patient.medical_record_number: patient
        for patient in Patient.objects.filter(clinic=clinic, medical_record_number__in=mrns)
    }
    if len(patients) < len(mrns):
        return busy
    courses = {
        mrn: TreatmentCourse.objects.filter(patient=patient).order_by("-signed_at").first()
        for mrn, patient in patients.items()
    }
    # A board booked by an earlier run keeps its moment: the no-show's booking dates it.
    booked_no_show = Appointment.objects.filter(
        patient=patients[NO_SHOW[0]], course=courses[NO_SHOW[0]]
    ).first()
    now = timezone.now()
    board_at = booked_no_show.starts_at + _minutes(NO_SHOW[1]) if booked_no_show else busy.board_at
    is_live = board_at <= now
    staff = demo_staff()
    chairs = {chair.name: chair for chair in Chair.objects.filter(clinic=clinic, is_active=True)}
    with timezone.override(clinic.zone):
        for index, (mrn, state, minutes_ago, chair_number, variant) in enumerate(TODAY):
            course = courses[mrn]
            assert course is not None
            check_in = board_at - _minutes(minutes_ago)
            esketamine = state == "esketamine"
            starts_at = check_in + _minutes(5)
            appointment = Appointment.objects.filter(
                patient=patients[mrn], course=course, starts_at=starts_at
            ).first() or _appointment(
                clinic,
                patient=patients[mrn],
                course=course,
                kind=VisitKind.ESKETAMINE if esketamine else VisitKind.IV_INFUSION,
                starts_at=starts_at,
                chair=chairs[f"Chair {chair_number}"],
                desk=staff.desk,
            )
            if not is_live or TreatmentSession.objects.filter(appointment=appointment).exists():
                continue
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
        no_show = booked_no_show or _no_show_booking(
            clinic, patients[NO_SHOW[0]], courses[NO_SHOW[0]], board_at, chairs, staff
        )
        if is_live and no_show.status == AppointmentStatus.BOOKED:
            appointment_mark_no_show(
                acting_user=staff.desk,
                appointment=no_show,
                reason="Did not arrive; two calls unanswered, voicemail left to rebook.",
            )
        if not Appointment.objects.filter(
            patient=patients[EXPECTED[0]], course=courses[EXPECTED[0]]
        ).exists():
            _expected(clinic, patients[EXPECTED[0]], courses[EXPECTED[0]], busy, chairs, staff)
    day = timezone.localtime(board_at, clinic.zone).date()
    return replace(busy, day=day, board_at=board_at, is_live=is_live)


def _no_show_booking(
    clinic: Clinic,
    patient: Patient,
    course: TreatmentCourse | None,
    board_at: datetime.datetime,
    chairs: dict[str, Chair],
    staff: Staff,
) -> Appointment:
    assert course is not None
    _, minutes_ago, chair_number = NO_SHOW
    return _appointment(
        clinic,
        patient=patient,
        course=course,
        kind=VisitKind.IV_INFUSION,
        starts_at=board_at - _minutes(minutes_ago),
        chair=chairs[f"Chair {chair_number}"],
        desk=staff.desk,
    )


def _expected(
    clinic: Clinic,
    patient: Patient,
    course: TreatmentCourse | None,
    busy: BusyDay,
    chairs: dict[str, Chair],
    staff: Staff,
) -> Appointment:
    """Booked through the scheduling service later in the busy day (within its hours); written
    directly when every chair is taken then (the board still shows an expected patient)."""
    assert course is not None
    visit = clinic_rules_get(clinic=clinic).visits.duration(VisitKind.IV_INFUSION)
    starts_at = busy.expected_at(visit)
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
