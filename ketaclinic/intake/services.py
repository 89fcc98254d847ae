"""Saving intake: a draft keeps whatever is valid; submitting needs what eligibility needs; a
submitted intake changes only by amendment, a new version with its reason (the earlier ones are
kept whole). Who may change which fields is the permission matrix's (accounts/roles.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import PERMISSIONS, Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import InvalidInput, PermissionRefused, PreconditionFailed
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
    IntakeVersion,
    IntakeVersionKind,
)
from ketaclinic.intake.versions import INTAKE_FIELDS, content_changes, intake_content
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


# Some of an intake's fields (IntakeEntry's names) with their new values; the others keep
# their stored values, as they are when the intake is locked for the save.
IntakeChanges = Mapping[str, Any]

PATIENT_ANSWER_NEEDED = "Please answer this before sending your intake to the clinic."

# What a patient fills in themselves in the portal: what they know about their own history.
# Baseline vitals stay staff-only: they must be measured in clinic, at rest, with the clinic's
# calibrated equipment, and they feed the blood-pressure rules of the eligibility advice and the
# session's baseline; a home reading typed by the patient cannot stand in for them.
# Whether a past antidepressant trial was at an adequate dose is a clinical judgement against
# dose tables (CLINICAL.md), so a patient's trial rows keep the clinician's judgement if one was
# recorded for the same trial, and are otherwise counted as not (yet) judged adequate.
STAFF_ONLY_FIELDS = (
    "baseline_systolic_mmhg",
    "baseline_diastolic_mmhg",
    "baseline_heart_rate_bpm",
    "baseline_spo2_percent",
)
INTAKE_SENT_TO_CLINIC = (
    "Your intake has been sent to the clinic and can no longer be changed here. "
    "Please contact the clinic to change it."
)
AMENDMENT_REASON_NEEDED = "Say why the submitted intake is amended."
SUBMITTING_IS_CLINICAL = (
    "Submitting the intake for eligibility review is a clinical act; ask a nurse or physician."
)


def _already_submitted(intake: Intake) -> str:
    when = (
        f" on {intake.submitted_at.astimezone(intake.clinic.zone):%d %b %Y}"
        if intake.submitted_at
        else ""
    )
    return (
        f"This intake was submitted for eligibility review{when} (version {intake.version}). "
        "It is never saved over or returned to a draft: a clinician amends it with a reason, "
        "which makes a new version and keeps the submitted one."
    )


def intake_entry_of(intake: Intake | None) -> IntakeEntry:
    """The stored intake as an entry (an empty one when there is none yet)."""
    if intake is None:
        return IntakeEntry()
    return IntakeEntry(
        **{name: getattr(intake, name) for name in INTAKE_FIELDS if name != "medical_history"},
        medical_history=tuple(History(value) for value in intake.medical_history),
        diagnoses=tuple(row.code for row in intake.diagnoses.all()),
        trials=tuple(
            TrialEntry(
                drug=row.drug,
                highest_dose_mg=row.highest_dose_mg,
                weeks_at_dose=row.weeks_at_dose,
                is_dose_adequate=row.is_dose_adequate,
                is_adherent=row.is_adherent,
                outcome=TrialOutcome(row.outcome),
                is_current_episode=row.is_current_episode,
            )
            for row in intake.trials.all()
        ),
        medications=tuple(
            MedicationEntry(name=row.name, dose_mg=row.dose_mg, frequency=row.frequency)
            for row in intake.medications.all()
        ),
    )


def _comparable(entry: IntakeEntry, name: str) -> object:
    value = getattr(entry, name)
    if name == "medical_history":
        return sorted(item.value for item in value)
    if name == "diagnoses":
        return list(dict.fromkeys(code.strip().upper() for code in value))
    return value


def _check_field_group(
    *, acting_user: User, patient: Patient, entry: IntakeEntry, stored: Intake | None, submit: bool
) -> None:
    """A staff member without `intake.record` may change only the fields of
    `intake.measurements_record` on a draft (front desk: height and weight); any other
    difference from the stored intake is refused, never silently dropped."""
    try:
        require_permission(user=acting_user, action=Action.INTAKE_RECORD, clinic=patient.clinic)
    except PermissionRefused:
        pass  # not a clinical recorder here: the measurements rule decides below
    else:
        return
    require_permission(
        user=acting_user, action=Action.INTAKE_MEASUREMENTS_RECORD, clinic=patient.clinic
    )
    if submit:
        raise PermissionRefused(SUBMITTING_IS_CLINICAL)
    allowed = PERMISSIONS[Action.INTAKE_MEASUREMENTS_RECORD].fields
    current = intake_entry_of(stored)
    touched = [
        name
        for name in (*INTAKE_FIELDS, "diagnoses", "trials", "medications")
        if name not in allowed and _comparable(entry, name) != _comparable(current, name)
    ]
    if touched:
        raise PermissionRefused(
            f"Your role records only {' and '.join(allowed)} on the intake, not its clinical "
            f"content ({', '.join(touched)}); ask a nurse or physician."
        )


def _problems(
    entry: IntakeEntry, *, patient: Patient, submitting: bool, as_patient: bool = False
) -> dict[str, list[str]]:
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
    if submitting and as_patient:
        # What a patient can answer about themselves. Diagnoses are not required of them: many
        # do not know the coded diagnosis, and staff confirm it before submitting for review.
        answers: dict[str, object] = {
            "indication": entry.indication,
            "height_cm": entry.height_cm,
            "weight_kg": entry.weight_kg,
            "allergies": entry.allergies.strip(),
        }
        for name, value in answers.items():
            if value in (None, ""):
                add(name, PATIENT_ANSWER_NEEDED)
        if patient.sex_at_birth == SexAtBirth.FEMALE and (
            entry.is_pregnant is None or entry.is_breastfeeding is None
        ):
            add("is_pregnant", "Tell us whether you are pregnant or breastfeeding.")
    elif submitting:
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
def intake_save(
    *,
    acting_user: User,
    patient: Patient,
    entry: IntakeEntry | None = None,
    changes: IntakeChanges | None = None,
    submit: bool,
    as_patient: bool = False,
) -> Intake:
    """Save the intake as a draft, or submit it for eligibility review. Nothing is half-saved:
    a refusal names every field and leaves the stored intake as it was. A submitted intake is
    refused here (never saved over, never a draft again): it changes by `intake_amend`.

    Give the whole `entry`, or only the `changes` (see `IntakeChanges`), which are laid over
    the intake as stored once it is locked.

    Staff with `intake.record` write every field; staff with only
    `intake.measurements_record` (front desk) write only that action's fields, on a draft,
    and do not submit.

    With `as_patient`, the acting user is the patient themselves in the portal (not a staff
    role: a patient may fill in only their own intake, while it is open to them). They save
    their part as a draft or send it to the clinic (`submit`), which makes it read-only to them
    but leaves the intake a draft for staff, who add the baseline vitals and submit it for
    eligibility review. Staff-only fields are kept as stored whatever the entry says."""
    if as_patient:
        if patient.portal_user_id is None or patient.portal_user_id != acting_user.pk:
            raise PermissionRefused("You can only fill in your own intake.")
    else:
        require_permission(
            user=acting_user, action=Action.INTAKE_MEASUREMENTS_RECORD, clinic=patient.clinic
        )
    stored = _locked(patient)
    entry = _entry_with(stored, entry=entry, changes=changes)
    if as_patient:
        if stored is not None and not stored.is_open_to_patient:
            raise PreconditionFailed(INTAKE_SENT_TO_CLINIC)
        entry = _keep_staff_only_answers(entry, stored=stored)
    elif stored is not None and stored.status == IntakeStatus.SUBMITTED:
        raise PreconditionFailed(_already_submitted(stored))
    else:
        _check_field_group(
            acting_user=acting_user, patient=patient, entry=entry, stored=stored, submit=submit
        )
    problems = _problems(entry, patient=patient, submitting=submit, as_patient=as_patient)
    if problems:
        message = (
            "Some answers need attention; nothing has been sent yet."
            if as_patient
            else "Some intake entries need attention."
        )
        raise InvalidInput(message, fields=problems)
    intake = (
        stored
        or Intake.objects.get_or_create(
            patient=patient, defaults={"clinic": patient.clinic, "updated_by": acting_user}
        )[0]
    )
    if submit and as_patient:
        intake.patient_submitted_at = timezone.now()
    elif submit:
        intake.status = IntakeStatus.SUBMITTED
        intake.submitted_at = timezone.now()
        intake.submitted_by = acting_user
        intake.version += 1
    intake = _write(intake, entry=entry, acting_user=acting_user)
    if intake.status == IntakeStatus.SUBMITTED:
        IntakeVersion.objects.create(
            clinic=patient.clinic,
            intake=intake,
            number=intake.version,
            kind=IntakeVersionKind.SUBMITTED,
            content=intake_content(intake),
            created_by=acting_user,
        )
    audit_record(
        actor=acting_user,
        action=AuditAction.INTAKE_SUBMITTED if submit else AuditAction.INTAKE_SAVED,
        clinic=patient.clinic,
        actor_role="patient" if as_patient else "",
        patient_id=patient.pk,
        subject=intake,
        detail={
            "diagnoses": list(entry.diagnoses),
            "trials": len(entry.trials),
            "medications": len(entry.medications),
            "by": "patient" if as_patient else "staff",
            "channel": "portal" if as_patient else "staff",
            **({"part": "patient"} if as_patient and submit else {}),
            **({"version": intake.version} if intake.status == IntakeStatus.SUBMITTED else {}),
        },
    )
    return intake


@transaction.atomic
def intake_amend(
    *,
    acting_user: User,
    patient: Patient,
    entry: IntakeEntry | None = None,
    changes: IntakeChanges | None = None,
    reason: str,
) -> Intake:
    """Amend a submitted intake: the entry (or the `changes` laid over the locked stored
    intake, as in `intake_save`) becomes a new version (it must still be complete),
    with the reason; every earlier version is kept whole. Audited as `intake.amended` with the
    fields that changed and the version numbers. A decision signed on an earlier version then
    shows that the intake was amended after it, until a physician reviews it."""
    require_permission(user=acting_user, action=Action.INTAKE_RECORD, clinic=patient.clinic)
    stored = _locked(patient)
    if stored is None or stored.status != IntakeStatus.SUBMITTED:
        raise PreconditionFailed(
            "Only a submitted intake is amended; this one is still a draft: save or submit it."
        )
    entry = _entry_with(stored, entry=entry, changes=changes)
    problems = _problems(entry, patient=patient, submitting=True)
    reason = reason.strip()
    if not reason:
        problems.setdefault("reason", []).append(AMENDMENT_REASON_NEEDED)
    if problems:
        raise InvalidInput(
            "Some intake entries need attention; the submitted intake is unchanged.",
            fields=problems,
        )
    before = intake_content(stored)
    stored.version += 1
    intake = _write(stored, entry=entry, acting_user=acting_user)
    after = intake_content(intake)
    changes = content_changes(before, after)
    if not changes:  # raising rolls the write back
        raise InvalidInput(
            f"The amendment changes nothing; the intake stays at version {intake.version - 1}.",
            fields={"reason": ["Nothing differs from the submitted intake."]},
        )
    version = IntakeVersion.objects.create(
        clinic=patient.clinic,
        intake=intake,
        number=intake.version,
        kind=IntakeVersionKind.AMENDED,
        content=after,
        changes=changes,
        reason=reason,
        created_by=acting_user,
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.INTAKE_AMENDED,
        clinic=patient.clinic,
        patient_id=patient.pk,
        subject=version,
        detail={
            "from_version": intake.version - 1,
            "to_version": intake.version,
            "changes": changes,
            "reason": reason[:500],
        },
    )
    return intake


def _locked(patient: Patient) -> Intake | None:
    return Intake.objects.select_for_update().filter(patient=patient).first()


def _entry_with(
    stored: Intake | None, *, entry: IntakeEntry | None, changes: IntakeChanges | None
) -> IntakeEntry:
    """The whole entry given, or the changes over the intake as stored (read under the lock,
    so that a save in between is not undone by a copy read before it)."""
    if entry is not None and changes is None:
        return entry
    if entry is None and changes is not None:
        return replace(intake_entry_of(stored), **changes)
    raise TypeError("Give either the whole entry or only the changes.")


def _write(intake: Intake, *, entry: IntakeEntry, acting_user: User) -> Intake:
    """Store the entry on the intake (its lists replaced) and return it as stored now."""
    for name in INTAKE_FIELDS:
        if name != "medical_history":
            setattr(intake, name, getattr(entry, name))
    intake.medical_history = sorted(item.value for item in entry.medical_history)
    intake.updated_by = acting_user
    intake.save()
    intake.diagnoses.all().delete()
    IntakeDiagnosis.objects.bulk_create(
        IntakeDiagnosis(
            intake=intake, code=code.strip().upper(), description=icd10_description(code) or ""
        )
        for code in dict.fromkeys(code.strip().upper() for code in entry.diagnoses)
    )
    intake.trials.all().delete()
    AntidepressantTrialRecord.objects.bulk_create(
        AntidepressantTrialRecord(intake=intake, **trial.__dict__) for trial in entry.trials
    )
    intake.medications.all().delete()
    CurrentMedication.objects.bulk_create(
        CurrentMedication(intake=intake, **medication.__dict__) for medication in entry.medications
    )
    return Intake.objects.prefetch_related("diagnoses", "trials", "medications").get(pk=intake.pk)


def _keep_staff_only_answers(entry: IntakeEntry, *, stored: Intake | None) -> IntakeEntry:
    """A patient's entry with the staff-only answers as stored (see STAFF_ONLY_FIELDS)."""

    def trial_key(drug: str, dose_mg: Decimal, weeks: int) -> tuple[str, Decimal, int]:
        return drug.strip().lower(), Decimal(dose_mg), weeks

    judged = (
        {
            trial_key(trial.drug, trial.highest_dose_mg, trial.weeks_at_dose): (
                trial.is_dose_adequate
            )
            for trial in stored.trials.all()
        }
        if stored is not None
        else {}
    )
    return replace(
        entry,
        baseline_systolic_mmhg=stored.baseline_systolic_mmhg if stored else None,
        baseline_diastolic_mmhg=stored.baseline_diastolic_mmhg if stored else None,
        baseline_heart_rate_bpm=stored.baseline_heart_rate_bpm if stored else None,
        baseline_spo2_percent=stored.baseline_spo2_percent if stored else None,
        trials=tuple(
            replace(
                trial,
                is_dose_adequate=judged.get(
                    trial_key(trial.drug, trial.highest_dose_mg, trial.weeks_at_dose), False
                ),
            )
            for trial in entry.trials
        ),
    )


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
