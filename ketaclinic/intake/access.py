"""The door to a declined patient's referral letter (CONVENTIONS.md §4): the decision within the
acting clinic, the patient through the patients' door (which checks the permission and records
the chart read), and the letter's export recorded once it is made. The page never records it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import NotFound
from ketaclinic.intake.models import EligibilityDecision, EligibilityOutcome
from ketaclinic.patients.access import patient_get_for_staff
from ketaclinic.patients.models import Patient

if TYPE_CHECKING:
    from ketaclinic.accounts.models import User
    from ketaclinic.clinics.models import Clinic

DECLINED_DECISION_NOT_FOUND = "No such declined eligibility decision at this clinic."


def referral_letter_export(
    *,
    user: User,
    clinic: Clinic,
    decision_id: int,
    render_pdf: Callable[[EligibilityDecision, Patient], bytes],
) -> tuple[Patient, bytes]:
    """The patient and their referral letter as `render_pdf` lays it out (the page owns the
    template), recorded as `referral_letter.exported`. The letter is made before the export is
    recorded, so a letter that could not be made is not recorded as handed out."""
    try:
        decision = EligibilityDecision.objects.select_related("patient", "signed_by").get(
            pk=decision_id, clinic=clinic, outcome=EligibilityOutcome.DECLINED
        )
    except EligibilityDecision.DoesNotExist:
        raise NotFound(DECLINED_DECISION_NOT_FOUND) from None
    patient = patient_get_for_staff(user=user, clinic=clinic, patient_id=decision.patient_id)
    pdf = render_pdf(decision, patient)
    audit_record(
        actor=user,
        action=AuditAction.REFERRAL_LETTER_EXPORTED,
        clinic=clinic,
        patient_id=patient.pk,
        subject=decision,
    )
    return patient, pdf
