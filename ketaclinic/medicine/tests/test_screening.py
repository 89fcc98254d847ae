"""Screening questionnaire sets per condition (§4.2 scales before dose, §9.3 suicide risk)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.medicine.config import load_clinic_rules
from ketaclinic.medicine.errors import InvalidConfiguration
from ketaclinic.medicine.protocols import Indication
from ketaclinic.medicine.questionnaires import INSTRUMENTS
from ketaclinic.medicine.questionnaires.screening import (
    SCREENING_INSTRUMENTS,
    SUICIDE_RISK_SCREENS,
    ScreeningRules,
    screening_set_problem,
)


def test_every_condition_has_a_set_and_the_unknown_set_is_the_general_one() -> None:
    rules = ScreeningRules()
    for indication in Indication:
        assert rules.for_indication(indication)
        assert rules.for_indication(indication.value) == rules.for_indication(indication)
    assert rules.for_indication(None) == rules.unknown == rules.for_indication("")


def test_the_default_sets_follow_clinical_md() -> None:
    rules = ScreeningRules()
    # §4.2: PHQ-9 / GAD-7 / the disorder-specific scale, and the C-SSRS screener.
    assert {"phq9", "gad7", "cssrs_screener"} <= set(rules.trd)
    assert "pcl5" in rules.for_indication(Indication.PTSD)
    assert "ybocs" in rules.for_indication(Indication.OCD)
    assert "pain_nrs" in rules.for_indication(Indication.CHRONIC_PAIN)
    assert "audit" in rules.for_indication(Indication.ALCOHOL_USE_DISORDER)
    # Substance use bears on eligibility for everyone.
    for indication in Indication:
        assert "dast10" in rules.for_indication(indication)


@pytest.mark.parametrize(
    ("codes", "problem"),
    [
        ((), "at least one"),
        (("phq9", "bdi"), "unknown questionnaires ['bdi']"),
        (("phq9", "phq9"), "twice"),
        (("phq9", "moaa_s"), "['moaa_s'] are measured at sessions"),
        (("gad7", "pcl5"), "suicide-risk screen"),
    ],
)
def test_an_unusable_set_is_refused_with_its_reason(codes: tuple[str, ...], problem: str) -> None:
    assert problem in screening_set_problem(codes)
    with pytest.raises(InvalidConfiguration, match="ptsd: "):
        ScreeningRules(ptsd=codes)


def test_a_clinic_may_change_a_set_through_its_rules() -> None:
    rules = load_clinic_rules({"screening": {"ptsd": ["pcl5", "phq9"]}})
    assert rules.screening.for_indication(Indication.PTSD) == ("pcl5", "phq9")
    assert rules.screening.trd == ScreeningRules().trd


def test_a_clinic_may_not_drop_the_suicide_risk_screen() -> None:
    with pytest.raises(InvalidConfiguration, match="screening: trd: every set must keep"):
        load_clinic_rules({"screening": {"trd": ["gad7"]}})


@pytest.mark.parametrize("value", [["phq9", 9], "phq9", [None]])
def test_a_set_of_the_wrong_type_is_refused(value: object) -> None:
    with pytest.raises(InvalidConfiguration, match=r"screening\.trd"):
        load_clinic_rules({"screening": {"trd": value}})


@given(st.lists(st.sampled_from(SCREENING_INSTRUMENTS), unique=True, max_size=8))
def test_a_set_is_usable_exactly_when_it_keeps_a_suicide_risk_screen(codes: list[str]) -> None:
    problem = screening_set_problem(tuple(codes))
    assert (problem == "") == bool(SUICIDE_RISK_SCREENS.intersection(codes))
    if not problem:
        rules = ScreeningRules(anxiety=tuple(codes))
        assert rules.for_indication(Indication.ANXIETY) == tuple(codes)


def test_every_screening_instrument_exists() -> None:
    assert set(SCREENING_INSTRUMENTS) <= set(INSTRUMENTS)


def test_every_field_is_a_condition_or_unknown() -> None:
    names = {item.name for item in dataclasses.fields(ScreeningRules)}
    assert names == {indication.value for indication in Indication} | {"unknown"}
