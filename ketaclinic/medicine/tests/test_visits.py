"""Visit kinds and durations (§2.1, §2.7, §2.8, §7.1)."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.medicine.config import load_clinic_rules
from ketaclinic.medicine.errors import InvalidConfiguration
from ketaclinic.medicine.protocols import protocol_get
from ketaclinic.medicine.visits import (
    TREATMENT_KINDS,
    VisitKind,
    VisitRules,
    is_treatment,
    treatment_kinds_for,
)


def test_default_durations_follow_clinical_md() -> None:
    rules = VisitRules()
    # The IV infusion: preparation + the 40-minute infusion + 30–60 minutes of recovery.
    assert rules.duration(VisitKind.IV_INFUSION) == datetime.timedelta(minutes=100)
    # Esketamine: at least 2 h 15 min (devices, then ≥ 2 h of observation).
    assert rules.duration(VisitKind.ESKETAMINE) >= datetime.timedelta(hours=2, minutes=15)
    # A pain infusion runs hours.
    assert rules.duration("pain_infusion") >= datetime.timedelta(hours=4)
    assert rules.duration(VisitKind.CONSULT) == datetime.timedelta(minutes=60)


def test_which_kinds_are_treatments() -> None:
    assert is_treatment("iv_infusion")
    assert is_treatment(VisitKind.ESKETAMINE)
    assert not is_treatment(VisitKind.CONSULT)
    assert not is_treatment("telehealth")
    assert {
        VisitKind.IV_INFUSION,
        VisitKind.PAIN_INFUSION,
        VisitKind.ESKETAMINE,
        VisitKind.BOOSTER,
    } == TREATMENT_KINDS


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"esketamine": (15, 15, 90)}, "at least 120 minutes"),
        ({"iv_infusion": (15, 40, 20)}, "recovery is at least 30"),
        ({"booster": (15, 30, 45)}, "runs at least 40"),
        ({"consult": (0, 60)}, "preparation, treatment, recovery"),
        ({"therapy": (0, 50, -5)}, "none negative"),
        ({"follow_up": (0, 2, 0)}, "5 minutes to 8 hours"),
        ({"pain_infusion": (30, 480, 60)}, "5 minutes to 8 hours"),
    ],
)
def test_unsafe_timings_are_refused(changes: dict[str, tuple[int, ...]], message: str) -> None:
    with pytest.raises(InvalidConfiguration, match=message):
        VisitRules(**changes)


def test_a_clinic_may_lengthen_recovery() -> None:
    rules = load_clinic_rules({"visits": {"iv_infusion": [15, 40, 60]}})
    assert rules.visits.duration(VisitKind.IV_INFUSION) == datetime.timedelta(minutes=115)


@given(
    st.integers(min_value=0, max_value=60),
    st.integers(min_value=40, max_value=120),
    st.integers(min_value=30, max_value=90),
)
def test_an_infusion_lasts_its_three_parts(prep: int, infusion: int, recovery: int) -> None:
    rules = VisitRules(iv_infusion=(prep, infusion, recovery))
    assert rules.duration(VisitKind.IV_INFUSION).total_seconds() == 60 * (
        prep + infusion + recovery
    )


def test_each_protocol_is_given_in_its_own_kind_of_visit() -> None:
    assert treatment_kinds_for(protocol_get("iv-ketamine-depression")) == {
        VisitKind.IV_INFUSION,
        VisitKind.BOOSTER,
    }
    assert treatment_kinds_for(protocol_get("iv-ketamine-pain")) == {VisitKind.PAIN_INFUSION}
    assert treatment_kinds_for(protocol_get("esketamine-trd")) == {VisitKind.ESKETAMINE}
