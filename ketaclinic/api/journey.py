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
from ketaclinic.clinics.models import Clinic
from ketaclinic.consent.downloads import ConsentCopy, consent_pdf_download
from ketaclinic.consent.forms import ConsentSignForm
from ketaclinic.consent.models import ConsentSignature, Treatment
from ketaclinic.consent.services import consent_sign
from ketaclinic.core.errors import InvalidInput
from ketaclinic.inquiries.models import Inquiry
from ketaclinic.intake.models import Intake
from ketaclinic.intake.services import (
    IntakeChanges,
    MedicationEntry,
    TrialEntry,
    intake_amend,
    intake_save,
)
from ketaclinic.intake.versions import INTAKE_FIELDS
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


def intake_changes_from(data: dict[str, Any]) -> IntakeChanges:
    """The validated body's intake fields as the service's changes, normalised as the staff
    page does; a field the body leaves out is not among them (the service keeps its stored
    value, read under the intake's lock)."""
    values: dict[str, Any] = {
        name: data[name] for name in INTAKE_FIELDS if name in data and name != "medical_history"
    }
    if "medical_history" in data:
        values["medical_history"] = tuple(
            History(value) for value in dict.fromkeys(data["medical_history"])
        )
    if "diagnoses" in data:
        values["diagnoses"] = tuple(code.strip().upper() for code in data["diagnoses"])
    if "trials" in data:
        values["trials"] = tuple(
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
        )
    if "medications" in data:
        values["medications"] = tuple(
            MedicationEntry(name=row["name"], dose_mg=row["dose_mg"], frequency=row["frequency"])
            for row in data["medications"]
        )
    return values


def intake_save_from_request(request: Request, *, user: User, patient_id: int) -> Intake:
    # Permission and existence first: a refused caller learns nothing from validation.
    patient = patient_get_for_staff(
        user=user,
        clinic=api_clinic(request),
        patient_id=patient_id,
        action=Action.INTAKE_MEASUREMENTS_RECORD,
    )
    payload = IntakeInputSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    changes = intake_changes_from(data)
    if "amendment_reason" in data:
        if data.get("submit") is False:
            raise InvalidInput(
                "An amendment keeps the intake submitted.",
                fields={"submit": ["Leave it out (or send true) with an amendment_reason."]},
            )
        return intake_amend(
            acting_user=user, patient=patient, changes=changes, reason=data["amendment_reason"]
        )
    return intake_save(
        acting_user=user, patient=patient, changes=changes, submit=data.get("submit", False)
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


def consent_pdf_response(
    *, user: User, clinic: Clinic, signature_id: int, copy: ConsentCopy = ConsentCopy.AS_SIGNED
) -> HttpResponse:
    """The chosen stored PDF, through the consent app's one download door (audited there)."""
    require_permission(user=user, action=Action.PATIENT_LIST, clinic=clinic)
    signature = api_consent_signature_get(clinic=clinic, signature_id=signature_id)
    patient = patient_get_for_staff(
        user=user, clinic=clinic, patient_id=signature.patient_id, action=Action.PATIENT_LIST
    )
    return consent_pdf_download(
        actor=user, patient=patient, signature=signature, copy=copy, channel="api"
    )
