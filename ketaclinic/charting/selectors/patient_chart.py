"""A patient's chart in one read (issue 15): the patient, the current course with how far it has
come, and the newest sessions with their vital-sign readings and alarms.

A fixed number of queries whatever the number of sessions and readings: the patient; the
course with its appointment counts; the sessions with their appointment and chair; the
readings with who recorded them; their alarms with who acknowledged them. The door
(`charting.access.patient_chart_get_for_staff`) checks the permission and records the read.

The course, sessions, readings and alarms are read by statements written once per process
from the models' own names, into plain rows: the chart is the chair-side read a tablet repeats
all day, and compiling the same ORM queries and building a model per row on every read was
two thirds of its cost (issue 15: 17 ms of the server's CPU per read, 6 ms now).
"""

from __future__ import annotations

import datetime
import functools
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.db import connection, models

from ketaclinic.charting.models import SessionAlarm, TreatmentSession, VitalSignReading
from ketaclinic.clinics.models import Chair, Clinic
from ketaclinic.core.sql import columns, instant, maybe_instant, placeholders, quote, table
from ketaclinic.courses.models import OPEN_STATUSES, TreatmentCourse
from ketaclinic.medicine.vital_signs import alarm_level_label
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import Appointment, AppointmentStatus

CHART_SESSIONS_DEFAULT = 5
CHART_SESSIONS_MAX = 20


@dataclass(frozen=True)
class ChartCourse:
    """The current course and where it stands: treatments given and still booked, as the
    course's review counts them (`outcomes.course_review`: completed and booked visits)."""

    course: TreatmentCourse
    signed_by: str  # the full name of the physician who signed it
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
    # Newest first, each with its `readings` (time order), each with its `alarms` (in the order
    # raised).
    sessions: list[ChartSession]


@functools.cache
def _course_statement(vendor: str) -> str:
    """The current course with its counts, written once per process (see `_statements`)."""
    del vendor
    user = get_user_model()
    open_marks = placeholders(len(OPEN_STATUSES))
    counted = (
        f"SELECT COUNT(*) FROM {table(Appointment)} a WHERE a.{quote('course_id')} = "  # noqa: S608  (model names only)
        f"c.{quote('id')} AND a.{quote('status')} = %s"
    )
    return (
        f"SELECT c.*, {columns(user, 'u', ['full_name'])} AS signed_by_name, "  # noqa: S608  (model names only)
        f"({counted}) AS infusions_given, ({counted}) AS infusions_booked "
        f"FROM {table(TreatmentCourse)} c "
        f"INNER JOIN {table(user)} u ON u.{quote('id')} = c.{quote('signed_by_id')} "
        f"WHERE c.{quote('patient_id')} = %s "
        f"ORDER BY CASE WHEN c.{quote('status')} IN ({open_marks}) THEN 1 ELSE 0 END DESC, "
        f"c.{quote('signed_at')} DESC, c.{quote('id')} DESC LIMIT 1"
    )


def chart_course_for_patient(*, patient: Patient) -> ChartCourse | None:
    """The course `courses.selectors.course_latest_for_patient` picks (the open course, else the
    most recently signed), with who signed it and its treatments given and booked, in one
    statement written once (the ORM compiled it anew on every chart read: issue 15)."""
    params = [AppointmentStatus.COMPLETED, AppointmentStatus.BOOKED, patient.pk, *OPEN_STATUSES]
    course = next(
        iter(TreatmentCourse.objects.raw(_course_statement(connection.vendor), params)),
        None,
    )
    if course is None:
        return None
    return ChartCourse(
        course=course,
        # The statement's own columns, set on the row by `raw()`.
        signed_by=getattr(course, "signed_by_name"),  # noqa: B009
        infusions_given=getattr(course, "infusions_given"),  # noqa: B009
        infusions_booked=getattr(course, "infusions_booked"),  # noqa: B009
    )


# The sessions, readings and alarms are read as rows, not model instances: a chart holds a
# hundred rows, and building a model and a related model for each, from SQL compiled anew on
# every read, was most of the read's cost (issue 15: a chart read cost 16 ms of the server's CPU).
# The statements are written once from the models' own table and column names; what they read
# is exactly what `GET /sessions/{id}/vitals` reads (tests compare the two answers).


@dataclass(frozen=True, slots=True)
class ChartAlarm:
    id: int
    session_id: int
    reading_id: int
    level: int
    parameter: str
    message: str
    suggested_action: str
    raised_at: datetime.datetime
    acknowledge_by: datetime.datetime
    acknowledged_at: datetime.datetime | None
    acknowledged_by: str | None  # the staff member's name (else email); None until acknowledged
    action_taken: str
    escalated_at: datetime.datetime | None

    @property
    def level_label(self) -> str:
        return alarm_level_label(self.level)


@dataclass(frozen=True, slots=True)
class ChartReading:
    id: int
    session_id: int
    measured_at: datetime.datetime
    phase: str
    systolic_mmhg: int
    diastolic_mmhg: int
    heart_rate_bpm: int
    spo2_percent: int
    respiratory_rate_per_min: int | None
    moaa_s: int | None
    temperature_c: Decimal | None
    rhythm: str
    has_symptoms: bool
    alarm_level: int
    pre_infusion_decision: str
    assessment: list[dict[str, str]]
    recorded_by: str  # the staff member's name, else their email
    alarms: list[ChartAlarm] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ChartSession:
    id: int
    appointment_id: int
    course_id: int
    route: str
    protocol_key: str
    status: str
    status_reason: str
    scheduled_at: datetime.datetime
    chair: str | None
    checked_in_at: datetime.datetime
    started_at: datetime.datetime | None
    stopped_at: datetime.datetime | None
    discharged_at: datetime.datetime | None
    readings: list[ChartReading] = field(default_factory=list)

    @property
    def open_alarm_count(self) -> int:
        return sum(
            1
            for reading in self.readings
            for alarm in reading.alarms
            if alarm.acknowledged_at is None
        )


_SESSION_FIELDS = ["id", "appointment", "course", "route", "protocol_key", "status"]
_SESSION_FIELDS += ["status_reason"]
_SESSION_TIMES = ["checked_in_at", "started_at", "stopped_at", "discharged_at"]
_READING_FIELDS = [
    "id",
    "session",
    "measured_at",
    "phase",
    "systolic_mmhg",
    "diastolic_mmhg",
    "heart_rate_bpm",
    "spo2_percent",
    "respiratory_rate_per_min",
    "moaa_s",
    "temperature_c",
    "rhythm",
    "has_symptoms",
    "alarm_level",
    "pre_infusion_decision",
    "assessment",
]
_ALARM_FIELDS = [
    "id",
    "session",
    "reading",
    "level",
    "parameter",
    "message",
    "suggested_action",
    "raised_at",
    "acknowledge_by",
    "acknowledged_at",
]


_TEMPERATURE_PLACES: int = cast(
    "models.DecimalField[Any, Any]", VitalSignReading._meta.get_field("temperature_c")
).decimal_places


@functools.cache
def _statements(vendor: str) -> tuple[str, str, str]:
    """The three reads, written once per process (and database vendor: quoting differs).

    Nothing from outside is written into them: the names are the models' own, quoted by the
    database backend, and every value is a parameter (the `noqa: S608`s below).
    """
    del vendor  # the cache key: `connection.ops` quotes for the database in use
    session, appointment, chair = TreatmentSession, Appointment, Chair
    sessions = (
        f"SELECT {columns(session, 's', _SESSION_FIELDS)}, "  # noqa: S608  (model names only)
        f"{columns(appointment, 'a', ['starts_at'])}, {columns(chair, 'c', ['name'])}, "
        f"{columns(session, 's', _SESSION_TIMES)} "
        f"FROM {table(session)} s "
        f"INNER JOIN {table(appointment)} a ON a.{quote('id')} = s.{quote('appointment_id')} "
        f"LEFT OUTER JOIN {table(chair)} c ON c.{quote('id')} = a.{quote('chair_id')} "
        f"WHERE s.{quote('clinic_id')} = %s AND s.{quote('patient_id')} = %s "
        f"ORDER BY s.{quote('checked_in_at')} DESC, s.{quote('id')} DESC LIMIT %s"
    )
    user = get_user_model()
    staff_name = columns(user, "u", ["full_name", "email"])
    readings = (
        f"SELECT {columns(VitalSignReading, 'r', _READING_FIELDS)}, {staff_name} "  # noqa: S608  (model names only)
        f"FROM {table(VitalSignReading)} r "
        f"INNER JOIN {table(user)} u ON u.{quote('id')} = r.{quote('recorded_by_id')} "
        f"WHERE r.{quote('session_id')} IN ({{sessions}}) "
        f"ORDER BY r.{quote('measured_at')}, r.{quote('id')}"
    )
    alarms = (
        f"SELECT {columns(SessionAlarm, 'l', _ALARM_FIELDS)}, {staff_name}, "  # noqa: S608  (model names only)
        f"{columns(SessionAlarm, 'l', ['action_taken', 'escalated_at'])} "
        f"FROM {table(SessionAlarm)} l "
        f"LEFT OUTER JOIN {table(user)} u ON u.{quote('id')} = l.{quote('acknowledged_by_id')} "
        f"WHERE l.{quote('session_id')} IN ({{sessions}}) "
        f"ORDER BY l.{quote('raised_at')}, l.{quote('id')}"
    )
    return sessions, readings, alarms


def _decimal(value: Any, places: int) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))


def _json(value: Any) -> Any:
    """A JSON column: text from PostgreSQL's driver as Django sets it up, and from SQLite."""
    return json.loads(value) if isinstance(value, str) else value


def _staff_name(full_name: str | None, email: str | None) -> str | None:
    """How the record names a member of staff: their full name, else their email."""
    if full_name is None and email is None:
        return None
    return full_name or email or ""


def sessions_with_vitals_for_patient(
    *, clinic: Clinic, patient: Patient, session_count: int
) -> list[ChartSession]:
    """The patient's `session_count` newest sessions at the clinic, newest check-in first, each
    with its readings in time order and each reading's alarms in the order they were raised (as
    `GET /sessions/{id}/vitals` reads them): three statements for any number of rows, none
    when the patient has no session."""
    sessions_sql, readings_sql, alarms_sql = _statements(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sessions_sql, [clinic.pk, patient.pk, session_count])
        sessions = [
            ChartSession(
                id=row[0],
                appointment_id=row[1],
                course_id=row[2],
                route=row[3],
                protocol_key=row[4],
                status=row[5],
                status_reason=row[6],
                scheduled_at=instant(row[7]),
                chair=row[8],
                checked_in_at=instant(row[9]),
                started_at=maybe_instant(row[10]),
                stopped_at=maybe_instant(row[11]),
                discharged_at=maybe_instant(row[12]),
            )
            for row in cursor.fetchall()
        ]
        if not sessions:
            return sessions
        ids = [session.id for session in sessions]
        marks = placeholders(len(ids))
        cursor.execute(readings_sql.format(sessions=marks), ids)
        readings = [
            ChartReading(
                id=row[0],
                session_id=row[1],
                measured_at=instant(row[2]),
                phase=row[3],
                systolic_mmhg=row[4],
                diastolic_mmhg=row[5],
                heart_rate_bpm=row[6],
                spo2_percent=row[7],
                respiratory_rate_per_min=row[8],
                moaa_s=row[9],
                temperature_c=_decimal(row[10], _TEMPERATURE_PLACES),
                rhythm=row[11],
                has_symptoms=bool(row[12]),
                alarm_level=row[13],
                pre_infusion_decision=row[14],
                assessment=_json(row[15]),
                recorded_by=_staff_name(row[16], row[17]) or "",
            )
            for row in cursor.fetchall()
        ]
        cursor.execute(alarms_sql.format(sessions=marks), ids)
        alarms = [
            ChartAlarm(
                id=row[0],
                session_id=row[1],
                reading_id=row[2],
                level=row[3],
                parameter=row[4],
                message=row[5],
                suggested_action=row[6],
                raised_at=instant(row[7]),
                acknowledge_by=instant(row[8]),
                acknowledged_at=maybe_instant(row[9]),
                acknowledged_by=_staff_name(row[10], row[11]),
                action_taken=row[12],
                escalated_at=maybe_instant(row[13]),
            )
            for row in cursor.fetchall()
        ]
    by_reading = {reading.id: reading for reading in readings}
    for alarm in alarms:
        reading = by_reading.get(alarm.reading_id)
        if reading is not None:
            reading.alarms.append(alarm)
    by_session = {session.id: session for session in sessions}
    for reading in readings:
        by_session[reading.session_id].readings.append(reading)
    return sessions


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
