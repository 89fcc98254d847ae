"""Reads of a patient's consents: for the patient themselves (the portal), and the acting
clinic's published versions and signatures (the staff API)."""

from __future__ import annotations

from django.db.models import QuerySet

from ketaclinic.clinics.models import Clinic
from ketaclinic.consent.models import ConsentDocument, ConsentSignature, Treatment
from ketaclinic.core.errors import InvalidInput, NotFound
from ketaclinic.patients.models import Patient

SIGNATURE_NOT_FOUND = "No such signed consent."
SIGNATURE_NOT_FOUND_AT_CLINIC = "No such signed consent at this clinic."


def consent_signatures_for_patient(*, patient: Patient) -> QuerySet[ConsentSignature]:
    """A patient's signatures, newest first, with document and witness, without the stored
    PDFs and drawing: lists (API, portal, staff overview) show none of them, and a download
    fetches its one signature again."""
    return (
        ConsentSignature.objects.filter(patient=patient)
        .select_related("document", "witness")
        .defer("pdf", "witness_pdf", "drawn_signature_png")
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


def consent_document_get_for_clinic(
    *, clinic: Clinic, treatment: Treatment, version: int
) -> ConsentDocument:
    """The consent version a signature names; a version the clinic never published is a field
    error (a stale one is found here and refused by the signing service)."""
    document = ConsentDocument.objects.filter(
        clinic=clinic, treatment=treatment, version=version
    ).first()
    if document is None:
        raise InvalidInput(
            f"No version {version} of the {treatment.label} consent has been published at "
            "this clinic.",
            fields={"version": ["No such version."]},
        )
    return document


def consent_signature_get_for_clinic(*, clinic: Clinic, signature_id: int) -> ConsentSignature:
    """A signed consent of the acting clinic (the caller's permission is checked first)."""
    signature = (
        ConsentSignature.objects.filter(clinic=clinic, pk=signature_id)
        .select_related("document")
        .first()
    )
    if signature is None:
        raise NotFound(SIGNATURE_NOT_FOUND_AT_CLINIC)
    return signature
