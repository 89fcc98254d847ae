"""Saving intake: a draft keeps whatever is valid; submitting needs what eligibility needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import InvalidInput, PreconditionFailed
from ketaclinic.intake.icd10 import icd10_description
from ketaclinic.intake.models import (
    AntidepressantTrialRecord,
    CurrentMedication,
    DecisionAddendum,
    EligibilityDecision,
    EligibilityOutcome,
    Intake,
    IntakeDiagnosis,
    IntakeStatus,
)
from ketaclinic.medicine.body_weight import check_height_cm, check_weight_kg
from ketaclinic.medicine.eligibility import History, TrialOutcome
from ketaclinic.medicine.errors import ClinicalRuleError
from ketaclinic.medicine.protocols import Indication, protocol_get
from ketaclinic.medicine.vital_signs import VitalSigns, check_vital_signs
from ketaclinic.patients.models import JourneyStage, Patient, SexAtBirth


@dataclass(frozen=True)
class TrialEntry:
    drug: str
    highest_dose_mg: Decimal
    weeks_at_dose: int
    is_dose_adequate: bool
    is_adherent: bool
    outcome: TrialOutcome
    is_current_episode: bool


@dataclass(frozen=True)
class MedicationEntry:
    name: str
    dose_mg: Decimal | None = None
    frequency: str = ""


@dataclass(frozen=True)
class IntakeEntry:
    indication: str = ""
    psychiatric_history: str = ""
    medical_history: tuple[History, ...] = ()
    substance_use: str = ""
    allergies: str = ""
    is_pregnant: bool | None = None
    is_breastfeeding: bool | None = None
    height_cm: Decimal | None = None
    weight_kg: Decimal | None = None
    baseline_systolic_mmhg: int | None = None
    baseline_diastolic_mmhg: int | None = None
    baseline_heart_rate_bpm: int | None = None
    baseline_spo2_percent: int | None = None
    diagnoses: tuple[str, ...] = ()
    trials: tuple[TrialEntry, ...] = field(default_factory=tuple)
    medications: tuple[MedicationEntry, ...] = field(default_factory=tuple)


def _problems(entry: IntakeEntry, *, patient: Patient, submitting: bool) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    for code in entry.diagnoses:
        if icd10_description(code) is None:
            add(
                "diagnoses",
                f"{code} is not in the clinic's ICD-10 list; pick a code from the search.",
            )
    if entry.indication and entry.indication not in {i.value for i in Indication}:
        add("indication", "Choose an indication from the list.")
    for name, check in (("height_cm", check_height_cm), ("weight_kg", check_weight_kg)):
        value = getattr(entry, name)
        if value is not None:
            try:
                check(value)
            except ClinicalRuleError as error:
                add(name, error.message)
    vitals = (
        entry.baseline_systolic_mmhg,
        entry.baseline_diastolic_mmhg,
        entry.baseline_heart_rate_bpm,
        entry.baseline_spo2_percent,
    )
    if all(value is not None for value in vitals):
        try:
            check_vital_signs(VitalSigns(*vitals))  # type: ignore[arg-type]
        except ClinicalRuleError as error:
            add("baseline_systolic_mmhg", error.message)
    for trial in entry.trials:
        if trial.weeks_at_dose > 520 or trial.highest_dose_mg <= 0:
            add("trials", f"{trial.drug}: check the dose and the weeks at that dose.")
    if submitting:
        required = {
            "indication": entry.indication,
            "height_cm": entry.height_cm,
            "weight_kg": entry.weight_kg,
            "baseline_systolic_mmhg": entry.baseline_systolic_mmhg,
            "baseline_diastolic_mmhg": entry.baseline_diastolic_mmhg,
            "baseline_heart_rate_bpm": entry.baseline_heart_rate_bpm,
            "baseline_spo2_percent": entry.baseline_spo2_percent,
        }
        for name, value in required.items():
            if value in (None, ""):
                add(name, "Needed before the intake can be submitted.")
        if not entry.diagnoses:
            add("diagnoses", "Record at least one diagnosis before submitting.")
        if patient.sex_at_birth == SexAtBirth.FEMALE and (
            entry.is_pregnant is None or entry.is_breastfeeding is None
        ):
            add("is_pregnant", "Record pregnancy and breastfeeding status before submitting.")
    return problems


@transaction.atomic
def intake_save(*, acting_user: User, patient: Patient, entry: IntakeEntry, submit: bool) -> Intake:
    """Save the intake as a draft, or submit it for eligibility review. Nothing is half-saved:
    a refusal names every field and leaves the stored intake as it was."""
    require_permission(user=acting_user, action=Action.INTAKE_RECORD, clinic=patient.clinic)
    problems = _problems(entry, patient=patient, submitting=submit)
    if problems:
        raise InvalidInput("Some intake entries need attention.", fields=problems)
    intake, _ = Intake.objects.select_for_update().get_or_create(
        patient=patient, defaults={"clinic": patient.clinic, "updated_by": acting_user}
    )
    for name in (
        "indication",
        "psychiatric_history",
        "substance_use",
        "allergies",
        "is_pregnant",
        "is_breastfeeding",
        "height_cm",
        "weight_kg",
        "baseline_systolic_mmhg",
        "baseline_diastolic_mmhg",
        "baseline_heart_rate_bpm",
        "baseline_spo2_percent",
    ):
        setattr(intake, name, getattr(entry, name))
    intake.medical_history = sorted(item.value for item in entry.medical_history)
    intake.updated_by = acting_user
    if submit:
        intake.status = IntakeStatus.SUBMITTED
        intake.submitted_at = timezone.now()
        intake.submitted_by = acting_user
    intake.save()
    intake.diagnoses.all().delete()
    IntakeDiagnosis.objects.bulk_create(
        IntakeDiagnosis(
            intake=intake, code=code.strip().upper(), description=icd10_description(code) or ""
        )
        for code in dict.fromkeys(entry.diagnoses)
    )
    intake.trials.all().delete()
    AntidepressantTrialRecord.objects.bulk_create(
        AntidepressantTrialRecord(intake=intake, **trial.__dict__) for trial in entry.trials
    )
    intake.medications.all().delete()
    CurrentMedication.objects.bulk_create(
        CurrentMedication(intake=intake, **medication.__dict__) for medication in entry.medications
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.INTAKE_SUBMITTED if submit else AuditAction.INTAKE_SAVED,
        clinic=patient.clinic,
        patient_id=patient.pk,
        subject=intake,
        detail={
            "diagnoses": list(entry.diagnoses),
            "trials": len(entry.trials),
            "medications": len(entry.medications),
        },
    )
    return intake


def _advice_snapshot(intake: Intake) -> dict[str, object]:
    from ketaclinic.intake.selectors import eligibility_advice_for_intake

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
        detail={"outcome": outcome.value, "protocol": decision.protocol_key},
    )
    return decision


@transaction.atomic
def eligibility_addendum_add(
    *, acting_user: User, decision: EligibilityDecision, text: str
) -> DecisionAddendum:
    """A signed decision is never edited; a physician adds a dated addendum instead."""
    require_permission(user=acting_user, action=Action.ELIGIBILITY_DECIDE, clinic=decision.clinic)
    if not text.strip():
        raise InvalidInput("Write the addendum.", fields={"text": ["Required."]})
    addendum = DecisionAddendum.objects.create(
        decision=decision, text=text.strip(), author=acting_user
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.ELIGIBILITY_ADDENDUM,
        clinic=decision.clinic,
        patient_id=decision.patient_id,
        subject=addendum,
    )
    return addendum
