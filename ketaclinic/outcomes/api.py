"""REST endpoints and shapes of the outcomes app (questionnaires and their scores, urgent tasks).

Suicide-safety tasks (issue 8; CLINICAL.md §9.3): the clinic's open urgent tasks, and a
physician's acknowledgement ("I have it") and completion. A positive suicide-risk answer (PHQ-9
item 9 ≥ 1, C-SSRS items 3–6), from the portal or a tablet, raises the task for the patient's
physician with an acknowledgement deadline; missed, it is escalated once to the medical director.
Reading needs `patient.chart_view`; acting needs `safety_task.resolve` (physicians). The outcomes
services decide everything.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.roles import Action
from ketaclinic.api.base import ERRORS, REFUSED_BY_STATE, StaffEndpoint, allowed, staff_caller
from ketaclinic.api.fields import ClinicDateTimeField, InputSerializer, clinic_context
from ketaclinic.api.permissions import api_clinic
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import NotFound
from ketaclinic.outcomes.models import ClinicalTask, QuestionnaireResponse, ResponseContext
from ketaclinic.outcomes.selectors import (
    clinical_task_get_for_clinic,
    questionnaire_response_list_for_patient,
    urgent_task_list,
)
from ketaclinic.outcomes.services import (
    clinical_task_acknowledge,
    clinical_task_complete,
    questionnaire_record,
)
from ketaclinic.patients.access import patient_get_for_staff

# --- urgent safety tasks (a positive suicide-risk answer's task for the physician) ----------

TASK_NOT_FOUND = "No such task at this clinic."


class SafetyTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    patient_id = serializers.IntegerField()
    patient_name = serializers.CharField(source="patient.display_name")
    title = serializers.CharField()
    detail = serializers.CharField()
    priority = serializers.CharField()
    source_response_id = serializers.IntegerField(allow_null=True)
    created_at = ClinicDateTimeField()
    assigned_to = serializers.CharField(
        source="assigned_to.full_name",
        allow_null=True,
        help_text="The patient's physician; null = any physician at the clinic.",
    )
    acknowledge_by = ClinicDateTimeField(
        allow_null=True, help_text="Null for urgent tasks without a deadline (an alarm's)."
    )
    is_overdue = serializers.SerializerMethodField(help_text="Unacknowledged past its deadline.")
    acknowledged_at = ClinicDateTimeField(allow_null=True)
    acknowledged_by = serializers.CharField(source="acknowledged_by.full_name", allow_null=True)
    acknowledgement_note = serializers.CharField()
    escalated_at = ClinicDateTimeField(allow_null=True)
    escalated_to = serializers.CharField(
        source="escalated_to.full_name",
        allow_null=True,
        help_text="The medical director it went to when the deadline was missed.",
    )
    completed_at = ClinicDateTimeField(allow_null=True)
    completed_by = serializers.CharField(source="completed_by.full_name", allow_null=True)
    completion_note = serializers.CharField()

    def get_is_overdue(self, task: ClinicalTask) -> bool:
        return task.is_overdue(self.context["now"])


class SafetyTaskNoteInputSerializer(InputSerializer):
    note = serializers.CharField(max_length=2000, help_text="What you are doing, or what was done.")


def _context(clinic: Clinic) -> dict[str, Any]:
    return clinic_context(clinic) | {"now": timezone.now()}


def _data(task: ClinicalTask, clinic: Clinic) -> dict[str, Any]:
    data: dict[str, Any] = SafetyTaskSerializer(task, context=_context(clinic)).data
    return data


def _task(clinic: Clinic, task_id: int) -> ClinicalTask:
    task = clinical_task_get_for_clinic(clinic=clinic, task_id=task_id)
    if task is None:
        raise NotFound(TASK_NOT_FOUND)
    return task


def _note(request: Request) -> str:
    payload = SafetyTaskNoteInputSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    return str(payload.validated_data["note"])


class SafetyTaskListView(StaffEndpoint):
    @extend_schema(
        operation_id="safety_tasks_list",
        summary="Open urgent tasks at the clinic",
        description="Soonest deadline first. `mine=true`: assigned to me, escalated to me, or to "
        "any physician. Needs `patient.chart_view`.",
        parameters=[OpenApiParameter("mine", bool, description="Only mine (default false: all).")],
        responses={200: SafetyTaskSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        user, clinic = allowed(request, Action.PATIENT_CHART_VIEW)
        mine = request.query_params.get("mine", "").lower() in {"1", "true", "yes"}
        tasks = urgent_task_list(clinic=clinic, user=user, mine=mine)
        return Response(SafetyTaskSerializer(tasks, many=True, context=_context(clinic)).data)


class SafetyTaskAcknowledgeView(StaffEndpoint):
    @extend_schema(
        operation_id="safety_tasks_acknowledge",
        summary='Acknowledge an urgent task ("I have it")',
        description="Stops the escalation clock; the task stays open until completed. 409 when "
        "already acknowledged or completed. Needs `safety_task.resolve`; recorded as "
        "`task.acknowledged`.",
        request=SafetyTaskNoteInputSerializer,
        responses={200: SafetyTaskSerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, task_id: int) -> Response:
        user, clinic = allowed(request, Action.SAFETY_TASK_RESOLVE)
        task = _task(clinic, task_id)
        clinical_task_acknowledge(acting_user=user, task=task, note=_note(request))
        return Response(_data(_task(clinic, task_id), clinic))


class SafetyTaskCompleteView(StaffEndpoint):
    @extend_schema(
        operation_id="safety_tasks_complete",
        summary="Complete an urgent task, saying what was done",
        description="Completing also acknowledges it if no one had. 409 when already completed. "
        "Needs `safety_task.resolve`; recorded as `task.completed`.",
        request=SafetyTaskNoteInputSerializer,
        responses={200: SafetyTaskSerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, task_id: int) -> Response:
        user, clinic = allowed(request, Action.SAFETY_TASK_RESOLVE)
        task = _task(clinic, task_id)
        clinical_task_complete(acting_user=user, task=task, note=_note(request))
        return Response(_data(_task(clinic, task_id), clinic))


# --- questionnaire responses (a patient's answers, scored by the clinic's rules) -----------------


class QuestionnaireResponseSerializer(serializers.ModelSerializer):
    # Declared so the schema is the same on every database (model IntegerField ranges differ).
    total = serializers.IntegerField(read_only=True)

    class Meta:
        model = QuestionnaireResponse
        fields = [
            "id",
            "instrument",
            "answers",
            "total",
            "band",
            "flags",
            "context",
            "source",
            "completed_at",
        ]


QuestionnaireEntrySerializer = type(
    "QuestionnaireEntrySerializer",
    (serializers.Serializer,),
    {
        "instrument": serializers.CharField(max_length=32),
        "answers": serializers.DictField(child=serializers.IntegerField()),
        "context": serializers.ChoiceField(
            choices=ResponseContext.choices, default=ResponseContext.SCREENING
        ),
    },
)


class PatientQuestionnaireResponsesView(StaffEndpoint):
    @extend_schema(
        operation_id="patients_questionnaire_responses_list",
        summary="A patient's questionnaire responses, newest first",
        responses={200: QuestionnaireResponseSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        patient = patient_get_for_staff(
            user=staff_caller(request), clinic=api_clinic(request), patient_id=patient_id
        )
        return Response(
            QuestionnaireResponseSerializer(
                questionnaire_response_list_for_patient(patient=patient, limit=200), many=True
            ).data
        )

    @extend_schema(
        operation_id="patients_questionnaire_responses_create",
        summary="Record a questionnaire (scored by the clinic's rules)",
        description=(
            "A positive suicide-risk answer raises an urgent task for the physician at once."
        ),
        request=QuestionnaireEntrySerializer,
        responses={201: QuestionnaireResponseSerializer, **ERRORS},
    )
    def post(self, request: Request, patient_id: int) -> Response:
        payload = QuestionnaireEntrySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = staff_caller(request)
        patient = patient_get_for_staff(
            user=user,
            clinic=api_clinic(request),
            patient_id=patient_id,
            action=Action.QUESTIONNAIRE_RECORD,
        )
        response = questionnaire_record(
            acting_user=user,
            patient=patient,
            instrument_code=payload.validated_data["instrument"],
            answers=payload.validated_data["answers"],
            context=ResponseContext(payload.validated_data["context"]),
        )
        return Response(
            QuestionnaireResponseSerializer(response).data, status=status.HTTP_201_CREATED
        )
