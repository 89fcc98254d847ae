"""Publishing consent versions, signing (on a clinic tablet with a witness there, or in the patient
portal and witnessed afterwards by staff), and the rule that a session needs a current consent
(issue 4): one that is witnessed, for the latest version, and has not lapsed."""

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
from ketaclinic.audit.models import AuditAction, AuditOutcome
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.consent.models import (
    ConsentDocument,
    ConsentSignature,
    SigningPlace,
    Treatment,
    WitnessMethod,
)
from ketaclinic.core.errors import InvalidInput, PermissionRefused, PreconditionFailed
from ketaclinic.intake.models import EligibilityDecision, EligibilityOutcome
from ketaclinic.medicine.errors import ClinicalRuleError
from ketaclinic.medicine.protocols import Route, protocol_get
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
    """The patient's consent to the latest version, if signed, witnessed and not lapsed."""
    moment = at or timezone.now()
    latest = consent_document_latest(clinic=patient.clinic, treatment=treatment)
    if latest is None:
        return None
    return (
        ConsentSignature.objects.filter(
            patient=patient, document=latest, expires_at__gt=moment, witnessed_at__isnull=False
        )
        .order_by("-signed_at")
        .first()
    )


def consent_awaiting_witness(
    *, patient: Patient, document: ConsentDocument
) -> ConsentSignature | None:
    """A portal signature of this version that no staff member has witnessed yet."""
    return (
        ConsentSignature.objects.filter(
            patient=patient,
            document=document,
            witnessed_at__isnull=True,
            declined_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
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
    elif previous.document_id == latest.pk and previous.declined_at is not None:
        why = (
            "staff could not confirm the patient's portal signature "
            f"({previous.decline_reason}); the patient must sign again"
        )
    elif previous.document_id == latest.pk and previous.witnessed_at is None:
        why = (
            "the patient signed it in the portal on "
            f"{_clinic_day(previous.signed_at, patient)} and it awaits a staff witness"
        )
    elif previous.document_id != latest.pk:
        why = f"a new version (v{latest.version}) was published since they signed v{previous.document.version}"
    else:
        why = f"their consent lapsed on {_clinic_day(previous.expires_at, patient)}"
    raise PreconditionFailed(
        f"No current consent for {treatment.label}: {why}. Sign the current consent first."
    )


def _clinic_day(moment: datetime.datetime, patient: Patient) -> str:
    """A moment as the day it was at the patient's clinic, not the server's UTC day."""
    return f"{moment.astimezone(patient.clinic.zone):%d %b %Y}"


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
    # Lock the patient's row so that two signatures at once (tablet, portal) cannot both land.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    _check_signable(patient=patient, document=document, by_patient=False)
    _check_not_own_signature(witness=witness, patient=patient)
    awaiting = consent_awaiting_witness(patient=patient, document=document)
    if awaiting is not None:
        raise PreconditionFailed(
            f"{patient.display_name} already signed {document} in the portal on "
            f"{_clinic_day(awaiting.signed_at, patient)}; confirm that signature as its witness "
            "instead of signing again."
        )
    legal_name = _legal_name(patient)
    if _normalized(typed_name) != _normalized(legal_name):
        raise InvalidInput(
            f"Type the patient's legal name exactly: {legal_name}.",
            fields={"typed_name": [f"Must be {legal_name}."]},
        )
    signature = _signature_create(
        patient=patient,
        document=document,
        typed_name=typed_name,
        drawn_signature_data_url=drawn_signature_data_url,
        signed_in=SigningPlace.TABLET,
        witness=witness,
    )
    audit_record(
        actor=witness,
        action=AuditAction.CONSENT_SIGNED,
        clinic=patient.clinic,
        patient_id=patient.pk,
        subject=signature,
        detail={"document": str(document), "signed_in": SigningPlace.TABLET.value},
    )
    return signature


def _signature_create(
    *,
    patient: Patient,
    document: ConsentDocument,
    typed_name: str,
    drawn_signature_data_url: str,
    signed_in: SigningPlace,
    witness: User | None = None,
) -> ConsentSignature:
    """The one way a signature row is made, on the tablet or in the portal, with its PDF as
    signed. A witness present at the tablet witnesses in person at the moment of signing; a
    portal signature has none yet and awaits `consent_witness`."""
    drawn = _signature_bytes(drawn_signature_data_url)
    signed_at = timezone.now()
    signature = ConsentSignature(
        clinic=patient.clinic,
        patient=patient,
        document=document,
        typed_name=typed_name.strip(),
        drawn_signature_png=drawn,
        signed_at=signed_at,
        signed_in=signed_in,
        witness=witness,
        witnessed_at=signed_at if witness is not None else None,
        witness_method=WitnessMethod.IN_PERSON if witness is not None else "",
        expires_at=signed_at + datetime.timedelta(days=document.valid_for_days),
    )
    signature.pdf = _signed_consent_pdf(signature)
    signature.save()
    return signature


def _legal_name(patient: Patient) -> str:
    return f"{patient.legal_first_name} {patient.legal_last_name}"


def _check_signable(*, patient: Patient, document: ConsentDocument, by_patient: bool) -> None:
    """The refusals common to every way of signing: another clinic's, stale, already current."""
    if document.clinic_id != patient.clinic_id:
        raise InvalidInput("That consent belongs to another clinic.")
    latest = consent_document_latest(clinic=patient.clinic, treatment=Treatment(document.treatment))
    if latest is None or latest.pk != document.pk:
        raise PreconditionFailed("A newer version of this consent exists; sign the current one.")
    existing = consent_current(patient=patient, treatment=Treatment(document.treatment))
    if existing is not None and existing.document_id == document.pk:
        who = "You already have" if by_patient else f"{patient.display_name} already has"
        raise PreconditionFailed(
            f"{who} a current consent to {document}, signed "
            f"{_clinic_day(existing.signed_at, patient)}; it does not need signing again."
        )


def _signed_consent_pdf(signature: ConsentSignature) -> bytes:
    """The PDF of a signature as it stands: who signed, when and where, and its witness."""
    pdf: bytes = HTML(string=signed_consent_html(signature)).write_pdf()
    return pdf


def signed_consent_html(signature: ConsentSignature) -> str:
    """The page the stored PDF is made from, its times in the clinic's zone (it may be made
    outside a staff page, e.g. from the API or the portal)."""
    document = signature.document
    with timezone.override(signature.patient.clinic.zone):
        return _signed_consent_page(signature, document)


def _signed_consent_page(signature: ConsentSignature, document: ConsentDocument) -> str:
    return render_to_string(
        "consent/signed_consent.html",
        {
            "document": document,
            "patient": signature.patient,
            "clinic": signature.patient.clinic,
            "signature": signature,
            "typed_name": signature.typed_name,
            "signature_data_url": "data:image/png;base64,"
            + base64.b64encode(bytes(signature.drawn_signature_png)).decode(),
            "signed_at": signature.signed_at,
            "witness": signature.witness,
            "paragraphs": [
                paragraph for paragraph in document.body.split("\n\n") if paragraph.strip()
            ],
        },
    )


def consent_treatments_open_to_patient(*, patient: Patient) -> list[Treatment]:
    """The treatments a patient may consent to in the portal: the route of the protocol in the
    physician's latest eligibility decision, when that decision is an approval. (Ketamine-
    assisted psychotherapy is consented with a clinician, on the tablet.)"""
    decision = (
        EligibilityDecision.objects.filter(patient=patient).order_by("-signed_at", "-pk").first()
    )
    if decision is None or decision.outcome != EligibilityOutcome.APPROVED:
        return []
    try:
        protocol = protocol_get(decision.protocol_key)
    except ClinicalRuleError:
        return []
    treatment = {
        Route.INTRAVENOUS: Treatment.IV_KETAMINE,
        Route.INTRANASAL: Treatment.ESKETAMINE,
    }.get(protocol.route)
    return [treatment] if treatment is not None else []


@transaction.atomic
def consent_sign_in_portal(
    *,
    patient_user: User,
    patient: Patient,
    document: ConsentDocument,
    typed_name: str,
    drawn_signature_data_url: str,
) -> ConsentSignature:
    """The patient signs in the portal (typed legal name and a drawn signature). The signature
    is stored with its PDF but awaits a staff witness (issue 4): until `consent_witness`, it is
    not a current consent."""
    if patient.portal_user_id is None or patient.portal_user_id != patient_user.pk:
        raise PermissionRefused("You can only sign your own consent.")
    # Lock the patient's row so that two submissions at once cannot both sign.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    if Treatment(document.treatment) not in consent_treatments_open_to_patient(patient=patient):
        raise PreconditionFailed(
            "This consent is not open for you to sign: your physician has not approved you "
            "for this treatment. Please contact the clinic."
        )
    _check_signable(patient=patient, document=document, by_patient=True)
    awaiting = consent_awaiting_witness(patient=patient, document=document)
    if awaiting is not None:
        raise PreconditionFailed(
            "You already signed this consent on "
            f"{_clinic_day(awaiting.signed_at, patient)}. A member of our staff will confirm it "
            "with you; you do not need to sign again."
        )
    legal_name = _legal_name(patient)
    if _normalized(typed_name) != _normalized(legal_name):
        raise InvalidInput(
            "Type your full legal name exactly as the clinic has it on record: "
            f"{legal_name}. If that is wrong, contact the clinic.",
            fields={"typed_name": [f"Type {legal_name}."]},
        )
    signature = _signature_create(
        patient=patient,
        document=document,
        typed_name=typed_name,
        drawn_signature_data_url=drawn_signature_data_url,
        signed_in=SigningPlace.PORTAL,
    )
    audit_record(
        actor=patient_user,
        action=AuditAction.CONSENT_SIGNED_IN_PORTAL,
        clinic=patient.clinic,
        patient_id=patient.pk,
        subject=signature,
        actor_role="patient",
        detail={
            "document": str(document),
            "signed_in": SigningPlace.PORTAL.value,
            "awaiting_witness": True,
        },
    )
    return signature


@transaction.atomic
def consent_witness(
    *, witness: User, signature: ConsentSignature, method: WitnessMethod
) -> ConsentSignature:
    """A staff member confirms a portal signature as its witness, having confirmed the
    patient's identity and their signature at a visit or by video. The consent then counts
    as current. The PDF as signed is kept; a copy with the witness and the time is made beside
    it (`witness_pdf`)."""
    require_permission(user=witness, action=Action.CONSENT_WITNESS, clinic=signature.clinic)
    locked = (
        ConsentSignature.objects.select_for_update(of=("self",))
        .select_related("document", "patient__clinic", "witness")
        .get(pk=signature.pk)
    )
    _check_awaiting_witness(locked)
    _check_not_own_signature(witness=witness, patient=locked.patient)
    document = locked.document
    latest = consent_document_latest(clinic=locked.clinic, treatment=Treatment(document.treatment))
    if latest is None or latest.pk != document.pk:
        raise PreconditionFailed(
            f"A newer version (v{latest.version if latest else '?'}) of this consent was "
            f"published after the patient signed v{document.version}; they must sign the "
            "current one."
        )
    now = timezone.now()
    if locked.expires_at <= now:
        raise PreconditionFailed(
            f"This signature lapsed on {_clinic_day(locked.expires_at, locked.patient)}; the "
            "patient must sign again."
        )
    if method not in WitnessMethod.values:
        raise InvalidInput(
            "Say how you confirmed the patient's identity.",
            fields={"method": ["Choose in person or by video."]},
        )
    locked.witness = witness
    locked.witnessed_at = now
    locked.witness_method = WitnessMethod(method)
    locked.witness_pdf = _signed_consent_pdf(locked)
    locked.save(
        update_fields=["witness", "witnessed_at", "witness_method", "witness_pdf", "updated_at"]
    )
    audit_record(
        actor=witness,
        action=AuditAction.CONSENT_WITNESSED,
        clinic=locked.clinic,
        patient_id=locked.patient_id,
        subject=locked,
        detail={
            "document": str(document),
            "signed_in": locked.signed_in,
            "witnessed": True,
            "witness_method": locked.witness_method,
        },
    )
    return locked


def _check_not_own_signature(*, witness: User, patient: Patient) -> None:
    # A staff member who is also a patient of the clinic cannot witness their own consent.
    if patient.portal_user_id is not None and patient.portal_user_id == witness.pk:
        raise PermissionRefused("You cannot witness your own consent; ask a colleague.")


def _check_awaiting_witness(signature: ConsentSignature) -> None:
    if signature.witnessed_at is not None:
        by = signature.witness.full_name if signature.witness else "staff"
        raise PreconditionFailed(
            f"This consent was already witnessed by {by} on "
            f"{_clinic_day(signature.witnessed_at, signature.patient)}."
        )
    if signature.declined_at is not None:
        raise PreconditionFailed(
            "This signature was declined on "
            f"{_clinic_day(signature.declined_at, signature.patient)} "
            f"({signature.decline_reason}); the patient must sign again."
        )


@transaction.atomic
def consent_witness_decline(
    *, acting_user: User, signature: ConsentSignature, reason: str
) -> ConsentSignature:
    """Staff could not confirm a portal signature (identity not confirmed, or the patient says
    they did not sign it). It is kept, marked declined with the reason, and never counts; the
    patient may sign again. The PDF as signed is kept; a copy with the decline is made beside
    it (`witness_pdf`)."""
    require_permission(user=acting_user, action=Action.CONSENT_WITNESS, clinic=signature.clinic)
    if not reason.strip():
        raise InvalidInput(
            "Say why the signature cannot be confirmed.", fields={"reason": ["Required."]}
        )
    locked = (
        ConsentSignature.objects.select_for_update(of=("self",))
        .select_related("document", "witness")
        .get(pk=signature.pk)
    )
    _check_awaiting_witness(locked)
    locked.declined_at = timezone.now()
    locked.declined_by = acting_user
    locked.decline_reason = reason.strip()[:500]
    locked.witness_pdf = _signed_consent_pdf(locked)
    locked.save(
        update_fields=["declined_at", "declined_by", "decline_reason", "witness_pdf", "updated_at"]
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.CONSENT_WITNESS_DECLINED,
        outcome=AuditOutcome.REFUSED,
        clinic=locked.clinic,
        patient_id=locked.patient_id,
        subject=locked,
        detail={
            "document": str(locked.document),
            "signed_in": locked.signed_in,
            "witness_declined": True,
            "reason": locked.decline_reason,
        },
    )
    return locked
