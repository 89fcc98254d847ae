"""Eligibility advice: eligible, physician review needed, or not eligible, with every reason, its
severity and its source (CLINICAL.md §1.1, §1.2, §1.3, §4). The physician decides."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from ketaclinic.medicine.errors import InvalidConfiguration, NotApplicable
from ketaclinic.medicine.interactions import FlagSeverity, MedicationInput, check_interactions
from ketaclinic.medicine.protocols import Indication, Protocol, Route


class Severity(StrEnum):
    ABSOLUTE = "absolute"
    RELATIVE = "relative"
    CAUTION = "caution"


class Decision(StrEnum):
    ELIGIBLE = "eligible"
    PHYSICIAN_REVIEW = "physician_review"
    NOT_ELIGIBLE = "not_eligible"


class History(StrEnum):
    HYPERSENSITIVITY = "hypersensitivity"
    ANEURYSM_AVM_OR_ICH = "aneurysm_avm_ich"
    CEREBROVASCULAR_EVENT = "cerebrovascular_event"
    UNCONTROLLED_HYPERTENSION = "uncontrolled_hypertension"
    UNTREATED_HYPERTHYROIDISM = "untreated_hyperthyroidism"
    POORLY_CONTROLLED_CARDIOVASCULAR = "poorly_controlled_cardiovascular"
    PSYCHOSIS = "psychosis"
    BIPOLAR = "bipolar"
    ACTIVE_SUBSTANCE_USE = "active_substance_use"
    KETAMINE_MISUSE = "ketamine_misuse"
    SEVERE_HEPATIC_DISEASE = "severe_hepatic_disease"
    MODERATE_HEPATIC_DISEASE = "moderate_hepatic_disease"
    RAISED_INTRACRANIAL_PRESSURE = "raised_intracranial_pressure"
    RAISED_INTRAOCULAR_PRESSURE = "raised_intraocular_pressure"
    SEIZURE_DISORDER = "seizure_disorder"
    BLADDER_SYMPTOMS = "bladder_symptoms"
    SLEEP_APNEA = "sleep_apnea"


# (severity, reason, source) for each history item (CLINICAL.md §1.2). The source is shown to the
# physician with the advice: the published source, never a section of the project's reference.
HISTORY_RULES: dict[History, tuple[Severity, str, str]] = {
    History.HYPERSENSITIVITY: (
        Severity.ABSOLUTE,
        "Hypersensitivity to ketamine or esketamine.",
        "Ketalar PI; SPRAVATO PI",
    ),
    History.ANEURYSM_AVM_OR_ICH: (
        Severity.ABSOLUTE,
        "Aneurysmal vascular disease, arteriovenous malformation or intracerebral hemorrhage.",
        "SPRAVATO PI",
    ),
    History.CEREBROVASCULAR_EVENT: (
        Severity.ABSOLUTE,
        "Prior cerebrovascular event where a BP rise is dangerous.",
        "Swiss Ketalar label",
    ),
    History.UNCONTROLLED_HYPERTENSION: (
        Severity.ABSOLUTE,
        "Uncontrolled or untreated hypertension.",
        "Ketalar PI; Swiss label",
    ),
    History.UNTREATED_HYPERTHYROIDISM: (
        Severity.ABSOLUTE,
        "Untreated or inadequately treated hyperthyroidism.",
        "Swiss label",
    ),
    History.POORLY_CONTROLLED_CARDIOVASCULAR: (
        Severity.RELATIVE,
        "Poorly controlled cardiovascular disease.",
        "Cohen 2018, grade B",
    ),
    History.PSYCHOSIS: (
        Severity.RELATIVE,
        "Active psychosis or a primary psychotic disorder: most clinics exclude.",
        "Cohen 2018; SPRAVATO PI; Sanacora 2017",
    ),
    History.BIPOLAR: (
        Severity.CAUTION,
        "Bipolar disorder: mood stabilizer and screening for mania.",
        "Sanacora 2017",
    ),
    History.ACTIVE_SUBSTANCE_USE: (
        Severity.RELATIVE,
        "Active substance use disorder: no serial infusions; consider toxicology.",
        "Cohen 2018; Sanacora 2017",
    ),
    History.KETAMINE_MISUSE: (
        Severity.RELATIVE,
        "Prior ketamine misuse or hallucinogen use disorder: often excluded.",
        "Trial exclusions (e.g. NCT05661669)",
    ),
    History.SEVERE_HEPATIC_DISEASE: (
        Severity.ABSOLUTE,
        "Severe hepatic disease: avoid.",
        "Cohen 2018; Ketalar PI §5.6",
    ),
    History.MODERATE_HEPATIC_DISEASE: (
        Severity.CAUTION,
        "Moderate hepatic disease: caution, LFT monitoring, longer observation.",
        "Cohen 2018; SPRAVATO PI",
    ),
    History.RAISED_INTRACRANIAL_PRESSURE: (
        Severity.RELATIVE,
        "Raised intracranial pressure or an intracranial mass.",
        "Cohen 2018 grade C; Ketalar PI",
    ),
    History.RAISED_INTRAOCULAR_PRESSURE: (
        Severity.RELATIVE,
        "Raised intraocular pressure, glaucoma or open globe.",
        "Cohen 2018 grade C; Ketalar PI",
    ),
    History.SEIZURE_DISORDER: (
        Severity.CAUTION,
        "Seizure disorder: never with theophylline or aminophylline.",
        "Ketalar PI §7.1",
    ),
    History.BLADDER_SYMPTOMS: (
        Severity.CAUTION,
        "Bladder symptoms: monitor for ketamine uropathy with repeated use.",
        "Ketalar PI §6",
    ),
    History.SLEEP_APNEA: (
        Severity.CAUTION,
        "Sleep apnea or difficult airway: screen (e.g. STOP-BANG).",
        "CPSBC draft standards",
    ),
}


# ICD-10-CM code prefixes → the history items they establish (§1.2). A diagnosis list is read
# alongside the history the clinician records; either can raise an item.
ICD10_HISTORY: tuple[tuple[str, History], ...] = (
    ("F20", History.PSYCHOSIS),
    ("F21", History.PSYCHOSIS),
    ("F22", History.PSYCHOSIS),
    ("F23", History.PSYCHOSIS),
    ("F25", History.PSYCHOSIS),
    ("F28", History.PSYCHOSIS),
    ("F29", History.PSYCHOSIS),
    ("F32.3", History.PSYCHOSIS),
    ("F33.3", History.PSYCHOSIS),
    ("F31", History.BIPOLAR),
    ("I67.1", History.ANEURYSM_AVM_OR_ICH),
    ("I71", History.ANEURYSM_AVM_OR_ICH),
    ("I72", History.ANEURYSM_AVM_OR_ICH),
    ("Q28.2", History.ANEURYSM_AVM_OR_ICH),
    ("I61", History.ANEURYSM_AVM_OR_ICH),
    ("I63", History.CEREBROVASCULAR_EVENT),
    ("E05", History.UNTREATED_HYPERTHYROIDISM),
    ("G93.2", History.RAISED_INTRACRANIAL_PRESSURE),
    ("H40", History.RAISED_INTRAOCULAR_PRESSURE),
    ("K72", History.SEVERE_HEPATIC_DISEASE),
    ("K74.6", History.SEVERE_HEPATIC_DISEASE),
    ("K70", History.MODERATE_HEPATIC_DISEASE),
    ("K73", History.MODERATE_HEPATIC_DISEASE),
    ("K75", History.MODERATE_HEPATIC_DISEASE),
    ("K76", History.MODERATE_HEPATIC_DISEASE),
    ("G40", History.SEIZURE_DISORDER),
    ("G47.33", History.SLEEP_APNEA),
)
# Diagnoses that an indication needs (§1.1: MDD for TRD; §2.6, §2.7 for the others).
INDICATION_ICD10: dict[Indication, tuple[str, ...]] = {
    Indication.TREATMENT_RESISTANT_DEPRESSION: ("F32", "F33"),
    Indication.DEPRESSION_WITH_SUICIDAL_IDEATION: ("F32", "F33"),
    Indication.PTSD: ("F43.1",),
    Indication.OCD: ("F42",),
    Indication.ANXIETY: ("F41", "F40"),
    Indication.ALCOHOL_USE_DISORDER: ("F10",),
    Indication.CHRONIC_PAIN: ("G89", "G90.5", "M79.7", "G54.6", "G62", "B02.2", "G43"),
}


def history_from_diagnoses(codes: Iterable[str]) -> frozenset[History]:
    """History items implied by ICD-10 codes (e.g. F20.9 → psychosis)."""
    normalized = [code.strip().upper() for code in codes]
    return frozenset(
        item for prefix, item in ICD10_HISTORY for code in normalized if code.startswith(prefix)
    )


class TrialOutcome(StrEnum):
    NO_RESPONSE = "no_response"
    PARTIAL_RESPONSE = "partial_response"
    INTOLERANCE = "intolerance"
    RESPONSE = "response"


@dataclass(frozen=True)
class AntidepressantTrial:
    drug: str
    weeks_at_dose: int
    is_dose_adequate: bool
    is_adherent: bool
    outcome: TrialOutcome
    is_current_episode: bool


# §1.2: adults only (the esketamine label's and the IV trials' population); a clinic may raise
# the minimum age but never lower it.
ADULT_AGE_YEARS = 18


@dataclass(frozen=True)
class EligibilityRules:
    minimum_age: int = ADULT_AGE_YEARS
    adequate_trial_weeks: int = 6  # §1.1: ≥ 6 weeks (esketamine trials); MGH-ATRQ 4–6
    required_failed_trials: int = 2  # §1.1
    minimum_weight_kg: int = 45  # §1.2: some protocols exclude < 45 or > 115 kg
    maximum_weight_kg: int = 115

    def __post_init__(self) -> None:
        if not 4 <= self.adequate_trial_weeks <= 12:
            raise InvalidConfiguration("An adequate trial lasts 4–12 weeks.")
        if not 2 <= self.required_failed_trials <= 4:
            raise InvalidConfiguration("Treatment resistance needs 2–4 failed trials.")
        if self.minimum_age < ADULT_AGE_YEARS:
            raise InvalidConfiguration(
                f"ketaclinic treats adults only ({ADULT_AGE_YEARS} and over)."
            )


@dataclass(frozen=True)
class Reason:
    severity: Severity
    message: str
    source: str


@dataclass(frozen=True)
class EligibilityInput:
    age_years: int
    indication: Indication
    trials: tuple[AntidepressantTrial, ...] = ()
    history: frozenset[History] = frozenset()
    is_pregnant: bool = False
    is_breastfeeding: bool = False
    resting_systolic_mmhg: int | None = None
    resting_diastolic_mmhg: int | None = None
    weight_kg: int | None = None
    medications: tuple[MedicationInput, ...] = field(default_factory=tuple)
    diagnoses: tuple[str, ...] = ()  # ICD-10-CM codes; empty = not recorded yet


@dataclass(frozen=True)
class EligibilityAdvice:
    decision: Decision
    reasons: tuple[Reason, ...]
    adequate_failed_trials: int


def adequate_failed_trials(
    trials: Iterable[AntidepressantTrial], *, rules: EligibilityRules
) -> int:
    """Trials in the current episode, at an adequate dose, for long enough, taken as prescribed,
    that did not work (no or partial response) (§1.1)."""
    return sum(
        1
        for trial in trials
        if trial.is_current_episode
        and trial.is_dose_adequate
        and trial.is_adherent
        and trial.weeks_at_dose >= rules.adequate_trial_weeks
        and trial.outcome in {TrialOutcome.NO_RESPONSE, TrialOutcome.PARTIAL_RESPONSE}
    )


def assess_eligibility(
    patient: EligibilityInput, *, protocol: Protocol, rules: EligibilityRules = EligibilityRules()
) -> EligibilityAdvice:
    if patient.indication not in protocol.indications:
        raise NotApplicable(f"{protocol.name} is not a protocol for {patient.indication.value}.")
    reasons: list[Reason] = []

    def add(severity: Severity, message: str, source: str) -> None:
        reasons.append(Reason(severity, message, source))

    if patient.age_years < rules.minimum_age:
        add(
            Severity.ABSOLUTE,
            f"Age {patient.age_years}: adults only.",
            "SPRAVATO PI; practice",
        )
    failed = adequate_failed_trials(patient.trials, rules=rules)
    if (
        patient.indication == Indication.TREATMENT_RESISTANT_DEPRESSION
        and failed < rules.required_failed_trials
    ):
        add(
            Severity.RELATIVE,
            f"{failed} adequate failed antidepressant trial(s) in this episode; treatment-resistant "
            f"depression needs {rules.required_failed_trials} (≥ {rules.adequate_trial_weeks} weeks "
            "at an adequate dose).",
            "SPRAVATO PI; TRANSFORM-2 (treatment-resistant depression)",
        )
    if patient.diagnoses and not any(
        code.strip().upper().startswith(INDICATION_ICD10[patient.indication])
        for code in patient.diagnoses
    ):
        add(
            Severity.RELATIVE,
            f"No recorded diagnosis supports the indication ({patient.indication.value}).",
            "SPRAVATO PI; Sanacora 2017; Feder 2021; Grabski 2022; Cohen 2018",
        )
    for item in sorted(patient.history | history_from_diagnoses(patient.diagnoses)):
        severity, message, source = HISTORY_RULES[item]
        add(severity, message, source)
    if patient.is_pregnant:
        add(
            Severity.RELATIVE,
            "Pregnancy: esketamine not recommended; clinics usually exclude.",
            "Cohen 2018; SPRAVATO PI",
        )
    if patient.is_breastfeeding:
        severity = Severity.RELATIVE if protocol.route == Route.INTRANASAL else Severity.CAUTION
        add(severity, "Breastfeeding: esketamine not recommended.", "SPRAVATO PI")
    systolic, diastolic = patient.resting_systolic_mmhg, patient.resting_diastolic_mmhg
    if systolic is not None and diastolic is not None:
        if systolic > 180 or diastolic > 100:
            add(
                Severity.ABSOLUTE,
                f"Resting BP {systolic}/{diastolic} is above 180/100.",
                "Swiss Ketalar label",
            )
        elif systolic >= 140 or diastolic >= 90:
            add(
                Severity.CAUTION,
                f"Resting BP {systolic}/{diastolic}: treat and re-check before infusions.",
                "SPRAVATO PI; ACC/AHA 2017 hypertension guideline",
            )
    if (
        patient.weight_kg is not None
        and not rules.minimum_weight_kg <= patient.weight_kg <= rules.maximum_weight_kg
    ):
        add(
            Severity.CAUTION,
            f"Weight {patient.weight_kg} kg is outside {rules.minimum_weight_kg}–{rules.maximum_weight_kg} kg, which some protocols exclude.",
            "Mayo trial exclusions",
        )
    report = check_interactions(patient.medications)
    for flag in report.flags:
        if flag.severity == FlagSeverity.HARD_STOP:
            add(
                Severity.ABSOLUTE,
                f"{flag.medication}: {flag.effect} {flag.action}",
                "Ketalar PI",
            )
        elif flag.severity in {FlagSeverity.HOLD, FlagSeverity.FLAG}:
            add(
                Severity.CAUTION,
                f"{flag.medication}: {flag.action}",
                "Ketalar PI; SPRAVATO PI; Andrade 2017",
            )
    if any(reason.severity == Severity.ABSOLUTE for reason in reasons):
        decision = Decision.NOT_ELIGIBLE
    elif any(reason.severity == Severity.RELATIVE for reason in reasons):
        decision = Decision.PHYSICIAN_REVIEW
    else:
        decision = Decision.ELIGIBLE
    return EligibilityAdvice(decision, tuple(reasons), failed)
