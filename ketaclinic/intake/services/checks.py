"""What an intake save is checked against: the answers a draft, a submission or a patient's own
part needs, the fields a role may change, and the answers only staff give.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import PERMISSIONS, Action
from ketaclinic.core.errors import PermissionRefused
from ketaclinic.intake.icd10 import icd10_description
from ketaclinic.intake.models import Intake
from ketaclinic.intake.services.entries import IntakeEntry, intake_entry_of
from ketaclinic.intake.versions import FIELD_WORDS, INTAKE_FIELDS
from ketaclinic.medicine.body_weight import check_height_cm, check_weight_kg
from ketaclinic.medicine.errors import ClinicalRuleError
from ketaclinic.medicine.protocols import Indication
from ketaclinic.medicine.vital_signs import diastolic_not_below_systolic, impossible_vital_sign
from ketaclinic.patients.models import Patient, SexAtBirth

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


# The baseline readings, each named as its reading in medicine.vital_signs after "baseline_".
BASELINE_VITALS = (
    "baseline_systolic_mmhg",
    "baseline_diastolic_mmhg",
    "baseline_heart_rate_bpm",
    "baseline_spo2_percent",
)

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
            f"Your role records only {' and '.join(FIELD_WORDS[name] for name in allowed)} on "
            f"the intake, not its clinical content "
            f"({', '.join(FIELD_WORDS[name] for name in touched)}); ask a nurse or physician."
        )


def intake_entry_problems(
    entry: IntakeEntry, *, patient: Patient, submitting: bool, as_patient: bool = False
) -> dict[str, list[str]]:
    """Every problem with an entry, by field (IntakeEntry's names), that a save would refuse:
    implausible values, and what a submission needs. Read-only: a page runs it on what its
    forms could read, so that one submit names every problem, the forms' and these together."""
    return _problems(entry, patient=patient, submitting=submitting, as_patient=as_patient)


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
    # Each baseline reading on its own, by the session page's entry limits, so that every
    # impossible value is named at once (and a reading is checked whether or not the others are in).
    for name in BASELINE_VITALS:
        value = getattr(entry, name)
        problem = (
            impossible_vital_sign(name.removeprefix("baseline_"), value)
            if value is not None
            else None
        )
        if problem is not None:
            add(name, problem)
    if (
        entry.baseline_systolic_mmhg is not None
        and entry.baseline_diastolic_mmhg is not None
        and not problems.keys() & {"baseline_systolic_mmhg", "baseline_diastolic_mmhg"}
    ):
        pair = diastolic_not_below_systolic(
            systolic_mmhg=entry.baseline_systolic_mmhg,
            diastolic_mmhg=entry.baseline_diastolic_mmhg,
        )
        if pair is not None:
            add("baseline_systolic_mmhg", pair)
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
