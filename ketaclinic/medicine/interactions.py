"""Medication classes, interaction flags, hold instructions and hard stops (CLINICAL.md §1.3).

A name (generic or brand, case-insensitive) maps to a class; each class carries its effect, the
clinic's usual action and the hours to hold before and after. The same classes drive the
esketamine Patient Monitoring Form checkboxes (§10.4).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class MedicationClass(StrEnum):
    BENZODIAZEPINE = "benzodiazepine"
    LAMOTRIGINE = "lamotrigine"
    MAOI = "maoi"
    STIMULANT = "stimulant"
    OPIOID = "opioid"
    CNS_DEPRESSANT = "cns_depressant"
    NALTREXONE = "naltrexone"
    THEOPHYLLINE = "theophylline"
    SYMPATHOMIMETIC = "sympathomimetic"
    CYP3A4_2B6_MODIFIER = "cyp_modifier"
    SEROTONERGIC_ANTIDEPRESSANT = "antidepressant"
    ANTIPSYCHOTIC = "antipsychotic"


class FlagSeverity(StrEnum):
    HARD_STOP = "hard_stop"
    HOLD = "hold"
    FLAG = "flag"
    INFORMATIONAL = "informational"


@dataclass(frozen=True)
class ClassRule:
    severity: FlagSeverity
    effect: str
    action: str
    hold_hours_before: int = 0
    resume_hours_after: int = 0
    is_pmf_checkbox: bool = False


RULES: dict[MedicationClass, ClassRule] = {
    MedicationClass.BENZODIAZEPINE: ClassRule(
        FlagSeverity.HOLD,
        "Additive sedation and respiratory depression; may blunt the antidepressant response "
        "above ~8 mg diazepam-equivalent a day.",
        "Hold before and after the infusion if safe; never stop abruptly; record the daily "
        "diazepam-equivalent dose.",
        hold_hours_before=12,
        resume_hours_after=6,
        is_pmf_checkbox=True,
    ),
    MedicationClass.LAMOTRIGINE: ClassRule(
        FlagSeverity.HOLD,
        "May attenuate the antidepressant effect.",
        "Hold before the infusion and resume afterwards.",
        hold_hours_before=12,
        resume_hours_after=6,
    ),
    MedicationClass.MAOI: ClassRule(
        FlagSeverity.FLAG,
        "Possible blood-pressure rise.",
        "Monitor BP closely.",
        is_pmf_checkbox=True,
    ),
    MedicationClass.STIMULANT: ClassRule(
        FlagSeverity.HOLD,
        "Raises blood pressure.",
        "Skip the infusion-day dose until after the session.",
        hold_hours_before=24,
        resume_hours_after=0,
        is_pmf_checkbox=True,
    ),
    MedicationClass.OPIOID: ClassRule(
        FlagSeverity.FLAG,
        "Profound sedation and respiratory depression; longer recovery.",
        "Continue chronic opioids, flag and watch SpO2; no extra opioids or benzodiazepines for "
        "~4 h after.",
        is_pmf_checkbox=True,
    ),
    MedicationClass.CNS_DEPRESSANT: ClassRule(
        FlagSeverity.FLAG,
        "Additive sedation.",
        "No alcohol or recreational drugs on the day and for 24 h after.",
        is_pmf_checkbox=True,
    ),
    MedicationClass.NALTREXONE: ClassRule(
        FlagSeverity.FLAG,
        "May block the antidepressant effect (one trial; not replicated).",
        "Flag; the prescriber decides.",
    ),
    MedicationClass.THEOPHYLLINE: ClassRule(
        FlagSeverity.HARD_STOP,
        "Lowers the seizure threshold.",
        "Do not co-administer (Ketalar PI §7.1).",
    ),
    MedicationClass.SYMPATHOMIMETIC: ClassRule(
        FlagSeverity.FLAG, "Blood-pressure and heart-rate rise.", "Monitor vital signs closely."
    ),
    MedicationClass.CYP3A4_2B6_MODIFIER: ClassRule(
        FlagSeverity.INFORMATIONAL, "Changes ketamine exposure.", "Informational."
    ),
    MedicationClass.SEROTONERGIC_ANTIDEPRESSANT: ClassRule(
        FlagSeverity.INFORMATIONAL,
        "No need to stop; higher BP peaks with SSRIs in one cohort.",
        "Informational.",
    ),
    MedicationClass.ANTIPSYCHOTIC: ClassRule(
        FlagSeverity.INFORMATIONAL,
        "May blunt ketamine effects; data inconsistent.",
        "Informational.",
    ),
}

# Generic and common US brand names → class. Diazepam-equivalent factors (mg of diazepam per mg)
# for benzodiazepines follow the Ashton table used in practice [PRACTICE].
NAMES: dict[str, MedicationClass] = {
    **dict.fromkeys(
        [
            "alprazolam",
            "xanax",
            "clonazepam",
            "klonopin",
            "lorazepam",
            "ativan",
            "diazepam",
            "valium",
            "temazepam",
            "restoril",
            "chlordiazepoxide",
            "librium",
            "oxazepam",
            "midazolam",
        ],
        MedicationClass.BENZODIAZEPINE,
    ),
    **dict.fromkeys(["lamotrigine", "lamictal"], MedicationClass.LAMOTRIGINE),
    **dict.fromkeys(
        [
            "phenelzine",
            "nardil",
            "tranylcypromine",
            "parnate",
            "isocarboxazid",
            "marplan",
            "selegiline",
            "emsam",
        ],
        MedicationClass.MAOI,
    ),
    **dict.fromkeys(
        [
            "amphetamine",
            "adderall",
            "dextroamphetamine",
            "lisdexamfetamine",
            "vyvanse",
            "methylphenidate",
            "ritalin",
            "concerta",
            "modafinil",
            "provigil",
            "armodafinil",
            "nuvigil",
        ],
        MedicationClass.STIMULANT,
    ),
    **dict.fromkeys(
        [
            "oxycodone",
            "oxycontin",
            "percocet",
            "hydrocodone",
            "norco",
            "morphine",
            "fentanyl",
            "tramadol",
            "methadone",
            "buprenorphine",
            "suboxone",
            "hydromorphone",
            "dilaudid",
        ],
        MedicationClass.OPIOID,
    ),
    **dict.fromkeys(
        [
            "zolpidem",
            "ambien",
            "eszopiclone",
            "lunesta",
            "gabapentin",
            "neurontin",
            "pregabalin",
            "lyrica",
            "cyclobenzaprine",
            "trazodone",
            "hydroxyzine",
        ],
        MedicationClass.CNS_DEPRESSANT,
    ),
    **dict.fromkeys(["naltrexone", "vivitrol", "revia"], MedicationClass.NALTREXONE),
    **dict.fromkeys(
        ["theophylline", "aminophylline", "theo-24", "uniphyl"], MedicationClass.THEOPHYLLINE
    ),
    **dict.fromkeys(
        ["pseudoephedrine", "sudafed", "phenylephrine", "ephedrine"],
        MedicationClass.SYMPATHOMIMETIC,
    ),
    **dict.fromkeys(
        ["carbamazepine", "tegretol", "rifampin", "ketoconazole", "clarithromycin", "ticlopidine"],
        MedicationClass.CYP3A4_2B6_MODIFIER,
    ),
    **dict.fromkeys(
        [
            "sertraline",
            "zoloft",
            "fluoxetine",
            "prozac",
            "escitalopram",
            "lexapro",
            "citalopram",
            "paroxetine",
            "venlafaxine",
            "effexor",
            "duloxetine",
            "cymbalta",
            "bupropion",
            "wellbutrin",
            "mirtazapine",
            "amitriptyline",
            "nortriptyline",
        ],
        MedicationClass.SEROTONERGIC_ANTIDEPRESSANT,
    ),
    **dict.fromkeys(
        [
            "risperidone",
            "risperdal",
            "clozapine",
            "haloperidol",
            "quetiapine",
            "seroquel",
            "aripiprazole",
            "abilify",
            "olanzapine",
            "zyprexa",
        ],
        MedicationClass.ANTIPSYCHOTIC,
    ),
}

DIAZEPAM_EQUIVALENT_FACTOR: dict[str, Decimal] = {
    "diazepam": Decimal("1"),
    "alprazolam": Decimal("20"),
    "clonazepam": Decimal("20"),
    "lorazepam": Decimal("10"),
    "temazepam": Decimal("0.5"),
    "chlordiazepoxide": Decimal("0.4"),
    "oxazepam": Decimal("0.5"),
}
BRAND_TO_GENERIC = {
    "xanax": "alprazolam",
    "klonopin": "clonazepam",
    "ativan": "lorazepam",
    "valium": "diazepam",
    "restoril": "temazepam",
    "librium": "chlordiazepoxide",
}
# §1.3: non-responders took more; > 8 mg diazepam-equivalent a day discriminated.
BENZODIAZEPINE_RESPONSE_THRESHOLD_MG = Decimal("8")


def classify_medication(name: str) -> MedicationClass | None:
    """The class of a medication name (generic or brand), or None when none applies."""
    words = name.lower().replace("-", " ").split()
    for candidate in [name.lower().strip(), *words]:
        if candidate in NAMES:
            return NAMES[candidate]
    return None


def diazepam_equivalent_mg(*, name: str, daily_dose_mg: Decimal) -> Decimal | None:
    generic = BRAND_TO_GENERIC.get(name.lower().strip(), name.lower().strip())
    factor = DIAZEPAM_EQUIVALENT_FACTOR.get(generic)
    return None if factor is None else daily_dose_mg * factor


@dataclass(frozen=True)
class MedicationInput:
    name: str
    daily_dose_mg: Decimal | None = None


@dataclass(frozen=True)
class InteractionFlag:
    medication: str
    medication_class: MedicationClass
    severity: FlagSeverity
    effect: str
    action: str
    hold_hours_before: int
    resume_hours_after: int


@dataclass(frozen=True)
class InteractionReport:
    flags: tuple[InteractionFlag, ...]
    has_hard_stop: bool
    benzodiazepine_diazepam_equivalent_mg: Decimal
    pmf_checkboxes: frozenset[MedicationClass]
    unclassified: tuple[str, ...]


def check_interactions(medications: Iterable[MedicationInput]) -> InteractionReport:
    flags: list[InteractionFlag] = []
    unclassified: list[str] = []
    diazepam_total = Decimal("0")
    for medication in medications:
        medication_class = classify_medication(medication.name)
        if medication_class is None:
            unclassified.append(medication.name)
            continue
        rule = RULES[medication_class]
        flags.append(
            InteractionFlag(
                medication.name,
                medication_class,
                rule.severity,
                rule.effect,
                rule.action,
                rule.hold_hours_before,
                rule.resume_hours_after,
            )
        )
        if medication_class == MedicationClass.BENZODIAZEPINE and medication.daily_dose_mg:
            equivalent = diazepam_equivalent_mg(
                name=medication.name, daily_dose_mg=medication.daily_dose_mg
            )
            diazepam_total += equivalent or Decimal("0")
    return InteractionReport(
        flags=tuple(flags),
        has_hard_stop=any(flag.severity == FlagSeverity.HARD_STOP for flag in flags),
        benzodiazepine_diazepam_equivalent_mg=diazepam_total,
        pmf_checkboxes=frozenset(
            flag.medication_class for flag in flags if RULES[flag.medication_class].is_pmf_checkbox
        ),
        unclassified=tuple(unclassified),
    )
