"""REST endpoints for the measurement schedule (issue 8): a patient's scheduled questionnaires,
and the clinic's list of due and missed ones. Read-only: booking a course's treatments plans
them (`measures.receivers`), the daily job replans, reminds and flags misses, and a recorded
response completes its measure."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.api.base import ERRORS, StaffEndpoint, StaffListEndpoint, staff_caller
from ketaclinic.api.permissions import api_clinic
from ketaclinic.measures.models import DueStatus, MeasureDue
from ketaclinic.measures.selectors import measure_list_for_clinic, measure_schedule_for_patient
from ketaclinic.patients.access import patient_get_for_staff

# --- inputs ------------------------------------------------------------------------------------


class MeasureListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[DueStatus.DUE, DueStatus.MISSED],
        required=False,
        help_text="Only due (window open or past) or only missed; both by default.",
    )


# --- outputs -----------------------------------------------------------------------------------


class MeasureDueSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    patient_id = serializers.IntegerField()
    course_id = serializers.IntegerField()
    instrument = serializers.CharField(help_text="Instrument code, e.g. `phq9`.")
    instrument_name = serializers.CharField()
    reason = serializers.ChoiceField(choices=["before_infusion", "weekly", "after_last_infusion"])
    reason_text = serializers.CharField(help_text='e.g. "Before infusion 3".')
    sequence = serializers.IntegerField(
        help_text="Infusion number, maintenance week, or days after the last infusion."
    )
    due_on = serializers.DateField()
    opens_on = serializers.DateField()
    closes_on = serializers.DateField(help_text="Missed if not answered by the end of this day.")
    status = serializers.ChoiceField(choices=DueStatus.choices)
    reminders_sent = serializers.IntegerField()
    completed_by_response_id = serializers.IntegerField(allow_null=True)


# --- endpoints ---------------------------------------------------------------------------------


class PatientMeasuresView(StaffEndpoint):
    @extend_schema(
        operation_id="patients_measures_list",
        summary="A patient's measurement schedule, newest due first",
        description=(
            "Every scheduled questionnaire of the patient's courses: before each infusion, "
            "weekly in maintenance, and on set days after the last infusion, with its status."
        ),
        responses={200: MeasureDueSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        patient = patient_get_for_staff(
            user=staff_caller(request),
            clinic=api_clinic(request),
            patient_id=patient_id,
            action=Action.OUTCOMES_VIEW,
        )
        rows = measure_schedule_for_patient(patient=patient)
        return Response(MeasureDueSerializer(rows, many=True).data)


class MeasureListView(StaffListEndpoint):
    serializer_class = MeasureDueSerializer

    def get_queryset(self) -> QuerySet[MeasureDue]:
        query = MeasureListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        clinic = api_clinic(self.request)
        require_permission(
            user=staff_caller(self.request), action=Action.OUTCOMES_VIEW, clinic=clinic
        )
        return measure_list_for_clinic(clinic=clinic, status=query.validated_data.get("status", ""))

    @extend_schema(
        operation_id="measures_list",
        summary="The acting clinic's due and missed measures, earliest first",
        parameters=[MeasureListQuerySerializer],
        responses={200: MeasureDueSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
