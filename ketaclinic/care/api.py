"""REST endpoints for a patient's outcomes (issue 8): the questionnaire responses, paginated,
and each course's outcome status on each measure (baseline, latest, change, response / partial
response / remission, the early non-improvement and relapse signals).

The same door and selectors as the staff outcome page (`care`): `outcomes.view`, audited as a
chart view; every figure comes from `medicine/outcomes.py` through `care.course_outcome`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.roles import Action
from ketaclinic.api.base import ERRORS, StaffEndpoint, StaffListEndpoint, staff_caller
from ketaclinic.api.fields import ClinicDateTimeField, CountField, clinic_context
from ketaclinic.api.permissions import api_clinic
from ketaclinic.care.selectors import course_outcomes_for_patient
from ketaclinic.medicine.outcomes import CourseSignal, OutcomeStatus
from ketaclinic.outcomes.api import QuestionnaireResponseSerializer
from ketaclinic.outcomes.models import QuestionnaireResponse
from ketaclinic.outcomes.selectors import questionnaire_response_page_list_for_patient
from ketaclinic.patients.access import patient_get_for_staff

# --- shapes ------------------------------------------------------------------------------------


class OutcomeScoreSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    at = ClinicDateTimeField()


class OutcomeEarlySignalSerializer(serializers.Serializer):
    signal = serializers.ChoiceField(
        choices=[s.value for s in CourseSignal],
        help_text="The stop rule at infusion 3–4 (CLINICAL.md §8).",
    )
    reason = serializers.CharField()


class OutcomeRelapseSignalSerializer(serializers.Serializer):
    suggests_booster = serializers.BooleanField()
    reason = serializers.CharField()


class InstrumentOutcomeSerializer(serializers.Serializer):
    instrument = serializers.CharField()
    baseline = OutcomeScoreSerializer(
        allow_null=True,
        help_text=(
            "The last score before infusion 1, within the clinic's baseline window (30 days "
            "unless its rules say otherwise)."
        ),
    )
    latest = OutcomeScoreSerializer(allow_null=True)
    change_points = serializers.IntegerField(
        allow_null=True, help_text="Baseline − latest: positive is better."
    )
    change_percent = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    status = serializers.ChoiceField(
        choices=[s.value for s in OutcomeStatus], allow_null=True, help_text="Null: see the note."
    )
    status_note = serializers.CharField(help_text="Why there is no status yet, if there is none.")
    early_signal = OutcomeEarlySignalSerializer(source="early", allow_null=True)
    relapse_signal = OutcomeRelapseSignalSerializer(source="relapse", allow_null=True)
    infusions_to_response = serializers.IntegerField(allow_null=True)


class CourseOutcomeSerializer(serializers.Serializer):
    course_id = serializers.IntegerField(source="course.pk")
    protocol_key = serializers.CharField(source="course.protocol_key")
    status = serializers.CharField(
        source="course.status", help_text="The course's state (induction, maintenance…)."
    )
    infusions_given = CountField(source="infusions")
    outcomes = InstrumentOutcomeSerializer(many=True)


class PatientOutcomeStatusSerializer(serializers.Serializer):
    patient_id = serializers.IntegerField()
    median_infusions_to_response = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        allow_null=True,
        help_text="Median over the patient's courses that reached a response (PHQ-9 first).",
    )
    courses = CourseOutcomeSerializer(many=True, help_text="Newest first.")


# --- endpoints ---------------------------------------------------------------------------------


class PatientOutcomeStatusView(StaffEndpoint):
    @extend_schema(
        operation_id="patients_outcome_status",
        summary="A patient's outcome status per course and measure",
        description=(
            "For each course (newest first) and each measure with response rules answered in it: "
            "baseline (the last score before infusion 1, within the clinic's baseline window), "
            "latest, change in points and percent, "
            "status (remission, response, partial response, early improvement, no improvement, "
            "worsening; null before a baseline and a later score exist), the early "
            "non-improvement signal at infusion 3–4 and the relapse signal that suggests a "
            "booster. Needs `outcomes.view`; recorded as a chart view."
        ),
        responses={200: PatientOutcomeStatusSerializer, **ERRORS},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        clinic = api_clinic(request)
        patient = patient_get_for_staff(
            user=staff_caller(request),
            clinic=clinic,
            patient_id=patient_id,
            action=Action.OUTCOMES_VIEW,
        )
        rows, median = course_outcomes_for_patient(patient=patient)
        data = {"patient_id": patient.pk, "median_infusions_to_response": median, "courses": rows}
        return Response(PatientOutcomeStatusSerializer(data, context=clinic_context(clinic)).data)


class PatientOutcomeResponsesView(StaffListEndpoint):
    serializer_class = QuestionnaireResponseSerializer

    def get_queryset(self) -> QuerySet[QuestionnaireResponse]:
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI generator
            return questionnaire_response_page_list_for_patient(patient=None)
        patient = patient_get_for_staff(
            user=staff_caller(self.request),
            clinic=api_clinic(self.request),
            patient_id=self.kwargs["patient_id"],
            action=Action.OUTCOMES_VIEW,
        )
        instrument = self.request.query_params.get("instrument", "")
        return questionnaire_response_page_list_for_patient(patient=patient, instrument=instrument)

    @extend_schema(
        operation_id="patients_outcome_responses_list",
        summary="A patient's questionnaire responses for outcomes, newest first, paginated",
        description=(
            "Every response with its answers, total, band and flags; `?instrument=phq9` keeps "
            "one measure. Needs `outcomes.view`; recorded as a chart view."
        ),
        responses={200: QuestionnaireResponseSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
