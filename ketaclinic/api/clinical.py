"""REST endpoints for a patient's journey (issue 4): intake, questionnaire responses, eligibility
decisions and consents. Each goes through the patient access door and the same services as the
staff pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import has_permission
from ketaclinic.accounts.roles import PERMISSIONS, Action
from ketaclinic.api.base import ERRORS, REFUSED_BY_STATE, StaffEndpoint, staff_caller
from ketaclinic.api.fields import NamedEnum
from ketaclinic.api.inputs import (
    AddendumInputSerializer,
    ConsentSignInputSerializer,
    EligibilityDecisionInputSerializer,
    IntakeInputSerializer,
)
from ketaclinic.api.journey import (
    PdfRenderer,
    consent_pdf_response,
    consent_sign_from_request,
    intake_save_from_request,
)
from ketaclinic.api.permissions import api_clinic
from ketaclinic.api.selectors import api_eligibility_decision_get
from ketaclinic.clinics.models import Clinic
from ketaclinic.consent.downloads import ConsentCopy
from ketaclinic.consent.models import ConsentSignature, Treatment
from ketaclinic.consent.services import consent_current
from ketaclinic.core.errors import NotFound
from ketaclinic.intake.models import (
    DecisionAddendum,
    EligibilityDecision,
    EligibilityOutcome,
    Intake,
    IntakeVersion,
    IntakeVersionKind,
)
from ketaclinic.intake.selectors import (
    decision_unreviewed_amendment,
    eligibility_advice_for_intake,
    eligibility_decisions_for_patient,
    intake_get_for_patient,
    intake_version_number,
    intake_versions_for_patient,
)
from ketaclinic.intake.services import eligibility_addendum_add, eligibility_decide
from ketaclinic.outcomes.models import QuestionnaireResponse, ResponseContext
from ketaclinic.outcomes.selectors import questionnaire_response_list_for_patient
from ketaclinic.outcomes.services import questionnaire_record
from ketaclinic.patients.access import patient_get_for_staff
from ketaclinic.patients.models import Patient

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


CLINICAL_ONLY = "Only for callers with `patient.chart_view`."
MEASUREMENTS = "For callers with `patient.chart_view` or `intake.measurements_record`."


class IntakeSerializer(serializers.Serializer):
    content = serializers.ChoiceField(
        choices=[("full", "full"), ("status", "status")],
        help_text="`full` for callers with `patient.chart_view`; `status` otherwise: the "
        "status, version and dates (and the measurements to a caller who may record them), "
        "none of the clinical content.",
    )
    status = serializers.CharField()
    version = serializers.IntegerField(
        help_text="0 while a draft; 1 when submitted; one more for each amendment."
    )
    submitted_at = serializers.DateTimeField(allow_null=True)
    patient_submitted_at = serializers.DateTimeField(
        allow_null=True, help_text="When the patient sent their part from the portal."
    )
    indication = serializers.CharField(required=False, help_text=CLINICAL_ONLY)
    allergies = serializers.CharField(required=False, help_text=CLINICAL_ONLY)
    psychiatric_history = serializers.CharField(required=False, help_text=CLINICAL_ONLY)
    medical_history = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=CLINICAL_ONLY
    )
    height_cm = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, required=False, help_text=MEASUREMENTS
    )
    weight_kg = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, required=False, help_text=MEASUREMENTS
    )
    diagnoses = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=CLINICAL_ONLY
    )
    medications = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=CLINICAL_ONLY
    )
    advice = AdviceSerializer(allow_null=True, required=False, help_text=CLINICAL_ONLY)


class IntakeVersionKindField(serializers.ChoiceField):
    """Submitted (version 1) or amended, as the `IntakeVersionKindEnum` component."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=IntakeVersionKind.choices, **kwargs)


class IntakeVersionKindEnum(NamedEnum):
    target_class = "ketaclinic.api.clinical.IntakeVersionKindField"
    component_name = "IntakeVersionKindEnum"
    choices = list(IntakeVersionKind.choices)


class IntakeVersionSerializer(serializers.ModelSerializer):
    number = serializers.IntegerField(help_text="1 as submitted; one more per amendment.")
    kind = IntakeVersionKindField()
    created_by = serializers.CharField(source="created_by.full_name")
    content = serializers.JSONField(
        help_text="The whole intake of this version: every field, the diagnoses (code and "
        "description), the trials and the medications."
    )
    changes = serializers.JSONField(
        help_text="What differs from the previous version: each field with its old and new "
        'value, or "changed" for free text (and the trials and medications).'
    )

    class Meta:
        model = IntakeVersion
        fields = ["number", "kind", "content", "changes", "reason", "created_by", "created_at"]


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


class AddendumSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True)
    author = serializers.CharField(source="author.full_name")
    intake_version = serializers.IntegerField(
        source="intake_version.number",
        allow_null=True,
        help_text="The intake version in front of the physician: an addendum written after an "
        "amendment is their review of it.",
    )

    class Meta:
        model = DecisionAddendum
        fields = ["id", "text", "author", "created_at", "intake_version"]


class DecisionSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True)
    signed_by = serializers.CharField(source="signed_by.full_name")
    addenda = AddendumSerializer(many=True, read_only=True, help_text="Oldest first.")
    intake_version = serializers.IntegerField(
        source="intake_version.number",
        allow_null=True,
        help_text="The intake version the decision was signed on.",
    )
    reviewed_intake_version = serializers.IntegerField(
        help_text="The newest intake version a physician signed on: the decision's own or one "
        "reviewed in an addendum."
    )
    is_intake_amended_since = serializers.SerializerMethodField(
        help_text="The intake was amended after the reviewed version: a physician reviews the "
        "amendment (an addendum or a new decision); a course is not signed on it until then."
    )

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
            "addenda",
            "intake_version",
            "reviewed_intake_version",
            "is_intake_amended_since",
        ]

    def get_is_intake_amended_since(self, decision: EligibilityDecision) -> bool:
        # A list passes the intake's version in its context; one decision on its own (after a
        # write) reads it.
        current = self.context.get("intake_version")
        return decision_unreviewed_amendment(decision, current_version=current) is not None


class ConsentSerializer(serializers.ModelSerializer):
    treatment = serializers.CharField(source="document.treatment")
    version = serializers.IntegerField(source="document.version")
    witness = serializers.CharField(
        source="witness.full_name",
        allow_null=True,
        help_text="The staff member who witnessed the signature; null while none has.",
    )

    is_current = serializers.SerializerMethodField(
        help_text="Witnessed, not declined, not expired, and of the newest published version."
    )

    class Meta:
        model = ConsentSignature
        fields = [
            "id",
            "treatment",
            "version",
            "typed_name",
            "signed_at",
            "signed_in",
            "expires_at",
            "witness",
            "witnessed_at",
            "witness_method",
            "declined_at",
            "decline_reason",
            "is_current",
        ]

    def get_is_current(self, signature: ConsentSignature) -> bool:
        current_ids = self.context.get("current_ids")
        if current_ids is None:  # one signature on its own (after a write)
            current_ids = current_consent_ids(signature.patient)
        return signature.pk in current_ids


def current_consent_ids(patient: Patient) -> set[int]:
    """The patient's current consent per treatment: one lookup per treatment, not per row."""
    return {
        signature.pk
        for treatment in Treatment
        if (signature := consent_current(patient=patient, treatment=treatment)) is not None
    }


class PatientIntakeView(StaffEndpoint):
    @extend_schema(
        operation_id="patients_intake_retrieve",
        summary="A patient's intake and the rules' eligibility advice",
        responses={200: IntakeSerializer, **ERRORS},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        user, clinic = staff_caller(request), api_clinic(request)
        patient = patient_get_for_staff(
            user=user, clinic=clinic, patient_id=patient_id, action=Action.INTAKE_STATUS_VIEW
        )
        intake = intake_get_for_patient(patient_id=patient.pk)
        if intake is None:
            raise NotFound("This patient has no intake yet.")
        return Response(_intake_data(intake, user=user, clinic=clinic))

    @extend_schema(
        operation_id="patients_intake_update",
        summary="Save the intake as a draft, or submit it for eligibility review",
        description=(
            "Sets the fields sent; a field left out keeps its stored value (send it empty, "
            "`null` or `[]` to clear it). On a draft: saves it (it keeps whatever is valid), or "
            "with `submit: true` submits it, which also needs what eligibility needs. A "
            "submitted intake is never saved over nor returned to a draft (409): send "
            "`amendment_reason` to amend it; the result must still be complete, becomes a new "
            "version, and every earlier version is kept (`GET .../intake/versions`). Front "
            "desk (`intake.measurements_record` only) may change only `height_cm` and "
            "`weight_kg` on a draft; any other change is refused (403). A refusal names every "
            "field that needs attention and leaves the stored intake as it was. Recorded in "
            "the audit trail as `intake.saved`, `intake.submitted` or `intake.amended` (with "
            "the changed fields and the version numbers)."
        ),
        request=IntakeInputSerializer,
        responses={200: IntakeSerializer, **ERRORS},
    )
    def put(self, request: Request, patient_id: int) -> Response:
        user = staff_caller(request)
        intake = intake_save_from_request(request, user=user, patient_id=patient_id)
        saved = intake_get_for_patient(patient_id=intake.patient_id)
        assert saved is not None  # just saved
        return Response(_intake_data(saved, user=user, clinic=api_clinic(request)))


class PatientIntakeVersionsView(StaffEndpoint):
    @extend_schema(
        operation_id="patients_intake_versions_list",
        summary="Every version of a submitted intake, newest first",
        description="Version 1 is the intake as submitted; each amendment adds one, with its "
        "reason, who made it and what changed. Earlier versions are kept whole. Needs "
        "`patient.chart_view`.",
        responses={200: IntakeVersionSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        patient = patient_get_for_staff(
            user=staff_caller(request), clinic=api_clinic(request), patient_id=patient_id
        )
        versions = intake_versions_for_patient(patient_id=patient.pk)
        if versions is None:
            raise NotFound("This patient has no intake yet.")
        return Response(IntakeVersionSerializer(versions, many=True).data)


def _intake_data(intake: Intake, *, user: User, clinic: Clinic) -> Any:
    """The whole intake to a caller who may open the chart; otherwise the field groups of the
    intake actions they have (accounts/roles.py): its status, and the measurements to a caller
    who records them."""
    if not has_permission(user=user, action=Action.PATIENT_CHART_VIEW, clinic=clinic):
        shown = {"content", *PERMISSIONS[Action.INTAKE_STATUS_VIEW].fields}
        if has_permission(user=user, action=Action.INTAKE_MEASUREMENTS_RECORD, clinic=clinic):
            shown |= set(PERMISSIONS[Action.INTAKE_MEASUREMENTS_RECORD].fields)
        status_only = {name: getattr(intake, name) for name in shown - {"content"}}
        limited = IntakeSerializer({**status_only, "content": "status"}).data
        return {name: value for name, value in limited.items() if name in shown}
    advice = eligibility_advice_for_intake(intake)
    data = {
        "content": "full",
        "status": intake.status,
        "version": intake.version,
        "patient_submitted_at": intake.patient_submitted_at,
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
    return IntakeSerializer(data).data


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
        description="A positive suicide-risk answer raises an urgent task for the physician at once.",
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


class PatientEligibilityDecisionsView(StaffEndpoint):
    @extend_schema(
        operation_id="patients_eligibility_decisions_list",
        summary="A patient's signed eligibility decisions",
        responses={200: DecisionSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        patient = patient_get_for_staff(
            user=staff_caller(request), clinic=api_clinic(request), patient_id=patient_id
        )
        return Response(
            DecisionSerializer(
                eligibility_decisions_for_patient(patient_id=patient.pk),
                many=True,
                context={"intake_version": intake_version_number(patient_id=patient.pk)},
            ).data
        )

    @extend_schema(
        operation_id="patients_eligibility_decisions_create",
        summary="Sign an eligibility decision (physicians)",
        description=(
            "The physician's decision on the submitted intake: `approved` for a protocol, "
            "`declined`, or `more_information` (say what is needed). Signed by the caller and "
            "locked at once, with the rules' advice they saw; later changes are addenda. 409 "
            "while the intake is not submitted. Recorded as `eligibility.decided`."
        ),
        request=EligibilityDecisionInputSerializer,
        responses={201: DecisionSerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, patient_id: int) -> Response:
        user = staff_caller(request)
        patient = patient_get_for_staff(
            user=user,
            clinic=api_clinic(request),
            patient_id=patient_id,
            action=Action.ELIGIBILITY_DECIDE,
        )
        payload = EligibilityDecisionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        decision = eligibility_decide(
            acting_user=user,
            patient=patient,
            outcome=EligibilityOutcome(data["outcome"]),
            note=data["note"],
            protocol_key=data["protocol_key"],
            requested_items=data["requested_items"],
        )
        return Response(DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


class EligibilityDecisionAddendaView(StaffEndpoint):
    @extend_schema(
        operation_id="eligibility_decisions_addenda_create",
        summary="Add an addendum to a signed decision (physicians)",
        description=(
            "A signed decision is never edited; a physician adds a dated addendum. Recorded as "
            "`eligibility.addendum`."
        ),
        request=AddendumInputSerializer,
        responses={201: AddendumSerializer, **ERRORS},
    )
    def post(self, request: Request, decision_id: int) -> Response:
        user = staff_caller(request)
        decision = api_eligibility_decision_get(
            user=user,
            clinic=api_clinic(request),
            decision_id=decision_id,
            action=Action.ELIGIBILITY_DECIDE,
        )
        payload = AddendumInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        addendum = eligibility_addendum_add(
            acting_user=user, decision=decision, text=payload.validated_data["text"]
        )
        return Response(AddendumSerializer(addendum).data, status=status.HTTP_201_CREATED)


class PatientConsentsView(StaffEndpoint):
    @extend_schema(
        operation_id="patients_consents_list",
        summary="A patient's signed consents",
        responses={200: ConsentSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        patient = patient_get_for_staff(
            user=staff_caller(request),
            clinic=api_clinic(request),
            patient_id=patient_id,
            action=Action.PATIENT_LIST,
        )
        signatures = ConsentSignature.objects.filter(patient=patient).select_related(
            "document", "witness"
        )
        return Response(
            ConsentSerializer(
                signatures, many=True, context={"current_ids": current_consent_ids(patient)}
            ).data
        )

    @extend_schema(
        operation_id="patients_consents_create",
        summary="Record a consent signed in the clinic, with the caller as witness",
        description=(
            "The patient signs the current version of a treatment's consent (typed legal name "
            "and a drawn signature); the caller, who must be clinical staff, is the witness. "
            "The signed PDF is stored. 409 for a version that is no longer current or a "
            "consent that is already current. Recorded as `consent.signed`."
        ),
        request=ConsentSignInputSerializer,
        responses={201: ConsentSerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, patient_id: int) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        patient = patient_get_for_staff(
            user=user, clinic=clinic, patient_id=patient_id, action=Action.CONSENT_WITNESS
        )
        payload = ConsentSignInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        signature = consent_sign_from_request(
            user=user, clinic=clinic, patient=patient, data=payload.validated_data
        )
        return Response(ConsentSerializer(signature).data, status=status.HTTP_201_CREATED)


class ConsentPdfView(StaffEndpoint):
    # JSON first: errors are always JSON; `Accept: application/pdf` is accepted too.
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(
        operation_id="consents_pdf_retrieve",
        summary="The signed consent as its stored PDF",
        description=(
            "`copy=as_signed` (the default) is the consent as the patient signed it, never made "
            "again; `copy=witnessed` is the copy made when staff witnessed or declined a portal "
            "signature (404 when there is none). Recorded in the audit trail as "
            "`consent.downloaded`, as the staff download is."
        ),
        parameters=[
            OpenApiParameter(
                "copy", str, enum=[copy.value for copy in ConsentCopy], default="as_signed"
            )
        ],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF"),
            **ERRORS,
        },
    )
    def get(self, request: Request, signature_id: int) -> HttpResponse:
        copy = ConsentCopy.from_query(request.query_params.get("copy"))
        return consent_pdf_response(
            user=staff_caller(request),
            clinic=api_clinic(request),
            signature_id=signature_id,
            copy=copy,
        )

    def handle_exception(self, exc: Exception) -> Response:
        # An error is JSON in the one error shape, whatever the client asked for.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)
