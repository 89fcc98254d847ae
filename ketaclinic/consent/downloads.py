"""The one door to a signed consent's PDF: the staff page, the API and the portal all use it.

A signature keeps its PDF as signed (`pdf`, never made again); a portal signature that staff
witnessed or declined also has the copy made at that step (`witness_pdf`). Each download is
audited as `consent.downloaded`, naming the copy and where it was asked for.
"""

from __future__ import annotations

from enum import StrEnum

from django.http import HttpResponse

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.consent.models import ConsentSignature
from ketaclinic.core.errors import InvalidInput, NotFound
from ketaclinic.patients.models import Patient


class ConsentCopy(StrEnum):
    AS_SIGNED = "as_signed"
    WITNESSED = "witnessed"  # the copy made when staff witnessed or declined a portal signature

    @classmethod
    def from_query(cls, value: str | None) -> ConsentCopy:
        """The `?copy=` parameter of a download: the copy as signed when it is left out, and
        a refusal for anything but a copy's name."""
        if value is None:
            return cls.AS_SIGNED
        try:
            return cls(value)
        except ValueError:
            raise InvalidInput(
                "copy is as_signed or witnessed.", fields={"copy": ["as_signed or witnessed."]}
            ) from None


NO_WITNESSED_COPY = (
    "This consent has no witnessed copy: it was signed with its witness there, or it still "
    "awaits a witness."
)
AS_SIGNED_NOT_KEPT = (
    "The copy as signed was not kept for this consent: it was made again when it was witnessed "
    "or declined (before the copy as signed was kept). Ask for the witnessed copy."
)


def consent_pdf_download(
    *,
    actor: User,
    patient: Patient,
    signature: ConsentSignature,
    copy: ConsentCopy = ConsentCopy.AS_SIGNED,
    channel: str,
    actor_role: str = "",
    with_record_number: bool = True,
) -> HttpResponse:
    """The chosen copy as an attachment, audited. The caller has already checked access."""
    if copy == ConsentCopy.WITNESSED:
        if not signature.has_witness_pdf or signature.witness_pdf is None:
            raise NotFound(NO_WITNESSED_COPY)
        content = bytes(signature.witness_pdf)
    else:
        if not signature.is_pdf_as_signed:
            raise NotFound(AS_SIGNED_NOT_KEPT)
        content = bytes(signature.pdf)
    audit_record(
        actor=actor,
        action=AuditAction.CONSENT_DOWNLOADED,
        clinic=patient.clinic,
        patient_id=patient.pk,
        subject=signature,
        actor_role=actor_role,
        detail={"copy": copy.value, "channel": channel},
    )
    document = signature.document
    who = f"{patient.medical_record_number}-" if with_record_number else ""
    suffix = "-witnessed" if copy == ConsentCopy.WITNESSED else ""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="consent-{who}{document.treatment}-v{document.version}{suffix}.pdf"'
    )
    return response
