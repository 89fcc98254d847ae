"""The doors to a patient's signed consents and their PDFs. Views, the API and the portal reach a
signature by id only through here.

A signature is reached through the patient's door (patients/access.py): the same NotFound for
"missing" and "another clinic's", the caller's permission checked first, and the read written to
the audit trail as a view of the patient's chart. A PDF is then sent by the one download door
(consent/downloads.py), which records `consent.downloaded`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.consent.downloads import ConsentCopy, consent_pdf_download
from ketaclinic.consent.selectors import (
    consent_signature_get_for_clinic,
    consent_signature_get_for_patient,
)
from ketaclinic.patients.access import patient_get_for_staff

if TYPE_CHECKING:
    from django.http import HttpResponse

    from ketaclinic.accounts.models import User
    from ketaclinic.clinics.models import Clinic
    from ketaclinic.consent.models import ConsentSignature
    from ketaclinic.patients.models import Patient

# Who downloaded a consent from the portal: the patient themselves (a portal account has no role).
PORTAL_ACTOR_ROLE = "patient"


def consent_signature_get_for_staff(
    *, user: User, clinic: Clinic, signature_id: int, action: Action = Action.PATIENT_LIST
) -> tuple[ConsentSignature, Patient]:
    """A signed consent of the acting clinic and its patient, read through the patient's door
    (audited there as a view of the chart, for `action`)."""
    require_permission(user=user, action=action, clinic=clinic)
    signature = consent_signature_get_for_clinic(clinic=clinic, signature_id=signature_id)
    patient = patient_get_for_staff(
        user=user, clinic=clinic, patient_id=signature.patient_id, action=action
    )
    return signature, patient


def consent_pdf_for_staff(
    *,
    user: User,
    clinic: Clinic,
    signature_id: int,
    copy: ConsentCopy = ConsentCopy.AS_SIGNED,
    channel: str,
) -> HttpResponse:
    """A signed consent's stored PDF for a staff member (the staff page or the API)."""
    signature, patient = consent_signature_get_for_staff(
        user=user, clinic=clinic, signature_id=signature_id
    )
    return consent_pdf_download(
        actor=user, patient=patient, signature=signature, copy=copy, channel=channel
    )


def consent_pdf_for_patient(
    *, user: User, patient: Patient, signature_id: int, copy: ConsentCopy = ConsentCopy.AS_SIGNED
) -> HttpResponse:
    """The patient's own signed consent (the portal); anyone else's is not found. Without their
    record number in the file name: the patient knows whose it is."""
    signature = consent_signature_get_for_patient(patient=patient, signature_id=signature_id)
    return consent_pdf_download(
        actor=user,
        patient=patient,
        signature=signature,
        copy=copy,
        channel="portal",
        actor_role=PORTAL_ACTOR_ROLE,
        with_record_number=False,
    )
