"""The journey's writes (issue 4): register a patient, save the intake, sign an eligibility
decision and its addenda, record a consent signed in the clinic and download its PDF.

Thin, like the staff pages: the same forms check what the staff forms check, the same services
decide, permission and audit included. This module turns their refusals into the API's error body.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from rest_framework import status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.api.errors import error_body
from ketaclinic.api.inputs import IntakeInputSerializer, PatientRegistrationSerializer
from ketaclinic.api.permissions import api_clinic
from ketaclinic.api.selectors import api_consent_document_get, api_consent_signature_get
from ketaclinic.api.serializers import DuplicateCandidateSerializer, PatientSerializer
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.consent.forms import ConsentSignForm
from ketaclinic.consent.models import ConsentSignature, Treatment
from ketaclinic.consent.services import consent_sign
from ketaclinic.core.errors import InvalidInput
from ketaclinic.inquiries.models import Inquiry
from ketaclinic.intake.models import Intake
from ketaclinic.intake.services import IntakeEntry, MedicationEntry, TrialEntry, intake_save
from ketaclinic.medicine.eligibility import History, TrialOutcome
from ketaclinic.patients.access import patient_get_for_staff
from ketaclinic.patients.forms import PatientRegistrationForm
from ketaclinic.patients.models import Patient, SexAtBirth
from ketaclinic.patients.services import PatientDetails, PossibleDuplicate, patient_register

FORM_NOT_VALID = "Some fields are not valid."


def _form_refusal(form: Any) -> InvalidInput:
    """A staff form's errors as the API's field messages (form-wide ones become the message)."""
    errors = {
        name: [str(message) for message in messages] for name, messages in form.errors.items()
    }
    general = errors.pop("__all__", [])
    return InvalidInput(" ".join(general) or FORM_NOT_VALID, fields=errors)


# --- registration ------------------------------------------------------------------------------


def inquiry_prefill(inquiry: Inquiry) -> dict[str, str]:
    """What the staff page fills in from an inquiry: the name split at its first space, and the
    email and phone the person left."""
    first, _, last = inquiry.full_name.partition(" ")
    return {
        "legal_first_name": first,
        "legal_last_name": last,
        "email": inquiry.email,
        "phone": inquiry.phone,
    }


def patient_register_from_request(
    request: Request,
    *,
    user: User,
    clinic: Clinic,
    serializer_class: type[PatientRegistrationSerializer] = PatientRegistrationSerializer,
    inquiry: Inquiry | None = None,
) -> Response:
    payload = serializer_class(data=request.data)
    payload.is_valid(raise_exception=True)
    values: dict[str, Any] = {**(inquiry_prefill(inquiry) if inquiry else {})}
    values.update(payload.validated_data)
    values["date_of_birth"] = values["date_of_birth"].isoformat()
    # The staff form's own checks (phone numbers, state, ZIP code, email, a way to reach them).
    form = PatientRegistrationForm(data=values)
    if not form.is_valid():
        raise _form_refusal(form)
    data = form.cleaned_data
    details = PatientDetails(
        **{name: data[name] for name in PatientDetails.__dataclass_fields__ if name in data}
        | {"sex_at_birth": SexAtBirth(data["sex_at_birth"])}
    )
    try:
        patient = patient_register(
            acting_user=user,
            clinic=clinic,
            details=details,
            confirmed_not_duplicate=data["confirmed_not_duplicate"],
            from_inquiry=inquiry,
        )
    except PossibleDuplicate as duplicate:
        body = error_body(
            duplicate.code.value,
            f'{duplicate.message} To register anyway, send "confirmed_not_duplicate": true.',
        )
        body["possible_duplicates"] = DuplicateCandidateSerializer(
            duplicate.candidates, many=True
        ).data
        return Response(body, status=duplicate.http_status)
    response = Response(PatientSerializer(patient).data, status=status.HTTP_201_CREATED)
    response["Location"] = reverse("api_patient", kwargs={"patient_id": patient.pk})
    return response


# --- intake ------------------------------------------------------------------------------------


def intake_entry_from(data: dict[str, Any]) -> IntakeEntry:
    """The validated body as the service's entry, normalised as the staff page does."""
    return IntakeEntry(
        indication=data["indication"],
        psychiatric_history=data["psychiatric_history"],
        medical_history=tuple(History(value) for value in dict.fromkeys(data["medical_history"])),
        substance_use=data["substance_use"],
        allergies=data["allergies"],
        is_pregnant=data["is_pregnant"],
        is_breastfeeding=data["is_breastfeeding"],
        height_cm=data["height_cm"],
        weight_kg=data["weight_kg"],
        baseline_systolic_mmhg=data["baseline_systolic_mmhg"],
        baseline_diastolic_mmhg=data["baseline_diastolic_mmhg"],
        baseline_heart_rate_bpm=data["baseline_heart_rate_bpm"],
        baseline_spo2_percent=data["baseline_spo2_percent"],
        diagnoses=tuple(code.strip().upper() for code in data["diagnoses"]),
        trials=tuple(
            TrialEntry(
                drug=row["drug"],
                highest_dose_mg=row["highest_dose_mg"],
                weeks_at_dose=row["weeks_at_dose"],
                is_dose_adequate=row["is_dose_adequate"],
                is_adherent=row["is_adherent"],
                outcome=TrialOutcome(row["outcome"]),
                is_current_episode=row["is_current_episode"],
            )
            for row in data["trials"]
        ),
        medications=tuple(
            MedicationEntry(name=row["name"], dose_mg=row["dose_mg"], frequency=row["frequency"])
            for row in data["medications"]
        ),
    )


def intake_save_from_request(request: Request, *, user: User, patient_id: int) -> Intake:
    # Permission and existence first: a refused caller learns nothing from validation.
    patient = patient_get_for_staff(
        user=user, clinic=api_clinic(request), patient_id=patient_id, action=Action.INTAKE_RECORD
    )
    payload = IntakeInputSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    return intake_save(
        acting_user=user,
        patient=patient,
        entry=intake_entry_from(payload.validated_data),
        submit=payload.validated_data["submit"],
    )


# --- consent -----------------------------------------------------------------------------------


def consent_sign_from_request(
    *, user: User, clinic: Clinic, patient: Patient, data: dict[str, Any]
) -> ConsentSignature:
    document = api_consent_document_get(
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
        raise _form_refusal(form)
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


def consent_pdf_response(*, user: User, clinic: Clinic, signature_id: int) -> HttpResponse:
    """The stored PDF, audited as the staff download is (a chart access, then the download)."""
    require_permission(user=user, action=Action.PATIENT_LIST, clinic=clinic)
    signature = api_consent_signature_get(clinic=clinic, signature_id=signature_id)
    patient = patient_get_for_staff(
        user=user, clinic=clinic, patient_id=signature.patient_id, action=Action.PATIENT_LIST
    )
    audit_record(
        actor=user,
        action=AuditAction.CONSENT_DOWNLOADED,
        clinic=clinic,
        patient_id=patient.pk,
        subject=signature,
    )
    response = HttpResponse(bytes(signature.pdf), content_type="application/pdf")
    document = signature.document
    response["Content-Disposition"] = (
        f'attachment; filename="consent-{patient.medical_record_number}-'
        f'{document.treatment}-v{document.version}.pdf"'
    )
    return response
