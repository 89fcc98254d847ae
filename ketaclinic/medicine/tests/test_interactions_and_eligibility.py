"""Interactions (CLINICAL.md §1.3) and eligibility advice (§1.1, §1.2)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketaclinic.medicine.eligibility import (
    ADULT_AGE_YEARS,
    AntidepressantTrial,
    Decision,
    EligibilityInput,
    EligibilityRules,
    History,
    Severity,
    TrialOutcome,
    adequate_failed_trials,
    assess_eligibility,
)
from ketaclinic.medicine.errors import InvalidConfiguration, NotApplicable
from ketaclinic.medicine.interactions import (
    FlagSeverity,
    MedicationClass,
    MedicationInput,
    check_interactions,
    classify_medication,
    diazepam_equivalent_mg,
)
from ketaclinic.medicine.protocols import (
    INTRANASAL_ESKETAMINE,
    IV_KETAMINE_CHRONIC_PAIN,
    IV_KETAMINE_DEPRESSION,
    Indication,
)

FAILED = AntidepressantTrial("sertraline", 8, True, True, TrialOutcome.NO_RESPONSE, True)
PARTIAL = AntidepressantTrial("venlafaxine", 6, True, True, TrialOutcome.PARTIAL_RESPONSE, True)


@pytest.mark.parametrize(
    ("name", "medication_class"),
    [
        ("Xanax", MedicationClass.BENZODIAZEPINE),
        ("lamotrigine 100 mg", MedicationClass.LAMOTRIGINE),
        ("Adderall XR", MedicationClass.STIMULANT),
        ("theophylline", MedicationClass.THEOPHYLLINE),
        ("Vivitrol", MedicationClass.NALTREXONE),
        ("aspirin", None),
    ],
)
def test_names_map_to_classes(name: str, medication_class: MedicationClass | None) -> None:
    assert classify_medication(name) == medication_class


def test_theophylline_is_a_hard_stop_and_holds_come_with_hours() -> None:
    report = check_interactions(
        [
            MedicationInput("theophylline"),
            MedicationInput("lorazepam", Decimal("1")),
            MedicationInput("aspirin"),
        ]
    )
    assert report.has_hard_stop
    lorazepam = next(flag for flag in report.flags if flag.medication == "lorazepam")
    assert (lorazepam.severity, lorazepam.hold_hours_before, lorazepam.resume_hours_after) == (
        FlagSeverity.HOLD,
        12,
        6,
    )
    assert report.benzodiazepine_diazepam_equivalent_mg == Decimal("10")
    assert report.unclassified == ("aspirin",)
    assert MedicationClass.BENZODIAZEPINE in report.pmf_checkboxes


def test_diazepam_equivalents() -> None:
    assert diazepam_equivalent_mg(name="Klonopin", daily_dose_mg=Decimal("0.5")) == Decimal("10.0")
    assert diazepam_equivalent_mg(name="zolpidem", daily_dose_mg=Decimal("10")) is None


def test_two_adequate_failed_trials_make_depression_treatment_resistant() -> None:
    advice = assess_eligibility(
        EligibilityInput(
            age_years=40,
            indication=Indication.TREATMENT_RESISTANT_DEPRESSION,
            trials=(FAILED, PARTIAL),
        ),
        protocol=IV_KETAMINE_DEPRESSION,
    )
    assert advice.decision == Decision.ELIGIBLE
    assert advice.adequate_failed_trials == 2


@pytest.mark.parametrize(
    "trial",
    [
        AntidepressantTrial("x", 4, True, True, TrialOutcome.NO_RESPONSE, True),  # too short
        AntidepressantTrial("x", 8, False, True, TrialOutcome.NO_RESPONSE, True),  # low dose
        AntidepressantTrial("x", 8, True, False, TrialOutcome.NO_RESPONSE, True),  # not taken
        AntidepressantTrial(
            "x", 8, True, True, TrialOutcome.INTOLERANCE, True
        ),  # not a failure of efficacy
        AntidepressantTrial("x", 8, True, True, TrialOutcome.NO_RESPONSE, False),  # earlier episode
    ],
)
def test_inadequate_trials_do_not_count(trial: AntidepressantTrial) -> None:
    assert adequate_failed_trials([FAILED, trial], rules=EligibilityRules()) == 1
    advice = assess_eligibility(
        EligibilityInput(
            age_years=40,
            indication=Indication.TREATMENT_RESISTANT_DEPRESSION,
            trials=(FAILED, trial),
        ),
        protocol=IV_KETAMINE_DEPRESSION,
    )
    assert advice.decision == Decision.PHYSICIAN_REVIEW
    assert "1 adequate failed antidepressant trial" in advice.reasons[0].message


def test_the_adequacy_duration_is_configurable_within_bounds() -> None:
    short = AntidepressantTrial("x", 4, True, True, TrialOutcome.NO_RESPONSE, True)
    assert (
        adequate_failed_trials([FAILED, short], rules=EligibilityRules(adequate_trial_weeks=4)) == 2
    )
    with pytest.raises(InvalidConfiguration):
        EligibilityRules(adequate_trial_weeks=2)


@pytest.mark.parametrize(
    ("changes", "decision", "severity"),
    [
        (
            {"history": frozenset({History.ANEURYSM_AVM_OR_ICH})},
            Decision.NOT_ELIGIBLE,
            Severity.ABSOLUTE,
        ),
        ({"history": frozenset({History.PSYCHOSIS})}, Decision.PHYSICIAN_REVIEW, Severity.RELATIVE),
        ({"history": frozenset({History.BIPOLAR})}, Decision.ELIGIBLE, Severity.CAUTION),
        ({"is_pregnant": True}, Decision.PHYSICIAN_REVIEW, Severity.RELATIVE),
        (
            {"resting_systolic_mmhg": 185, "resting_diastolic_mmhg": 95},
            Decision.NOT_ELIGIBLE,
            Severity.ABSOLUTE,
        ),
        (
            {"resting_systolic_mmhg": 145, "resting_diastolic_mmhg": 85},
            Decision.ELIGIBLE,
            Severity.CAUTION,
        ),
        ({"age_years": 17}, Decision.NOT_ELIGIBLE, Severity.ABSOLUTE),
        ({"weight_kg": 130}, Decision.ELIGIBLE, Severity.CAUTION),
        (
            {"medications": (MedicationInput("aminophylline"),)},
            Decision.NOT_ELIGIBLE,
            Severity.ABSOLUTE,
        ),
        ({"medications": (MedicationInput("Adderall"),)}, Decision.ELIGIBLE, Severity.CAUTION),
    ],
)
def test_each_condition_gives_its_severity_and_source(
    changes: dict[str, object], decision: Decision, severity: Severity
) -> None:
    patient = EligibilityInput(
        **{
            "age_years": 40,
            "indication": Indication.TREATMENT_RESISTANT_DEPRESSION,
            "trials": (FAILED, PARTIAL),
            **changes,
        }
    )
    advice = assess_eligibility(patient, protocol=IV_KETAMINE_DEPRESSION)
    assert advice.decision == decision
    assert severity in {reason.severity for reason in advice.reasons}
    assert all(reason.source for reason in advice.reasons)


def test_breastfeeding_weighs_more_for_esketamine() -> None:
    base = {
        "age_years": 40,
        "indication": Indication.TREATMENT_RESISTANT_DEPRESSION,
        "trials": (FAILED, PARTIAL),
        "is_breastfeeding": True,
    }
    assert (
        assess_eligibility(EligibilityInput(**base), protocol=INTRANASAL_ESKETAMINE).decision
        == Decision.PHYSICIAN_REVIEW
    )
    assert (
        assess_eligibility(EligibilityInput(**base), protocol=IV_KETAMINE_DEPRESSION).decision
        == Decision.ELIGIBLE
    )


def test_every_reason_is_listed_not_just_the_worst() -> None:
    patient = EligibilityInput(
        age_years=40,
        indication=Indication.TREATMENT_RESISTANT_DEPRESSION,
        history=frozenset({History.PSYCHOSIS, History.SLEEP_APNEA, History.SEVERE_HEPATIC_DISEASE}),
    )
    advice = assess_eligibility(patient, protocol=IV_KETAMINE_DEPRESSION)
    assert advice.decision == Decision.NOT_ELIGIBLE
    assert len(advice.reasons) == 4  # trials, and the three history items


def test_a_protocol_for_another_indication_is_refused() -> None:
    with pytest.raises(NotApplicable, match="not a protocol for"):
        assess_eligibility(
            EligibilityInput(age_years=40, indication=Indication.TREATMENT_RESISTANT_DEPRESSION),
            protocol=IV_KETAMINE_CHRONIC_PAIN,
        )


@pytest.mark.parametrize(
    "build",
    [lambda: EligibilityRules(required_failed_trials=1), lambda: EligibilityRules(minimum_age=16)],
)
def test_unsafe_eligibility_rules_are_refused(build) -> None:
    with pytest.raises(InvalidConfiguration):
        build()


def test_adults_only_by_default_and_never_younger() -> None:
    """§1.2: adults only; a clinic may raise the minimum age, never lower it."""
    assert EligibilityRules().minimum_age == ADULT_AGE_YEARS == 18
    assert EligibilityRules(minimum_age=21).minimum_age == 21
    with pytest.raises(InvalidConfiguration, match=r"adults only \(18 and over\)"):
        EligibilityRules(minimum_age=ADULT_AGE_YEARS - 1)


def test_a_normal_resting_bp_and_an_ssri_add_no_reason() -> None:
    patient = EligibilityInput(
        age_years=40,
        indication=Indication.TREATMENT_RESISTANT_DEPRESSION,
        trials=(FAILED, PARTIAL),
        resting_systolic_mmhg=118,
        resting_diastolic_mmhg=76,
        medications=(MedicationInput("sertraline"),),
    )
    advice = assess_eligibility(patient, protocol=IV_KETAMINE_DEPRESSION)
    assert advice.decision == Decision.ELIGIBLE
    assert advice.reasons == ()


def test_icd10_diagnoses_raise_their_history_items() -> None:
    from ketaclinic.medicine.eligibility import history_from_diagnoses

    assert history_from_diagnoses(["f20.9", "F33.2", "I67.1"]) == {
        History.PSYCHOSIS,
        History.ANEURYSM_AVM_OR_ICH,
    }
    patient = EligibilityInput(
        age_years=40,
        indication=Indication.TREATMENT_RESISTANT_DEPRESSION,
        trials=(FAILED, PARTIAL),
        diagnoses=("F33.2", "G40.909"),
    )
    advice = assess_eligibility(patient, protocol=IV_KETAMINE_DEPRESSION)
    assert advice.decision == Decision.ELIGIBLE
    assert [reason.severity for reason in advice.reasons] == [Severity.CAUTION]


def test_a_diagnosis_list_without_the_indication_needs_review() -> None:
    patient = EligibilityInput(
        age_years=40,
        indication=Indication.TREATMENT_RESISTANT_DEPRESSION,
        trials=(FAILED, PARTIAL),
        diagnoses=("F41.1",),
    )
    advice = assess_eligibility(patient, protocol=IV_KETAMINE_DEPRESSION)
    assert advice.decision == Decision.PHYSICIAN_REVIEW
    assert "No recorded diagnosis supports" in advice.reasons[0].message
