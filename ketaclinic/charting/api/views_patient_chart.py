"""A patient's chart in one request (issue 15): the patient, the current course and the newest
sessions with their vital signs and alarms, where a client used to read the patient and then
each session's vitals (a request, and an audit event, for each).

The shapes reuse the ones of the endpoints read apart: the patient as `GET /patients/{id}`, the
course as `GET /courses/{id}`, each reading as `GET /sessions/{id}/vitals`. No dose figure is
shown (no preparation, no delivered mg), so nothing here is withheld from a blinded checker;
the course's `clinical` part is the prescription, shown to every chart reader as
`GET /courses/{id}` shows it.
"""

from __future__ import annotations

import datetime
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.roles import Action
from ketaclinic.api.base import ERRORS, allowed
from ketaclinic.api.fields import ClinicDateTimeField
from ketaclinic.charting.access import patient_chart_get_for_staff
from ketaclinic.charting.api.common import SessionEndpoint
from ketaclinic.charting.api.inputs import SessionRouteField, SessionStatusField
from ketaclinic.charting.api.outputs import (
    VitalsSerializer,
    alarm_body,
    decimal_text,
    instant_text,
    vitals_body,
)
from ketaclinic.charting.selectors import (
    CHART_SESSIONS_DEFAULT,
    CHART_SESSIONS_MAX,
    ChartCourse,
    ChartReading,
    ChartSession,
    PatientChart,
)
from ketaclinic.courses.api.outputs import (
    CourseClinicalSerializer,
    CourseSerializer,
    course_data,
)
from ketaclinic.patients.api.outputs import PatientSerializer
from ketaclinic.patients.models import Patient

# The decimal places DRF would show these numbers with (the schema's fields).
DOSE_PLACES: int = CourseClinicalSerializer._declared_fields["starting_dose"].decimal_places  # type: ignore[attr-defined]

# --- the query ----------------------------------------------------------------------------------

_SESSIONS_RANGE = f"from 1 to {CHART_SESSIONS_MAX}"


class PatientChartQuerySerializer(serializers.Serializer):
    sessions = serializers.IntegerField(
        min_value=1,
        max_value=CHART_SESSIONS_MAX,
        required=False,
        default=CHART_SESSIONS_DEFAULT,
        help_text=f"How many of the newest sessions to include, {_SESSIONS_RANGE} "
        f"({CHART_SESSIONS_DEFAULT} by default).",
        error_messages={
            "invalid": f"The number of sessions is a whole number {_SESSIONS_RANGE}.",
            "max_string_length": f"The number of sessions is a whole number {_SESSIONS_RANGE}.",
            "min_value": "Ask for at least 1 session.",
            "max_value": f"A chart shows at most {CHART_SESSIONS_MAX} sessions: ask for fewer.",
        },
    )


# --- the answer ---------------------------------------------------------------------------------


# The shape of a session in the chart, for the schema: the answer is built by `_session_body`
# and tested against the endpoints that read the same rows apart.
class ChartSessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    appointment_id = serializers.IntegerField()
    course_id = serializers.IntegerField()
    route = SessionRouteField()
    protocol_key = serializers.CharField()
    status = SessionStatusField()
    status_reason = serializers.CharField()
    scheduled_at = ClinicDateTimeField(help_text="When the treatment was booked to start.")
    chair = serializers.CharField(allow_null=True)
    checked_in_at = ClinicDateTimeField()
    started_at = ClinicDateTimeField(allow_null=True)
    stopped_at = ClinicDateTimeField(allow_null=True)
    discharged_at = ClinicDateTimeField(allow_null=True)
    open_alarm_count = serializers.IntegerField(
        min_value=0, help_text="The session's alarms not yet acknowledged."
    )
    vitals = VitalsSerializer(
        many=True,
        help_text="The session's readings in time order, each with the alarms it raised, as "
        "`GET /sessions/{id}/vitals` answers them.",
    )


class ChartCourseSerializer(CourseSerializer):
    infusions_given = serializers.IntegerField(
        min_value=0, help_text="Treatments completed under the course."
    )
    infusions_booked = serializers.IntegerField(
        min_value=0, help_text="Treatments booked and not yet completed."
    )
    next_checkpoint = serializers.IntegerField(
        allow_null=True, help_text="The infusion at which the course is next reviewed."
    )


class PatientChartSerializer(serializers.Serializer):
    patient = PatientSerializer()
    course = ChartCourseSerializer(
        allow_null=True,
        help_text="The open course, else the most recently signed one; null when none.",
    )
    sessions = ChartSessionSerializer(many=True, help_text="Newest check-in first.")


# The answer is built here as plain data rather than through the serializers above (which give
# the schema): a chart is a hundred rows, and a serializer per row cost more of the server's
# time than reading them (issue 15). Each part equals what the endpoint that reads it apart
# answers (`GET /patients/{id}`, `GET /courses/{id}`, `GET /sessions/{id}/vitals`): the tests
# compare them field by field.


def _patient_body(patient: Patient) -> dict[str, Any]:
    return {
        "id": patient.pk,
        "medical_record_number": patient.medical_record_number,
        "legal_first_name": patient.legal_first_name,
        "legal_last_name": patient.legal_last_name,
        "preferred_name": patient.preferred_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex_at_birth": patient.sex_at_birth,
        "email": patient.email,
        "phone": patient.phone,
        "journey_stage": patient.journey_stage,
    }


def _course_body(current: ChartCourse | None, zone: datetime.tzinfo) -> dict[str, Any] | None:
    if current is None:
        return None
    course = current.course
    # Every caller here holds `patient.chart_view`: the course reads whole, as on its page.
    return {
        **course_data(course, sees_chart=True, signed_by=current.signed_by),
        "signed_at": instant_text(course.signed_at, zone),
        "clinical": {
            "starting_dose": decimal_text(course.starting_dose, DOSE_PLACES),
            "dose_unit": course.dose_unit,
            "titration_plan": course.titration_plan,
            "booster_plan": course.booster_plan,
            "rems_patient_enrollment": course.rems_patient_enrollment,
            "note": course.note,
        },
        "infusions_given": current.infusions_given,
        "infusions_booked": current.infusions_booked,
        "next_checkpoint": current.next_checkpoint,
    }


def _reading_body(reading: ChartReading, zone: datetime.tzinfo) -> dict[str, Any]:
    alarms = [
        alarm_body(alarm, acknowledged_by=alarm.acknowledged_by, zone=zone)
        for alarm in reading.alarms
    ]
    return vitals_body(reading, recorded_by=reading.recorded_by, alarms=alarms, zone=zone)


def _session_body(session: ChartSession, zone: datetime.tzinfo) -> dict[str, Any]:
    return {
        "id": session.id,
        "appointment_id": session.appointment_id,
        "course_id": session.course_id,
        "route": session.route,
        "protocol_key": session.protocol_key,
        "status": session.status,
        "status_reason": session.status_reason,
        "scheduled_at": instant_text(session.scheduled_at, zone),
        "chair": session.chair,
        "checked_in_at": instant_text(session.checked_in_at, zone),
        "started_at": instant_text(session.started_at, zone),
        "stopped_at": instant_text(session.stopped_at, zone),
        "discharged_at": instant_text(session.discharged_at, zone),
        "open_alarm_count": session.open_alarm_count,
        "vitals": [_reading_body(reading, zone) for reading in session.readings],
    }


def chart_body(chart: PatientChart, zone: datetime.tzinfo) -> dict[str, Any]:
    """The answer of `GET /patients/{id}/chart`, instants in the clinic's zone `zone`."""
    return {
        "patient": _patient_body(chart.patient),
        "course": _course_body(chart.course, zone),
        "sessions": [_session_body(session, zone) for session in chart.sessions],
    }


class PatientChartView(SessionEndpoint):
    @extend_schema(
        operation_id="patients_chart_retrieve",
        summary="A patient's chart in one request: the patient, the current course and the "
        "newest sessions with their vital signs",
        description="The patient (as `GET /patients/{id}`), the current course (the open one, "
        "else the most recently signed; as `GET /courses/{id}`, with the treatments given and "
        "booked and the next review point) and the newest sessions (`sessions`, "
        f"{_SESSIONS_RANGE}, {CHART_SESSIONS_DEFAULT} by default), each with its status, "
        "times, chair and readings with their alarms (as `GET /sessions/{id}/vitals`). No "
        "dose figures. Needs `patient.chart_view`; recorded as one `patient.chart_viewed` "
        'with `{"via": "api", "part": "chart", "sessions": [ids]}`.',
        parameters=[PatientChartQuerySerializer],
        responses={200: PatientChartSerializer, **ERRORS},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        # Permission first: a refused caller learns nothing from validation.
        user, clinic = allowed(request, Action.PATIENT_CHART_VIEW)
        query = PatientChartQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        chart = patient_chart_get_for_staff(
            user=user,
            clinic=clinic,
            patient_id=patient_id,
            session_count=query.validated_data["sessions"],
        )
        return Response(chart_body(chart, clinic.zone))
