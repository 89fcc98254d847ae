"""Publishing consent versions, signing with a witness, and the rule that a session needs a
current consent (issue 4): one that is for the latest version and has not lapsed."""

from __future__ import annotations

import base64
import datetime
import re

from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.consent.models import ConsentDocument, ConsentSignature, Treatment
from ketaclinic.core.errors import InvalidInput, PreconditionFailed
from ketaclinic.patients.models import Patient

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_SIGNATURE_BYTES = 300_000
_DATA_URL = re.compile(r"^data:image/png;base64,(?P<data>[A-Za-z0-9+/=]+)$")


@transaction.atomic
def consent_document_publish(
    *,
    acting_user: User,
    clinic: Clinic,
    treatment: Treatment,
    title: str,
    body: str,
    valid_for_days: int = 365,
) -> ConsentDocument:
    """A new version of a treatment's consent; older consents stop being current."""
    require_permission(user=acting_user, action=Action.CLINIC_RULES_APPROVE, clinic=clinic)
    if not title.strip() or not body.strip():
        raise InvalidInput("A consent needs a title and its text.")
    if not 30 <= valid_for_days <= 730:
        raise InvalidInput(
            "Consent may last 30 to 730 days.", fields={"valid_for_days": ["30–730."]}
        )
    latest = ConsentDocument.objects.filter(clinic=clinic, treatment=treatment).aggregate(
        v=Max("version")
    )["v"]
    document = ConsentDocument.objects.create(
        clinic=clinic,
        treatment=treatment,
        version=(latest or 0) + 1,
        title=title.strip(),
        body=body.strip(),
        valid_for_days=valid_for_days,
        published_at=timezone.now(),
        published_by=acting_user,
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.CONSENT_PUBLISHED,
        clinic=clinic,
        subject=document,
        detail={"treatment": treatment.value, "version": document.version},
    )
    return document


def consent_document_latest(*, clinic: Clinic, treatment: Treatment) -> ConsentDocument | None:
    return (
        ConsentDocument.objects.filter(clinic=clinic, treatment=treatment)
        .order_by("-version")
        .first()
    )


def consent_current(
    *, patient: Patient, treatment: Treatment, at: datetime.datetime | None = None
) -> ConsentSignature | None:
    """The patient's consent to the latest version, if signed and not lapsed."""
    moment = at or timezone.now()
    latest = consent_document_latest(clinic=patient.clinic, treatment=treatment)
    if latest is None:
        return None
    return (
        ConsentSignature.objects.filter(patient=patient, document=latest, expires_at__gt=moment)
        .order_by("-signed_at")
        .first()
    )


def require_current_consent(*, patient: Patient, treatment: Treatment) -> ConsentSignature:
    """What the service that starts a session calls: refuses without a current consent."""
    signature = consent_current(patient=patient, treatment=treatment)
    if signature is not None:
        return signature
    latest = consent_document_latest(clinic=patient.clinic, treatment=treatment)
    if latest is None:
        raise PreconditionFailed(f"No consent document for {treatment.label} has been published.")
    previous = (
        ConsentSignature.objects.filter(patient=patient, document__treatment=treatment)
        .order_by("-signed_at")
        .first()
    )
    if previous is None:
        why = "the patient has not signed it"
    elif previous.document_id != latest.pk:
        why = f"a new version (v{latest.version}) was published since they signed v{previous.document.version}"
    else:
        why = f"their consent lapsed on {previous.expires_at:%d %b %Y}"
    raise PreconditionFailed(
        f"No current consent for {treatment.label}: {why}. Sign the current consent first."
    )


def _signature_bytes(data_url: str) -> bytes:
    match = _DATA_URL.match(data_url.strip())
    if not match:
        raise InvalidInput(
            "Draw the signature in the box.", fields={"drawn_signature": ["Draw the signature."]}
        )
    try:
        data = base64.b64decode(match.group("data"), validate=True)
    except ValueError as error:
        raise InvalidInput(
            "The drawn signature could not be read; draw it again.",
            fields={"drawn_signature": ["Draw it again."]},
        ) from error
    if not data.startswith(PNG_MAGIC) or len(data) > MAX_SIGNATURE_BYTES:
        raise InvalidInput(
            "The drawn signature could not be read; draw it again.",
            fields={"drawn_signature": ["Draw it again."]},
        )
    return data


def _normalized(name: str) -> str:
    return " ".join(name.lower().split())


@transaction.atomic
def consent_sign(
    *,
    witness: User,
    patient: Patient,
    document: ConsentDocument,
    typed_name: str,
    drawn_signature_data_url: str,
) -> ConsentSignature:
    """The patient signs (typed legal name and a drawn signature) with a staff witness present."""
    require_permission(user=witness, action=Action.CONSENT_WITNESS, clinic=patient.clinic)
    if document.clinic_id != patient.clinic_id:
        raise InvalidInput("That consent belongs to another clinic.")
    latest = consent_document_latest(clinic=patient.clinic, treatment=Treatment(document.treatment))
    if latest is None or latest.pk != document.pk:
        raise PreconditionFailed("A newer version of this consent exists; sign the current one.")
    existing = consent_current(patient=patient, treatment=Treatment(document.treatment))
    if existing is not None and existing.document_id == document.pk:
        raise PreconditionFailed(
            f"{patient.display_name} already has a current consent to {document}, signed "
            f"{existing.signed_at:%d %b %Y}; it does not need signing again."
        )
    legal_name = f"{patient.legal_first_name} {patient.legal_last_name}"
    if _normalized(typed_name) != _normalized(legal_name):
        raise InvalidInput(
            f"Type the patient's legal name exactly: {legal_name}.",
            fields={"typed_name": [f"Must be {legal_name}."]},
        )
    drawn = _signature_bytes(drawn_signature_data_url)
    signed_at = timezone.now()
    html = render_to_string(
        "consent/signed_consent.html",
        {
            "document": document,
            "patient": patient,
            "clinic": patient.clinic,
            "typed_name": typed_name.strip(),
            "signature_data_url": "data:image/png;base64," + base64.b64encode(drawn).decode(),
            "signed_at": signed_at,
            "witness": witness,
            "paragraphs": [
                paragraph for paragraph in document.body.split("\n\n") if paragraph.strip()
            ],
        },
    )
    signature = ConsentSignature.objects.create(
        clinic=patient.clinic,
        patient=patient,
        document=document,
        typed_name=typed_name.strip(),
        drawn_signature_png=drawn,
        signed_at=signed_at,
        witness=witness,
        pdf=HTML(string=html).write_pdf(),
        expires_at=signed_at + datetime.timedelta(days=document.valid_for_days),
    )
    audit_record(
        actor=witness,
        action=AuditAction.CONSENT_SIGNED,
        clinic=patient.clinic,
        patient_id=patient.pk,
        subject=signature,
        detail={"document": str(document)},
    )
    return signature
