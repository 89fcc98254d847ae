"""Reads of a patient's consents, for the patient themselves (the portal)."""

from __future__ import annotations

from django.db.models import QuerySet

from ketaclinic.consent.models import ConsentSignature
from ketaclinic.core.errors import NotFound
from ketaclinic.patients.models import Patient

SIGNATURE_NOT_FOUND = "No such signed consent."


def consent_signatures_for_patient(*, patient: Patient) -> QuerySet[ConsentSignature]:
    """A patient's signatures, newest first, without the stored PDF and drawing (lists only)."""
    return (
        ConsentSignature.objects.filter(patient=patient)
        .select_related("document", "witness")
        .defer("pdf", "drawn_signature_png")
        .order_by("-signed_at")
    )


def consent_signature_get_for_patient(*, patient: Patient, signature_id: int) -> ConsentSignature:
    """One of this patient's signatures; the same NotFound for someone else's as for none."""
    signature = (
        ConsentSignature.objects.filter(patient=patient, pk=signature_id)
        .select_related("document")
        .first()
    )
    if signature is None:
        raise NotFound(SIGNATURE_NOT_FOUND)
    return signature
