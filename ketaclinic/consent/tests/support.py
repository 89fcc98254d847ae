"""Helpers for consent tests here and in the portal: a published consent. (The drawn
signature and the approved patient are `ketaclinic.testing.clinical`.)"""

from __future__ import annotations

from ketaclinic.consent import texts
from ketaclinic.consent.models import ConsentDocument, Treatment
from ketaclinic.consent.services import consent_document_publish
from ketaclinic.testing.personas import Personas


def publish_iv_consent(
    personas: Personas, *, title: str = "Consent to IV ketamine"
) -> ConsentDocument:
    return consent_document_publish(
        acting_user=personas.alice,
        clinic=personas.clinic,
        treatment=Treatment.IV_KETAMINE,
        title=title,
        body=texts.IV_KETAMINE,
        valid_for_days=180,
    )
