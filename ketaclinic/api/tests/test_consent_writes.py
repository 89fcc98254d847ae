"""POST /patients/{id}/consents (signed in the clinic, the caller witnesses) and
GET /consents/{id}/pdf (the stored PDF, audited): refusals, every role, clinic scoping."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ketaclinic.accounts.models import StaffMembership
from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.api.tests.support import (
    assert_error_shape,
    get,
    post,
    token_for,
)
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.consent import texts
from ketaclinic.consent.api import MAX_SIGNATURE_DATA_URL
from ketaclinic.consent.models import ConsentDocument, ConsentSignature, Treatment
from ketaclinic.consent.services import consent_document_publish, consent_sign
from ketaclinic.testing.clinical import drawn_signature
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def publish(personas: Personas, clinic: Any = None, user: Any = None) -> ConsentDocument:
    return consent_document_publish(
        acting_user=user or personas.alice,
        clinic=clinic or personas.clinic,
        treatment=Treatment.IV_KETAMINE,
        title="Consent to IV ketamine",
        body=texts.IV_KETAMINE,
        valid_for_days=180,
    )


@pytest.fixture
def document(personas: Personas) -> ConsentDocument:
    return publish(personas)


def signing(**changes: Any) -> dict[str, Any]:
    return {
        "treatment": "iv_ketamine",
        "version": 1,
        "typed_name": "pat example",
        "drawn_signature": drawn_signature(),
        "has_read": True,
        **changes,
    }


def sign(client: Client, personas: Personas, body: Any, user: Any = None) -> Any:
    token = token_for(personas, user or personas.nina)
    return post(client, f"patients/{personas.pat.pk}/consents", body, token)


def test_a_consent_signed_in_the_clinic_is_witnessed_by_the_caller(
    client: Client, personas: Personas, document: ConsentDocument
) -> None:
    response = sign(client, personas, signing())
    assert response.status_code == 201
    body = response.json()
    assert body["treatment"] == "iv_ketamine"
    assert body["version"] == 1
    assert body["witness"] == personas.nina.full_name
    assert body["typed_name"] == "pat example"
    signature = ConsentSignature.objects.get(pk=body["id"])
    assert signature.witness == personas.nina
    assert bytes(signature.pdf).startswith(b"%PDF")
    assert bytes(signature.drawn_signature_png).startswith(b"\x89PNG")
    assert AuditEvent.objects.filter(
        action=AuditAction.CONSENT_SIGNED, patient_id=personas.pat.pk, actor_id=personas.nina.pk
    ).exists()
    listed = get(client, f"patients/{personas.pat.pk}/consents", token_for(personas, personas.fran))
    assert [row["id"] for row in listed.json()] == [signature.pk]


@pytest.mark.usefixtures("document")
def test_a_consent_signed_twice_is_refused(client: Client, personas: Personas) -> None:
    assert sign(client, personas, signing()).status_code == 201
    again = sign(client, personas, signing())
    assert again.status_code == 409
    message = assert_error_shape(again, "precondition_failed")["error"]["message"]
    assert "already has a current consent" in message
    assert ConsentSignature.objects.count() == 1


@pytest.mark.usefixtures("document")
def test_a_stale_version_is_refused(client: Client, personas: Personas) -> None:
    publish(personas)  # version 2
    response = sign(client, personas, signing(version=1))
    assert response.status_code == 409
    message = assert_error_shape(response, "precondition_failed")["error"]["message"]
    assert "newer version" in message
    assert sign(client, personas, signing(version=2)).status_code == 201


@pytest.mark.usefixtures("document")
def test_a_version_never_published_is_a_field_error(client: Client, personas: Personas) -> None:
    response = sign(client, personas, signing(version=7))
    assert response.status_code == 400
    body = assert_error_shape(response, "invalid_input")
    assert "No version 7" in body["error"]["message"]
    assert "version" in body["error"]["fields"]
    unpublished = sign(client, personas, signing(treatment="esketamine"))
    assert unpublished.status_code == 400


def test_another_clinics_version_cannot_be_signed(client: Client, personas: Personas) -> None:
    """Clinic B has published v1; clinic A has not, so there is nothing to sign at A."""
    StaffMembership.objects.filter(user=personas.charlie).update(role=Role.MEDICAL_DIRECTOR)
    publish(personas, clinic=personas.other_clinic, user=personas.charlie)
    response = sign(client, personas, signing())
    assert response.status_code == 400
    assert not ConsentSignature.objects.exists()


@pytest.mark.usefixtures("document")
@pytest.mark.parametrize(
    ("changes", "field", "code", "status"),
    [
        ({"typed_name": "Patricia Example"}, "typed_name", "invalid_input", 400),
        ({"typed_name": ""}, "typed_name", "invalid_input", 400),
        ({"has_read": False}, "has_read", "invalid_input", 400),
        ({"has_read": "yes"}, "has_read", "invalid_input", 400),
        ({"drawn_signature": "data:image/png;base64,bm90IGEgcG5n"}, "drawn_signature", "", 400),
        ({"drawn_signature": "data:image/jpeg;base64,AAAA"}, "drawn_signature", "", 400),
        ({"drawn_signature": "x" * (MAX_SIGNATURE_DATA_URL + 1)}, "drawn_signature", "", 400),
        ({"drawn_signature": "data:\x00"}, "drawn_signature", "", 400),
        ({"version": "one"}, "version", "invalid_input", 400),
        ({"version": 0}, "version", "invalid_input", 400),
        ({"treatment": "lsd"}, "treatment", "invalid_input", 400),
        ({"witness_id": 3}, "witness_id", "invalid_input", 400),
    ],
)
def test_bad_signatures_are_refused_with_clear_messages(
    client: Client,
    personas: Personas,
    changes: dict[str, Any],
    field: str,
    code: str,
    status: int,
) -> None:
    response = sign(client, personas, signing(**changes))
    assert response.status_code == status
    body = assert_error_shape(response, code or "invalid_input")
    assert field in body["error"]["fields"], body
    assert not ConsentSignature.objects.exists()


@pytest.mark.usefixtures("document")
@pytest.mark.parametrize("role", list(Role))
def test_only_clinical_staff_witness(client: Client, personas: Personas, role: Role) -> None:
    user = personas.staff_by_role()[role]
    allowed = role in PERMISSIONS[Action.CONSENT_WITNESS].roles
    assert sign(client, personas, {}, user=user).status_code == (400 if allowed else 403)
    response = sign(client, personas, signing(), user=user)
    assert response.status_code == (201 if allowed else 403)
    assert ConsentSignature.objects.filter(witness=user).exists() == allowed


@pytest.mark.usefixtures("document")
def test_another_clinics_staff_cannot_sign_for_this_clinics_patient(
    client: Client, personas: Personas
) -> None:
    token = token_for(personas, personas.charlie, personas.other_clinic)
    response = post(client, f"patients/{personas.pat.pk}/consents", signing(), token)
    assert response.status_code == 404
    assert_error_shape(response, "not_found")


# --- the PDF -----------------------------------------------------------------------------------


@pytest.fixture
def signature(personas: Personas, document: ConsentDocument) -> ConsentSignature:
    return consent_sign(
        witness=personas.nina,
        patient=personas.pat,
        document=document,
        typed_name="Pat Example",
        drawn_signature_data_url=drawn_signature(),
    )


def test_the_signed_pdf_downloads_and_the_download_is_audited(
    client: Client, personas: Personas, signature: ConsentSignature
) -> None:
    token = token_for(personas, personas.fran)
    response = get(client, f"consents/{signature.pk}/pdf", token)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content == bytes(signature.pdf)
    assert personas.pat.medical_record_number in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    download = AuditEvent.objects.get(action=AuditAction.CONSENT_DOWNLOADED)
    assert (download.actor_id, download.patient_id) == (personas.fran.pk, personas.pat.pk)
    asked = get(client, f"consents/{signature.pk}/pdf", token, HTTP_ACCEPT="application/pdf")
    assert asked.status_code == 200
    assert asked.content == bytes(signature.pdf)


def test_a_missing_pdf_is_an_error_in_json_even_when_a_pdf_was_asked_for(
    client: Client, personas: Personas
) -> None:
    response = get(
        client,
        "consents/999999/pdf",
        token_for(personas, personas.fran),
        HTTP_ACCEPT="application/pdf",
    )
    assert response.status_code == 404
    assert_error_shape(response, "not_found")


@pytest.mark.parametrize("role", list(Role))
def test_the_pdf_follows_the_matrix_for_every_role(
    client: Client, personas: Personas, signature: ConsentSignature, role: Role
) -> None:
    user = personas.staff_by_role()[role]
    response = get(client, f"consents/{signature.pk}/pdf", token_for(personas, user))
    allowed = role in PERMISSIONS[Action.PATIENT_LIST].roles
    assert response.status_code == (200 if allowed else 403)
    if not allowed:
        assert_error_shape(response, "permission_refused")
    assert AuditEvent.objects.filter(action=AuditAction.CONSENT_DOWNLOADED).exists() == allowed


def test_another_clinics_pdf_is_not_found(
    client: Client, personas: Personas, signature: ConsentSignature
) -> None:
    token = token_for(personas, personas.charlie, personas.other_clinic)
    response = get(client, f"consents/{signature.pk}/pdf", token)
    assert response.status_code == 404
    assert_error_shape(response, "not_found")
    assert not AuditEvent.objects.filter(action=AuditAction.CONSENT_DOWNLOADED).exists()


def test_a_patients_portal_session_gets_no_pdf(
    client_for: Any, personas: Personas, signature: ConsentSignature
) -> None:
    response = get(client_for(personas.pat_user), f"consents/{signature.pk}/pdf")
    assert response.status_code == 403
