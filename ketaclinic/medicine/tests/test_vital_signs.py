"""Pre-infusion decisions and intra-infusion alarms (CLINICAL.md §4, §5.3)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.medicine.errors import ImpossibleVitalSign, InvalidConfiguration
from ketaclinic.medicine.vital_signs import (
    AlarmLevel,
    AlarmLimits,
    PreInfusionDecision,
    PreInfusionLimits,
    VitalSigns,
    diastolic_not_below_systolic,
    evaluate_vital_signs,
    impossible_vital_sign,
    pre_infusion_decision,
)


def vitals(
    sbp: int = 120,
    dbp: int = 75,
    hr: int = 72,
    spo2: int = 98,
    rr: int | None = 14,
    moaa_s: int | None = 5,
    minute: float = 0.0,
) -> VitalSigns:
    return VitalSigns(sbp, dbp, hr, spo2, rr, moaa_s, None, minute)


@pytest.mark.parametrize(
    ("reading", "decision", "phrase"),
    [
        (vitals(), PreInfusionDecision.GO, "within limits"),
        (vitals(139, 89), PreInfusionDecision.GO, "within limits"),
        (vitals(140, 80), PreInfusionDecision.REVIEW, "prescriber review"),
        (vitals(150, 95), PreInfusionDecision.REVIEW, "prescriber review"),
        (vitals(160, 85), PreInfusionDecision.HOLD, "re-measure"),
        (vitals(150, 100), PreInfusionDecision.HOLD, "re-measure"),
        (vitals(181, 95), PreInfusionDecision.HOLD, "do not infuse today"),
        (vitals(170, 101), PreInfusionDecision.HOLD, "do not infuse today"),
        (vitals(88, 60), PreInfusionDecision.HOLD, "below 90"),
        (vitals(spo2=94), PreInfusionDecision.HOLD, "SpO2 94%"),
        (vitals(hr=49), PreInfusionDecision.HOLD, "Heart rate 49"),
        (vitals(hr=121), PreInfusionDecision.HOLD, "Heart rate 121"),
        (vitals(rr=9), PreInfusionDecision.HOLD, "Respiratory rate 9"),
        (vitals(rr=31), PreInfusionDecision.HOLD, "Respiratory rate 31"),
    ],
)
def test_pre_infusion_decision_follows_clinical_md_4(
    reading: VitalSigns, decision: PreInfusionDecision, phrase: str
) -> None:
    assessment = pre_infusion_decision(reading)
    assert assessment.decision == decision
    assert any(phrase in reason for reason in assessment.reasons)


def test_every_reason_is_given_not_just_the_first() -> None:
    assessment = pre_infusion_decision(vitals(150, 95, hr=130, spo2=92))
    assert assessment.decision == PreInfusionDecision.HOLD
    assert len(assessment.reasons) == 3


@pytest.mark.parametrize(
    ("reading", "message"),
    [
        (vitals(400, 80), "Systolic blood pressure 400 mmHg is not a possible reading"),
        (vitals(120, 130), "Diastolic blood pressure 130 mmHg is not below systolic 120 mmHg"),
        (vitals(spo2=101), "SpO2 101% is not a possible reading"),
        (vitals(hr=0), "Heart rate 0 bpm is not a possible reading"),
        (vitals(moaa_s=6), "MOAA/S score 6 is not a possible reading"),
        (VitalSigns(120, 80, 70, 98, temperature_c=20.0), "Temperature 20.0"),
    ],
)
def test_impossible_values_are_refused_as_errors_not_alarms(
    reading: VitalSigns, message: str
) -> None:
    with pytest.raises(ImpossibleVitalSign, match=message):
        evaluate_vital_signs(reading)


@pytest.mark.parametrize(
    ("name", "value", "phrase"),
    [
        ("systolic_mmhg", 400, "Systolic blood pressure 400 mmHg"),
        ("systolic_mmhg", 39, "(40–300 mmHg)"),
        ("diastolic_mmhg", 19, "Diastolic blood pressure 19 mmHg"),
        ("diastolic_mmhg", 201, "(20–200 mmHg)"),
        ("heart_rate_bpm", 0, "Heart rate 0 bpm"),
        ("spo2_percent", 49, "SpO2 49%"),
    ],
)
def test_each_impossible_value_is_named_on_its_own(name: str, value: int, phrase: str) -> None:
    """A form checks each reading alone, so every impossible one is named in one submit."""
    message = impossible_vital_sign(name, value)
    assert message is not None
    assert phrase in message
    assert "not a possible reading" in message


@given(
    name=st.sampled_from(
        ["systolic_mmhg", "diastolic_mmhg", "heart_rate_bpm", "spo2_percent", "moaa_s"]
    ),
    value=st.integers(min_value=-1000, max_value=1000),
)
def test_one_value_is_refused_exactly_when_a_whole_reading_with_it_is(
    name: str, value: int
) -> None:
    reading = {**vitals(300, 20).__dict__, name: value}
    alone = impossible_vital_sign(name, value)
    try:
        evaluate_vital_signs(VitalSigns(**reading))
    except ImpossibleVitalSign as error:
        refused_whole: str | None = error.message
    else:
        refused_whole = None
    if alone is not None:
        assert refused_whole == alone
    elif refused_whole is not None:
        assert "not below systolic" in refused_whole


def test_a_diastolic_at_or_above_the_systolic_is_named() -> None:
    assert diastolic_not_below_systolic(systolic_mmhg=120, diastolic_mmhg=80) is None
    message = diastolic_not_below_systolic(systolic_mmhg=80, diastolic_mmhg=80)
    assert message is not None
    assert "Diastolic blood pressure 80 mmHg is not below systolic 80 mmHg" in message


def test_a_first_high_systolic_asks_for_a_repeat_and_a_second_confirms_it() -> None:
    first = evaluate_vital_signs(vitals(185, 95, minute=20))
    assert first.level == AlarmLevel.WARNING
    assert "confirm with a repeat" in first.alarms[0].message
    second = evaluate_vital_signs(vitals(182, 96, minute=25), history=(vitals(185, 95, minute=20),))
    assert "confirmed high on a repeat" in second.alarms[0].message
    assert "clonidine" in second.alarms[0].suggested_action


def test_a_repeat_outside_the_window_does_not_confirm() -> None:
    late = evaluate_vital_signs(vitals(182, 96, minute=40), history=(vitals(185, 95, minute=20),))
    assert "confirm with a repeat" in late.alarms[0].message


@pytest.mark.parametrize(
    ("reading", "parameter", "level"),
    [
        (vitals(205, 100), "blood_pressure", AlarmLevel.CRITICAL),
        (vitals(170, 121), "blood_pressure", AlarmLevel.CRITICAL),
        (vitals(hr=145), "heart_rate", AlarmLevel.CRITICAL),
        (vitals(hr=125), "heart_rate", AlarmLevel.WARNING),
        (vitals(hr=45), "heart_rate", AlarmLevel.WARNING),
        (vitals(hr=38), "heart_rate", AlarmLevel.WARNING),
        (vitals(spo2=92), "spo2", AlarmLevel.WARNING),
        (vitals(spo2=88), "spo2", AlarmLevel.CRITICAL),
        (vitals(rr=8), "respiratory_rate", AlarmLevel.WARNING),
        (vitals(rr=0), "respiratory_rate", AlarmLevel.CRITICAL),
        (vitals(moaa_s=3), "sedation", AlarmLevel.WARNING),
        (vitals(moaa_s=2), "sedation", AlarmLevel.CRITICAL),
    ],
)
def test_alarm_thresholds_of_clinical_md_5_3(
    reading: VitalSigns, parameter: str, level: AlarmLevel
) -> None:
    assessment = evaluate_vital_signs(reading)
    assert [(alarm.parameter, alarm.level) for alarm in assessment.alarms] == [(parameter, level)]
    assert assessment.alarms[0].suggested_action


def test_a_sustained_tachycardia_asks_to_slow_or_pause() -> None:
    assessment = evaluate_vital_signs(
        vitals(hr=125, minute=10), history=(vitals(hr=124, minute=5),)
    )
    assert "sustained" in assessment.alarms[0].message
    assert "slow or pause" in assessment.alarms[0].suggested_action


def test_symptoms_make_any_reading_critical() -> None:
    assessment = evaluate_vital_signs(vitals(hr=38), has_symptoms=True)
    assert assessment.level == AlarmLevel.CRITICAL
    assert {alarm.parameter for alarm in assessment.alarms} == {"symptoms", "heart_rate"}


def test_normal_readings_raise_nothing() -> None:
    assert evaluate_vital_signs(vitals()).level == AlarmLevel.NONE


@pytest.mark.parametrize(
    "build",
    [
        lambda: PreInfusionLimits(do_not_infuse_systolic=200),
        lambda: PreInfusionLimits(review_systolic=170),
        lambda: PreInfusionLimits(review_diastolic=105),
        lambda: PreInfusionLimits(minimum_spo2=85),
        lambda: PreInfusionLimits(maximum_heart_rate=150),
        lambda: PreInfusionLimits(minimum_systolic=70),
        lambda: AlarmLimits(critical_systolic=240),
        lambda: AlarmLimits(warning_diastolic=125),
        lambda: AlarmLimits(warning_heart_rate_high=160),
        lambda: AlarmLimits(critical_heart_rate_low=55),
        lambda: AlarmLimits(critical_spo2=80),
        lambda: AlarmLimits(warning_moaa_s=1),
    ],
)
def test_unsafe_limits_are_refused_when_configured(build) -> None:
    with pytest.raises(InvalidConfiguration, match="Vital-sign limits"):
        build()


@given(
    sbp=st.integers(90, 250),
    dbp=st.integers(40, 85),
    hr=st.integers(30, 200),
    spo2=st.integers(60, 100),
    rr=st.integers(0, 60),
    moaa_s=st.integers(0, 5),
)
def test_every_alarm_names_an_action_and_the_level_is_the_worst_alarm(
    sbp: int, dbp: int, hr: int, spo2: int, rr: int, moaa_s: int
) -> None:
    assessment = evaluate_vital_signs(vitals(sbp, dbp, hr, spo2, rr, moaa_s))
    assert all(alarm.suggested_action for alarm in assessment.alarms)
    assert assessment.level == max((a.level for a in assessment.alarms), default=AlarmLevel.NONE)
    if sbp >= 200 or spo2 < 90 or rr == 0 or moaa_s <= 2 or hr > 140:
        assert assessment.level == AlarmLevel.CRITICAL


def test_readings_without_respiratory_rate_or_sedation_score_are_judged_on_the_rest() -> None:
    assessment = evaluate_vital_signs(VitalSigns(120, 80, 70, 98))
    assert assessment.level == AlarmLevel.NONE
    assert pre_infusion_decision(VitalSigns(120, 80, 70, 98)).decision == PreInfusionDecision.GO
