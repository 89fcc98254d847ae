"""The physician's signed eligibility decision on a submitted intake, and its addenda."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import InvalidInput, PreconditionFailed
from ketaclinic.intake.models import (
    DecisionAddendum,
    EligibilityDecision,
    EligibilityOutcome,
    Intake,
    IntakeStatus,
)
from ketaclinic.intake.selectors import eligibility_advice_for_intake
from ketaclinic.medicine.errors import ClinicalRuleError
from ketaclinic.medicine.protocols import protocol_get
from ketaclinic.patients.models import JourneyStage, Patient


def _advice_snapshot(intake: Intake) -> dict[str, object]:
    advice = eligibility_advice_for_intake(intake)
    if advice is None:
        return {}
    return {
        "decision": advice.decision.value,
        "adequate_failed_trials": advice.adequate_failed_trials,
        "reasons": [
            {"severity": reason.severity.value, "message": reason.message, "source": reason.source}
            for reason in advice.reasons
        ],
    }


@transaction.atomic
def eligibility_decide(
    *,
    acting_user: User,
    patient: Patient,
    outcome: EligibilityOutcome,
    note: str,
    protocol_key: str = "",
    requested_items: str = "",
) -> EligibilityDecision:
    """The physician's signed decision on a submitted intake (approved for a protocol, declined,
    or more information needed). Signed and locked at once; later changes are addenda."""
    membership = require_permission(
        user=acting_user, action=Action.ELIGIBILITY_DECIDE, clinic=patient.clinic
    )
    intake = Intake.objects.filter(patient=patient, status=IntakeStatus.SUBMITTED).first()
    if intake is None:
        raise PreconditionFailed("The intake must be submitted before an eligibility decision.")
    problems: dict[str, list[str]] = {}
    if not note.strip():
        problems["note"] = [
            "Write the reasoning; it goes into the record (and any referral letter)."
        ]
    if outcome == EligibilityOutcome.APPROVED:
        try:
            protocol_get(protocol_key)
        except ClinicalRuleError as error:
            problems["protocol_key"] = [error.message]
    if outcome == EligibilityOutcome.MORE_INFORMATION and not requested_items.strip():
        problems["requested_items"] = ["Say what is needed (ECG, labs, records…)."]
    if problems:
        raise InvalidInput("The decision is not complete.", fields=problems)
    decision = EligibilityDecision.objects.create(
        clinic=patient.clinic,
        patient=patient,
        outcome=outcome,
        protocol_key=protocol_key if outcome == EligibilityOutcome.APPROVED else "",
        note=note.strip(),
        requested_items=requested_items.strip(),
        advice_snapshot=_advice_snapshot(intake),
        signed_by=acting_user,
        signed_at=timezone.now(),
        signer_title=membership.title,
        intake_version=intake.versions.get(number=intake.version),
    )
    patient.journey_stage = {
        EligibilityOutcome.APPROVED: JourneyStage.APPROVED,
        EligibilityOutcome.DECLINED: JourneyStage.DECLINED,
        EligibilityOutcome.MORE_INFORMATION: JourneyStage.ELIGIBILITY_REVIEW,
    }[outcome]
    patient.save(update_fields=["journey_stage", "phone_digits", "updated_at"])
    audit_record(
        actor=acting_user,
        action=AuditAction.ELIGIBILITY_DECIDED,
        clinic=patient.clinic,
        patient_id=patient.pk,
        subject=decision,
        detail={
            "outcome": outcome.value,
            "protocol": decision.protocol_key,
            "intake_version": intake.version,
        },
    )
    return decision


@transaction.atomic
def eligibility_addendum_add(
    *, acting_user: User, decision: EligibilityDecision, text: str
) -> DecisionAddendum:
    """A signed decision is never edited; a physician adds a dated addendum instead. The
    addendum records the intake version in front of the physician: one written after the intake
    was amended is their review of the amendment."""
    require_permission(user=acting_user, action=Action.ELIGIBILITY_DECIDE, clinic=decision.clinic)
    if not text.strip():
        raise InvalidInput("Write the addendum.", fields={"text": ["Required."]})
    intake = Intake.objects.filter(patient_id=decision.patient_id).first()
    version = intake.versions.filter(number=intake.version).first() if intake is not None else None
    addendum = DecisionAddendum.objects.create(
        decision=decision, text=text.strip(), author=acting_user, intake_version=version
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.ELIGIBILITY_ADDENDUM,
        clinic=decision.clinic,
        patient_id=decision.patient_id,
        subject=addendum,
        detail={"intake_version": version.number if version else None},
    )
    return addendum
