"""REST endpoints for a patient's journey (issue 4): intake, questionnaire responses, eligibility
decisions and consents. Each goes through the patient access door and the same services as the
staff pages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.roles import Action
from ketaclinic.api.endpoints import ERRORS, StaffEndpoint, _user
from ketaclinic.api.permissions import api_clinic
from ketaclinic.consent.models import ConsentSignature
from ketaclinic.core.errors import NotFound
from ketaclinic.intake.models import EligibilityDecision
from ketaclinic.intake.selectors import eligibility_advice_for_intake, intake_get_for_patient
from ketaclinic.outcomes.models import QuestionnaireResponse, ResponseContext
from ketaclinic.outcomes.selectors import questionnaire_response_list_for_patient
from ketaclinic.outcomes.services import questionnaire_record
from ketaclinic.patients.access import patient_get_for_staff

# type() because "source" and "context" are also attributes of DRF's Field: DRF's metaclass
# moves declared fields off the class, but a class body would shadow them for the type checker.
ReasonSerializer = type(
    "ReasonSerializer",
    (serializers.Serializer,),
    {
        "severity": serializers.CharField(),
        "message": serializers.CharField(),
        "source": serializers.CharField(),
    },
)


class AdviceSerializer(serializers.Serializer):
    decision = serializers.CharField()
    adequate_failed_trials = serializers.IntegerField()
    reasons = ReasonSerializer(many=True)


class IntakeSerializer(serializers.Serializer):
    status = serializers.CharField()
    indication = serializers.CharField()
    allergies = serializers.CharField()
    psychiatric_history = serializers.CharField()
    medical_history = serializers.ListField(child=serializers.CharField())
    height_cm = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    weight_kg = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    diagnoses = serializers.ListField(child=serializers.CharField())
    medications = serializers.ListField(child=serializers.CharField())
    submitted_at = serializers.DateTimeField(allow_null=True)
    advice = AdviceSerializer(allow_null=True)


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


class DecisionSerializer(serializers.ModelSerializer):
    signed_by = serializers.CharField(source="signed_by.full_name")

    class Meta:
        model = EligibilityDecision
        fields = [
            "id",
            "outcome",
            "protocol_key",
            "note",
            "requested_items",
            "signed_by",
            "signed_at",
            "advice_snapshot",
        ]


class ConsentSerializer(serializers.ModelSerializer):
    treatment = serializers.CharField(source="document.treatment")
    version = serializers.IntegerField(source="document.version")
    witness = serializers.CharField(source="witness.full_name")

    class Meta:
        model = ConsentSignature
        fields = ["id", "treatment", "version", "typed_name", "signed_at", "expires_at", "witness"]


class PatientIntakeView(StaffEndpoint):
    @extend_schema(
        operation_id="patients_intake_retrieve",
        summary="A patient's intake and the rules' eligibility advice",
        responses={200: IntakeSerializer, **ERRORS},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        patient = patient_get_for_staff(
            user=_user(request), clinic=api_clinic(request), patient_id=patient_id
        )
        intake = intake_get_for_patient(patient_id=patient.pk)
        if intake is None:
            raise NotFound("This patient has no intake yet.")
        advice = eligibility_advice_for_intake(intake)
        data = {
            "status": intake.status,
            "indication": intake.indication,
            "allergies": intake.allergies,
            "psychiatric_history": intake.psychiatric_history,
            "medical_history": intake.medical_history,
            "height_cm": intake.height_cm,
            "weight_kg": intake.weight_kg,
            "diagnoses": [d.code for d in intake.diagnoses.all()],
            "medications": [m.name for m in intake.medications.all()],
            "submitted_at": intake.submitted_at,
            "advice": None
            if advice is None
            else {
                "decision": advice.decision.value,
                "adequate_failed_trials": advice.adequate_failed_trials,
                "reasons": [
                    {"severity": r.severity.value, "message": r.message, "source": r.source}
                    for r in advice.reasons
                ],
            },
        }
        return Response(IntakeSerializer(data).data)


class PatientQuestionnaireResponsesView(StaffEndpoint):
    @extend_schema(
        operation_id="patients_questionnaire_responses_list",
        summary="A patient's questionnaire responses, newest first",
        responses={200: QuestionnaireResponseSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        patient = patient_get_for_staff(
            user=_user(request), clinic=api_clinic(request), patient_id=patient_id
        )
        return Response(
            QuestionnaireResponseSerializer(
                questionnaire_response_list_for_patient(patient=patient, limit=200), many=True
            ).data
        )

    @extend_schema(
        operation_id="patients_questionnaire_responses_create",
        summary="Record a questionnaire (scored by the clinic's rules)",
        description="A positive suicide-risk answer raises an urgent task for the physician at once.",
        request=QuestionnaireEntrySerializer,
        responses={201: QuestionnaireResponseSerializer, **ERRORS},
    )
    def post(self, request: Request, patient_id: int) -> Response:
        payload = QuestionnaireEntrySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = _user(request)
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


class PatientEligibilityDecisionsView(StaffEndpoint):
    @extend_schema(
        operation_id="patients_eligibility_decisions_list",
        summary="A patient's signed eligibility decisions",
        responses={200: DecisionSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        patient = patient_get_for_staff(
            user=_user(request), clinic=api_clinic(request), patient_id=patient_id
        )
        decisions = EligibilityDecision.objects.filter(patient=patient).select_related("signed_by")
        return Response(DecisionSerializer(decisions, many=True).data)


class PatientConsentsView(StaffEndpoint):
    @extend_schema(
        operation_id="patients_consents_list",
        summary="A patient's signed consents",
        responses={200: ConsentSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        patient = patient_get_for_staff(
            user=_user(request),
            clinic=api_clinic(request),
            patient_id=patient_id,
            action=Action.PATIENT_LIST,
        )
        signatures = ConsentSignature.objects.filter(patient=patient).select_related(
            "document", "witness"
        )
        return Response(ConsentSerializer(signatures, many=True).data)
