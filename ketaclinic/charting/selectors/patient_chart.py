"""A patient's chart in one read (issue 15): the patient, the current course with how far it has
come, and the newest sessions with their vital-sign readings and alarms.

A fixed number of queries whatever the number of sessions and readings: the patient; the
course with its appointment counts; the sessions with their appointment and chair; the
readings with who recorded them; their alarms with who acknowledged them. The door
(`charting.access.patient_chart_get_for_staff`) checks the permission and records the read.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import BooleanField, Case, Count, Prefetch, Q, Value, When

from ketaclinic.charting.models import SessionAlarm, TreatmentSession, VitalSignReading
from ketaclinic.clinics.models import Clinic
from ketaclinic.courses.models import OPEN_STATUSES, TreatmentCourse
from ketaclinic.courses.selectors import course_list_for_patient
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import AppointmentStatus

CHART_SESSIONS_DEFAULT = 5
CHART_SESSIONS_MAX = 20


@dataclass(frozen=True)
class ChartCourse:
    """The current course and where it stands: treatments given and still booked, as the
    course's review counts them (`outcomes.course_review`: completed and booked visits)."""

    course: TreatmentCourse
    infusions_given: int
    infusions_booked: int

    @property
    def next_checkpoint(self) -> int | None:
        """The infusion at which the course is next reviewed; None past the last review."""
        return next(
            (
                point
                for point in sorted(self.course.review_checkpoints)
                if point > self.infusions_given
            ),
            None,
        )


@dataclass(frozen=True)
class PatientChart:
    patient: Patient
    course: ChartCourse | None
    # Newest first, each with `appointment.chair`, and `readings` (time order) each with
    # `alarms` (in the order raised) prefetched.
    sessions: list[TreatmentSession]


def chart_course_for_patient(*, patient: Patient) -> ChartCourse | None:
    """The course `courses.selectors.course_latest_for_patient` picks (the open course, else the
    most recently signed), with its treatments given and booked, in one query."""
    course = (
        course_list_for_patient(patient=patient)
        .annotate(
            # Not `is_open`: the course has that property.
            open_first=Case(
                When(status__in=OPEN_STATUSES, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            infusions_given=Count(
                "appointments", filter=Q(appointments__status=AppointmentStatus.COMPLETED)
            ),
            infusions_booked=Count(
                "appointments", filter=Q(appointments__status=AppointmentStatus.BOOKED)
            ),
        )
        .order_by("-open_first", "-signed_at", "-id")
        .first()
    )
    if course is None:
        return None
    return ChartCourse(
        course=course,
        infusions_given=course.infusions_given,
        infusions_booked=course.infusions_booked,
    )


def sessions_with_vitals_for_patient(
    *, clinic: Clinic, patient: Patient, session_count: int
) -> list[TreatmentSession]:
    """The patient's `session_count` newest sessions at the clinic, newest check-in first, each
    with its readings in time order and each reading's alarms in the order they were raised (as
    `GET /sessions/{id}/vitals` reads them): three queries for any number of rows."""
    alarms = SessionAlarm.objects.select_related("acknowledged_by").order_by("raised_at", "id")
    readings = (
        VitalSignReading.objects.select_related("recorded_by")
        .order_by("measured_at", "id")
        .prefetch_related(Prefetch("alarms", queryset=alarms))
    )
    return list(
        TreatmentSession.objects.filter(clinic=clinic, patient=patient)
        .select_related("appointment__chair")
        .order_by("-checked_in_at", "-id")
        .prefetch_related(Prefetch("readings", queryset=readings))[:session_count]
    )


def patient_chart_get(*, clinic: Clinic, patient: Patient, session_count: int) -> PatientChart:
    """The chart of a patient the caller has found at `clinic` (through the door)."""
    if not 1 <= session_count <= CHART_SESSIONS_MAX:
        # The endpoint validates the number; a caller in code that passes another is a bug.
        raise ValueError(f"session_count must be 1 to {CHART_SESSIONS_MAX}, not {session_count}")
    return PatientChart(
        patient=patient,
        course=chart_course_for_patient(patient=patient),
        sessions=sessions_with_vitals_for_patient(
            clinic=clinic, patient=patient, session_count=session_count
        ),
    )
