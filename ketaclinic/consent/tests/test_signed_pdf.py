"""The consent PDF is kept as the patient signed it (issue 13 item 2): witnessing or declining a
portal signature adds a copy with the witness (or the decline) beside it, never over it; staff
download either; and signatures witnessed before the copy as signed was kept say so."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from ketaclinic.consent.downloads import NO_WITNESSED_COPY
from ketaclinic.consent.models import ConsentSignature, WitnessMethod
from ketaclinic.consent.services import (
    consent_sign,
    consent_sign_in_portal,
    consent_witness,
    consent_witness_decline,
)
from ketaclinic.consent.tests.support import publish_iv_consent
from ketaclinic.testing.clinical import approve, drawn_signature
from ketaclinic.testing.personas import Personas, make_personas

pytestmark = pytest.mark.django_db

BEFORE_COPIES = ("consent", "0002_portal_signing_and_witness")


@pytest.fixture
def document(personas: Personas) -> Any:
    approve(personas, personas.pat)
    return publish_iv_consent(personas)


def _portal_signature(personas: Personas, document: Any) -> ConsentSignature:
    return consent_sign_in_portal(
        patient_user=personas.pat_user,
        patient=personas.pat,
        document=document,
        typed_name="Pat Example",
        drawn_signature_data_url=drawn_signature(),
    )


def test_witnessing_keeps_the_pdf_as_signed_and_adds_the_witnessed_copy(
    personas: Personas, document: Any
) -> None:
    signature = _portal_signature(personas, document)
    as_signed = bytes(signature.pdf)
    consent_witness(witness=personas.nina, signature=signature, method=WitnessMethod.VIDEO)
    stored = ConsentSignature.objects.get(pk=signature.pk)
    assert bytes(stored.pdf) == as_signed
    assert stored.witness_pdf is not None
    assert bytes(stored.witness_pdf).startswith(b"%PDF")
    assert bytes(stored.witness_pdf) != as_signed
    assert stored.is_pdf_as_signed


def test_declining_keeps_the_pdf_as_signed_and_adds_the_declined_copy(
    personas: Personas, document: Any
) -> None:
    signature = _portal_signature(personas, document)
    as_signed = bytes(signature.pdf)
    consent_witness_decline(
        acting_user=personas.nina, signature=signature, reason="Identity not confirmed."
    )
    stored = ConsentSignature.objects.get(pk=signature.pk)
    assert bytes(stored.pdf) == as_signed
    assert stored.witness_pdf is not None
    assert bytes(stored.witness_pdf).startswith(b"%PDF")
    assert bytes(stored.witness_pdf) != as_signed


def test_staff_download_the_copy_as_signed_and_the_witnessed_copy(
    personas: Personas, document: Any, client_for: Any
) -> None:
    signature = _portal_signature(personas, document)
    consent_witness(witness=personas.nina, signature=signature, method=WitnessMethod.IN_PERSON)
    stored = ConsentSignature.objects.get(pk=signature.pk)
    client = client_for(personas.nina)
    as_signed = client.get(reverse("consent:pdf", args=[signature.pk]))
    witnessed = client.get(reverse("consent:witness_pdf", args=[signature.pk]))
    assert as_signed.content == bytes(stored.pdf)
    assert witnessed["Content-Type"] == "application/pdf"
    assert witnessed.content == bytes(stored.witness_pdf or b"")
    assert "witnessed" in witnessed["Content-Disposition"]
    overview = client.get(reverse("consent:overview", args=[personas.pat.pk])).content.decode()
    assert reverse("consent:witness_pdf", args=[signature.pk]) in overview
    assert "PDF as signed" in overview


def test_a_tablet_signature_has_no_separate_witnessed_copy(
    personas: Personas, document: Any, client_for: Any
) -> None:
    signature = consent_sign(
        witness=personas.nina,
        patient=personas.pat,
        document=document,
        typed_name="Pat Example",
        drawn_signature_data_url=drawn_signature(),
    )
    assert signature.witness_pdf is None
    client = client_for(personas.nina)
    assert client.get(reverse("consent:witness_pdf", args=[signature.pk])).status_code == 404


def test_a_missing_copy_says_why_on_its_404_page(
    personas: Personas, document: Any, client_for: Any
) -> None:
    """The refusal's own words (DomainErrorMiddleware's page), not Django's bare 404."""
    signature = consent_sign(
        witness=personas.nina,
        patient=personas.pat,
        document=document,
        typed_name="Pat Example",
        drawn_signature_data_url=drawn_signature(),
    )
    response = client_for(personas.nina).get(reverse("consent:witness_pdf", args=[signature.pk]))
    assert response.status_code == 404
    assert html.escape(NO_WITNESSED_COPY) in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_signature_witnessed_before_the_copies_says_its_pdf_was_made_again() -> None:
    personas = make_personas()
    approve(personas, personas.pat)
    document = publish_iv_consent(personas)
    signature = _portal_signature(personas, document)
    consent_witness(witness=personas.nina, signature=signature, method=WitnessMethod.VIDEO)
    tablet = consent_sign(
        witness=personas.nina,
        patient=personas.quinn,
        document=document,
        typed_name="Quinn Example",
        drawn_signature_data_url=drawn_signature(),
    )
    witnessed_copy = bytes(ConsentSignature.objects.get(pk=signature.pk).witness_pdf or b"")

    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_COPIES])
    # As witnessing left it then: the one PDF, made again with the witness.
    old = executor.loader.project_state([BEFORE_COPIES]).apps.get_model(
        "consent", "ConsentSignature"
    )
    old.objects.filter(pk=signature.pk).update(pdf=witnessed_copy)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    legacy = ConsentSignature.objects.get(pk=signature.pk)
    assert not legacy.is_pdf_as_signed
    assert bytes(legacy.pdf) == witnessed_copy
    assert bytes(legacy.witness_pdf or b"") == witnessed_copy
    kept = ConsentSignature.objects.get(pk=tablet.pk)
    assert kept.is_pdf_as_signed
    assert kept.witness_pdf is None


def test_no_door_passes_a_remade_pdf_off_as_the_copy_as_signed(
    personas: Personas, document: Any, client_for: Any
) -> None:
    signature = _portal_signature(personas, document)
    consent_witness(witness=personas.nina, signature=signature, method=WitnessMethod.VIDEO)
    # As a signature witnessed before the copy as signed was kept (see the migration test).
    ConsentSignature.objects.filter(pk=signature.pk).update(is_pdf_as_signed=False)
    staff = client_for(personas.nina)
    assert staff.get(reverse("consent:pdf", args=[signature.pk])).status_code == 404
    assert staff.get(reverse("consent:witness_pdf", args=[signature.pk])).status_code == 200
