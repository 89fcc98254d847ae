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

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.roles import Action
from ketaclinic.api.base import ERRORS, allowed
from ketaclinic.api.fields import ClinicDateTimeField
from ketaclinic.charting.access import patient_chart_get_for_staff
from ketaclinic.charting.api.common import SessionEndpoint, respond
from ketaclinic.charting.api.inputs import SessionRouteField, SessionStatusField
from ketaclinic.charting.api.outputs import VitalsSerializer
from ketaclinic.charting.models import TreatmentSession
from ketaclinic.charting.selectors import (
    CHART_SESSIONS_DEFAULT,
    CHART_SESSIONS_MAX,
    ChartCourse,
    PatientChart,
)
from ketaclinic.courses.api.outputs import CourseSerializer, course_data
from ketaclinic.patients.api.outputs import PatientSerializer

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


class OpenAlarmCountField(serializers.IntegerField):
    """The session's alarms not yet acknowledged, counted over its prefetched readings (every
    alarm is raised by a reading), so that no query is made per session."""

    def get_attribute(self, instance: TreatmentSession) -> int:
        return sum(
            1
            for reading in instance.readings.all()
            for alarm in reading.alarms.all()
            if alarm.acknowledged_at is None
        )


class ChartSessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    appointment_id = serializers.IntegerField()
    course_id = serializers.IntegerField()
    route = SessionRouteField()
    protocol_key = serializers.CharField()
    status = SessionStatusField()
    status_reason = serializers.CharField()
    scheduled_at = ClinicDateTimeField(
        source="appointment.starts_at", help_text="When the treatment was booked to start."
    )
    chair = serializers.CharField(source="appointment.chair.name", allow_null=True)
    checked_in_at = ClinicDateTimeField()
    started_at = ClinicDateTimeField(allow_null=True)
    stopped_at = ClinicDateTimeField(allow_null=True)
    discharged_at = ClinicDateTimeField(allow_null=True)
    open_alarm_count = OpenAlarmCountField(min_value=0)
    vitals = VitalsSerializer(
        many=True,
        source="readings",
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


def _course_data(current: ChartCourse | None) -> dict[str, Any] | None:
    if current is None:
        return None
    # Every caller here holds `patient.chart_view`: the course reads whole, as on its page.
    return {
        **course_data(current.course, sees_chart=True),
        "infusions_given": current.infusions_given,
        "infusions_booked": current.infusions_booked,
        "next_checkpoint": current.next_checkpoint,
    }


def _chart_data(chart: PatientChart) -> dict[str, Any]:
    return {
        "patient": chart.patient,
        "course": _course_data(chart.course),
        "sessions": chart.sessions,
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
        return respond(PatientChartSerializer, _chart_data(chart), clinic, viewer=user)
