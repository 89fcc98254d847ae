"""REST endpoints of a patient's consents: the signed consents, a consent signed in the clinic
with the caller as witness (the tablet page's checks, the signing service), and a signed
consent's stored PDF through the consent app's door (consent/access.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Action
from ketaclinic.api.base import ERRORS, REFUSED_BY_STATE, StaffEndpoint, staff_caller
from ketaclinic.api.errors import form_refusal
from ketaclinic.api.fields import InputSerializer, StrictBooleanField
from ketaclinic.api.permissions import api_clinic
from ketaclinic.clinics.models import Clinic
from ketaclinic.consent.access import consent_pdf_for_staff
from ketaclinic.consent.downloads import ConsentCopy
from ketaclinic.consent.forms import ConsentSignForm
from ketaclinic.consent.models import ConsentSignature, Treatment
from ketaclinic.consent.selectors import (
    consent_document_get_for_clinic,
    consent_signatures_for_patient,
)
from ketaclinic.consent.services import MAX_SIGNATURE_BYTES, consent_current, consent_sign
from ketaclinic.patients.access import patient_get_for_staff
from ketaclinic.patients.models import Patient

# A drawn signature: at most MAX_SIGNATURE_BYTES of PNG, base64-encoded, after its data: prefix.
MAX_SIGNATURE_DATA_URL = len("data:image/png;base64,") + 4 * (MAX_SIGNATURE_BYTES // 3 + 1)


# --- inputs --------------------------------------------------------------------------------------


class ConsentSignInputSerializer(InputSerializer):
    """A consent signed in the clinic: the version read, the typed name and the drawn signature."""

    treatment = serializers.ChoiceField(choices=Treatment.choices)
    version = serializers.IntegerField(
        min_value=1, help_text="The version the patient read; only the current one can be signed."
    )
    typed_name = serializers.CharField(
        max_length=200, help_text="The patient's legal name, typed by the patient."
    )
    drawn_signature = serializers.CharField(
        max_length=MAX_SIGNATURE_DATA_URL,
        help_text="The signature drawn by the patient: `data:image/png;base64,...`.",
    )
    has_read = StrictBooleanField(
        help_text="true: the patient has read the consent, asked their questions, and agrees."
    )


# --- outputs -------------------------------------------------------------------------------------


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


# --- the request and the service -----------------------------------------------------------------


def consent_sign_from_request(
    *, user: User, clinic: Clinic, patient: Patient, data: dict[str, Any]
) -> ConsentSignature:
    document = consent_document_get_for_clinic(
        clinic=clinic, treatment=Treatment(data["treatment"]), version=data["version"]
    )
    # The tablet page's own checks (the patient has read it and agrees).
    form = ConsentSignForm(
        data={
            "typed_name": data["typed_name"],
            "drawn_signature": data["drawn_signature"],
            "has_read": data["has_read"],
        }
    )
    if not form.is_valid():
        raise form_refusal(form)
    return consent_sign(
        witness=user,
        patient=patient,
        document=document,
        typed_name=form.cleaned_data["typed_name"],
        drawn_signature_data_url=form.cleaned_data["drawn_signature"],
    )


class PdfRenderer(BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`; the PDF itself is sent as it is stored."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


def consent_pdf_response(
    *, user: User, clinic: Clinic, signature_id: int, copy: ConsentCopy = ConsentCopy.AS_SIGNED
) -> HttpResponse:
    """The chosen stored PDF, through the consent app's door (audited there)."""
    return consent_pdf_for_staff(
        user=user, clinic=clinic, signature_id=signature_id, copy=copy, channel="api"
    )


# --- endpoints -----------------------------------------------------------------------------------


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
        signatures = consent_signatures_for_patient(patient=patient)
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
