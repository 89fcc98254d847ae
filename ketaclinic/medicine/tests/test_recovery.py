"""Discharge readiness (CLINICAL.md §7)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketaclinic.medicine.errors import InvalidConfiguration, NotApplicable
from ketaclinic.medicine.questionnaires import instrument_get
from ketaclinic.medicine.recovery import (
    DISCHARGE_SCORE_INSTRUMENTS,
    SESSION_INSTRUMENTS,
    RecoveryRoute,
    RecoveryRules,
    discharge_readiness,
    sedation_and_dissociation_resolved,
)
from ketaclinic.medicine.vital_signs import VitalSigns

BASELINE = VitalSigns(120, 80, 70, 98)


def assess(**changes: object):
    arguments: dict[str, object] = {
        "route": RecoveryRoute.INTRAVENOUS,
        "minutes_observed": 35,
        "discharge_score": 10,
        "has_escort": True,
        "baseline": BASELINE,
        "latest": VitalSigns(130, 82, 75, 97),
        **changes,
    }
    return discharge_readiness(**arguments)


def test_ready_when_every_condition_holds() -> None:
    assert assess().is_ready


@pytest.mark.parametrize(
    ("changes", "phrase"),
    [
        ({"minutes_observed": 20}, "Observed 20 of at least 30 minutes"),
        ({"route": RecoveryRoute.ESKETAMINE, "minutes_observed": 100}, "at least 120 minutes"),
        ({"discharge_score": 8}, "below 9"),
        ({"discharge_score": None}, "No discharge score"),
        ({"has_escort": False}, "responsible adult"),
        ({"latest": VitalSigns(150, 90, 70, 98)}, "Systolic BP 150 is more than 20%"),
        ({"latest": VitalSigns(120, 80, 90, 98)}, "Heart rate 90"),
        ({"latest": VitalSigns(120, 80, 70, 92)}, "SpO2 92%"),
        ({"sedation_or_dissociation_resolved": False}, "not resolved"),
    ],
)
def test_not_ready_names_each_reason(changes: dict[str, object], phrase: str) -> None:
    result = assess(**changes)
    assert not result.is_ready
    assert any(phrase in reason for reason in result.reasons)


def test_every_failing_condition_is_listed() -> None:
    result = assess(minutes_observed=10, discharge_score=7, has_escort=False)
    assert len(result.reasons) == 3


def test_refuses_negative_time_and_unsafe_rules() -> None:
    with pytest.raises(NotApplicable):
        assess(minutes_observed=-1)
    with pytest.raises(InvalidConfiguration, match="30–120"):
        RecoveryRules(iv_minimum_observation_min=10)
    with pytest.raises(InvalidConfiguration, match="120"):
        RecoveryRules(esketamine_minimum_observation_min=60)
    with pytest.raises(InvalidConfiguration, match="9 or 10"):
        RecoveryRules(minimum_score=7)
    with pytest.raises(InvalidConfiguration, match="10–20%"):
        RecoveryRules(vitals_within_fraction=Decimal("0.5"))


def test_aldrete_padss_or_modified_padss_gate_discharge_and_are_charted() -> None:
    # §7.3, §7.4: each 0–10, ≥ 9 to discharge.
    assert DISCHARGE_SCORE_INSTRUMENTS == ("modified_aldrete", "padss", "modified_padss")
    assert ("cadss6", *DISCHARGE_SCORE_INSTRUMENTS) == SESSION_INSTRUMENTS  # §6.1, §7.4
    for code in DISCHARGE_SCORE_INSTRUMENTS:
        instrument = instrument_get(code)
        assert instrument.total_range == (0, 10)
        assert instrument.band_for(9) != instrument.band_for(8)


@pytest.mark.parametrize(
    ("unresolved", "moaa_s", "resolved"),
    [
        (set(), None, True),
        (set(), 5, True),
        (set(), 4, False),  # lethargic: not yet fully alert (§6.3)
        ({"sedation"}, 5, False),
        ({"dissociation"}, None, False),
        ({"desaturation"}, 5, False),  # respiratory depression (§10.3)
        ({"nausea", "headache"}, 5, True),  # not a reason to keep the patient
    ],
)
def test_sedation_dissociation_and_respiratory_depression_must_resolve(
    unresolved: set[str], moaa_s: int | None, resolved: bool
) -> None:
    assert (
        sedation_and_dissociation_resolved(unresolved_side_effects=unresolved, latest_moaa_s=moaa_s)
        is resolved
    )


def test_an_impossible_moaa_s_is_refused() -> None:
    with pytest.raises(NotApplicable, match="MOAA/S is 0 to 5"):
        sedation_and_dissociation_resolved(unresolved_side_effects=(), latest_moaa_s=6)
