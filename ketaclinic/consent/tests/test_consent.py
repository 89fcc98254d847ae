"""Versioned consent, signed by the patient and witnessed, as a stored PDF; a session requires a
current consent (issue 4)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.consent import texts
from ketaclinic.consent.models import ConsentSignature, Treatment
from ketaclinic.consent.services import (
    consent_current,
    consent_document_publish,
    consent_sign,
    require_current_consent,
)
from ketaclinic.core.errors import InvalidInput, PermissionRefused, PreconditionFailed
from ketaclinic.testing.clinical import drawn_signature
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(personas: Personas) -> Any:
    return consent_document_publish(
        acting_user=personas.alice,
        clinic=personas.clinic,
        treatment=Treatment.IV_KETAMINE,
        title="Consent to IV ketamine",
        body=texts.IV_KETAMINE,
        valid_for_days=180,
    )


def sign(personas: Personas, document: Any, **changes: Any) -> ConsentSignature:
    arguments = {
        "witness": personas.nina,
        "patient": personas.pat,
        "document": document,
        "typed_name": " pat  EXAMPLE ",
        "drawn_signature_data_url": drawn_signature(),
        **changes,
    }
    return consent_sign(**arguments)


def test_the_consent_text_states_the_risks_and_instructions() -> None:
    for phrase in [
        "off-label",
        "dissociation",
        "nausea",
        "blood pressure",
        "drives me home",
        "24 hours",
    ]:
        assert phrase in texts.IV_KETAMINE
    assert "at least 2 hours" in texts.ESKETAMINE
    assert "REMS" in texts.ESKETAMINE


def test_signing_stores_a_witnessed_pdf_and_makes_consent_current(
    personas: Personas, document: Any
) -> None:
    signature = sign(personas, document)
    assert bytes(signature.pdf).startswith(b"%PDF")
    assert bytes(signature.drawn_signature_png).startswith(b"\x89PNG")
    assert signature.witness == personas.nina
    assert consent_current(patient=personas.pat, treatment=Treatment.IV_KETAMINE) == signature
    assert (
        require_current_consent(patient=personas.pat, treatment=Treatment.IV_KETAMINE) == signature
    )
    assert AuditEvent.objects.filter(
        action=AuditAction.CONSENT_SIGNED, patient_id=personas.pat.pk
    ).exists()


def test_a_session_is_refused_without_current_consent_and_says_why(
    personas: Personas, document: Any
) -> None:
    with pytest.raises(PreconditionFailed, match="has not signed it"):
        require_current_consent(patient=personas.pat, treatment=Treatment.IV_KETAMINE)
    with pytest.raises(PreconditionFailed, match="No consent document"):
        require_current_consent(patient=personas.pat, treatment=Treatment.ESKETAMINE)


def test_consent_lapses_after_its_interval(personas: Personas, document: Any) -> None:
    sign(personas, document)
    with (
        time_machine.travel(timezone.now() + datetime.timedelta(days=181)),
        pytest.raises(PreconditionFailed, match="lapsed"),
    ):
        require_current_consent(patient=personas.pat, treatment=Treatment.IV_KETAMINE)


def test_a_new_version_makes_older_consent_out_of_date(personas: Personas, document: Any) -> None:
    sign(personas, document)
    newer = consent_document_publish(
        acting_user=personas.alice,
        clinic=personas.clinic,
        treatment=Treatment.IV_KETAMINE,
        title="v2",
        body="Updated text.",
    )
    assert newer.version == 2
    with pytest.raises(PreconditionFailed, match="new version"):
        require_current_consent(patient=personas.pat, treatment=Treatment.IV_KETAMINE)
    with pytest.raises(PreconditionFailed, match="newer version"):
        sign(personas, document)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"typed_name": "Someone Else"}, "typed_name"),
        ({"drawn_signature_data_url": ""}, "drawn_signature"),
        ({"drawn_signature_data_url": "data:image/png;base64,bm90IGEgcG5n"}, "drawn_signature"),
        ({"drawn_signature_data_url": "data:image/png;base64,@@@"}, "drawn_signature"),
    ],
)
def test_a_bad_signature_is_refused_and_nothing_saved(
    personas: Personas, document: Any, changes: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidInput) as refusal:
        sign(personas, document, **changes)
    assert field in refusal.value.fields
    assert not ConsentSignature.objects.exists()


@pytest.mark.parametrize(
    "role", [role for role in Role if role not in PERMISSIONS[Action.CONSENT_WITNESS].roles]
)
def test_only_clinical_staff_witness(personas: Personas, document: Any, role: Role) -> None:
    with pytest.raises(PermissionRefused):
        sign(personas, document, witness=personas.staff_by_role()[role])


def test_only_the_medical_director_publishes_consent(personas: Personas) -> None:
    with pytest.raises(PermissionRefused):
        consent_document_publish(
            acting_user=personas.bob,
            clinic=personas.clinic,
            treatment=Treatment.IV_KETAMINE,
            title="x",
            body="y",
        )
    with pytest.raises(InvalidInput):
        consent_document_publish(
            acting_user=personas.alice,
            clinic=personas.clinic,
            treatment=Treatment.IV_KETAMINE,
            title="x",
            body="y",
            valid_for_days=5,
        )


def test_the_tablet_page_signs_and_the_pdf_downloads(
    client_for: Any, personas: Personas, document: Any
) -> None:
    client = client_for(personas.nina)
    page = client.get(reverse("consent:sign", args=[personas.pat.pk, "iv_ketamine"]))
    assert page.status_code == 200
    assert "data-signature-pad" in page.content.decode()
    response = client.post(
        reverse("consent:sign", args=[personas.pat.pk, "iv_ketamine"]),
        {"typed_name": "Pat Example", "drawn_signature": drawn_signature(), "has_read": "on"},
    )
    assert response.status_code == 302
    signature = ConsentSignature.objects.get()
    pdf = client.get(reverse("consent:pdf", args=[signature.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    overview = client.get(reverse("consent:overview", args=[personas.pat.pk])).content.decode()
    assert "current" in overview


def test_the_tablet_page_refuses_without_reading_or_drawing(
    client_for: Any, personas: Personas, document: Any
) -> None:
    client = client_for(personas.nina)
    response = client.post(
        reverse("consent:sign", args=[personas.pat.pk, "iv_ketamine"]),
        {"typed_name": "Pat Example", "drawn_signature": ""},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["has_read"]
    response = client.post(
        reverse("consent:sign", args=[personas.pat.pk, "iv_ketamine"]),
        {"typed_name": "Pat Example", "drawn_signature": "", "has_read": "on"},
    )
    assert "Draw the signature" in response.content.decode()
    assert not ConsentSignature.objects.exists()


def test_unknown_treatment_or_another_clinics_patient_is_not_found(
    client_for: Any, personas: Personas, document: Any
) -> None:
    client = client_for(personas.nina)
    assert client.get(reverse("consent:sign", args=[personas.pat.pk, "magic"])).status_code == 404
    assert (
        client.get(reverse("consent:sign", args=[personas.bea.pk, "iv_ketamine"])).status_code
        == 404
    )
    assert (
        client.get(reverse("consent:sign", args=[personas.pat.pk, "esketamine"])).status_code == 404
    )


def test_a_consent_cannot_be_signed_twice(personas: Personas, document: Any) -> None:
    sign(personas, document)
    with pytest.raises(PreconditionFailed, match="does not need signing again"):
        sign(personas, document)
    assert ConsentSignature.objects.count() == 1
