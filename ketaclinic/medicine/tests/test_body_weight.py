"""Body size and dosing weight (CLINICAL.md §2.3), with the source's worked example."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.medicine.body_weight import (
    DosingWeightRule,
    Sex,
    WeightBasis,
    adjusted_body_weight_kg,
    bmi,
    body_size,
    check_weight_kg,
    dosing_weight,
    ideal_body_weight_kg,
)
from ketaclinic.medicine.errors import ImplausibleMeasurement, MissingMeasurement

weights = st.decimals(min_value=30, max_value=300, places=1)
heights = st.decimals(min_value=120, max_value=230, places=1)


def test_reproduces_the_worked_example_of_clinical_md_2_3() -> None:
    # Woman, 165 cm (64.96 in), 110 kg → IBW 56.9 kg, AdjBW 78.1 kg, BMI 40.4.
    body = body_size(weight_kg=Decimal("110"), height_cm=Decimal("165"), sex=Sex.FEMALE)
    assert body.ideal_weight_kg == Decimal("56.9")
    assert body.adjusted_weight_kg == Decimal("78.1")
    assert body.bmi == Decimal("40.4")
    # At 0.5 mg/kg: 55 mg on ABW, 28.5 mg on IBW, 39 mg on AdjBW.
    dose = Decimal("0.5")
    assert dose * body.weight_for(WeightBasis.ACTUAL) == Decimal("55.0")
    assert (dose * body.weight_for(WeightBasis.IDEAL)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    ) == Decimal("28.5")
    assert round(dose * body.weight_for(WeightBasis.ADJUSTED)) == 39


def test_men_have_the_higher_devine_base() -> None:
    assert ideal_body_weight_kg(height_cm=Decimal("177.8"), sex=Sex.MALE) == Decimal("73.0")
    assert ideal_body_weight_kg(height_cm=Decimal("177.8"), sex=Sex.FEMALE) == Decimal("68.5")


def test_at_or_below_five_feet_the_base_value_is_used() -> None:
    assert ideal_body_weight_kg(height_cm=Decimal("150"), sex=Sex.FEMALE) == Decimal("45.5")


def test_adjusted_weight_is_actual_weight_when_not_above_ideal() -> None:
    assert adjusted_body_weight_kg(
        weight_kg=Decimal("50"), ideal_weight_kg=Decimal("56.9")
    ) == Decimal("50")


def test_the_obesity_rule_switches_the_basis_and_says_so() -> None:
    rule = DosingWeightRule(basis=WeightBasis.ACTUAL, obese_basis=WeightBasis.IDEAL)
    obese = dosing_weight(
        weight_kg=Decimal("110"), height_cm=Decimal("165"), sex=Sex.FEMALE, rule=rule
    )
    assert obese.basis == WeightBasis.IDEAL
    assert obese.weight_kg == Decimal("56.9")
    assert "BMI 40.4 ≥ 30" in obese.reason
    lean = dosing_weight(
        weight_kg=Decimal("60"), height_cm=Decimal("165"), sex=Sex.FEMALE, rule=rule
    )
    assert lean.basis == WeightBasis.ACTUAL
    assert lean.weight_kg == Decimal("60")


def test_ideal_weight_above_actual_never_raises_the_dose() -> None:
    rule = DosingWeightRule(basis=WeightBasis.IDEAL)
    lean = dosing_weight(weight_kg=Decimal("45"), height_cm=Decimal("180"), sex=Sex.MALE, rule=rule)
    assert lean.weight_kg == Decimal("45")
    assert lean.basis == WeightBasis.ACTUAL
    assert "exceeds actual" in lean.reason


@pytest.mark.parametrize(
    ("weight", "height", "message"),
    [
        (Decimal("25"), Decimal("170"), "Weight 25 kg is outside 30–300 kg"),
        (Decimal("301"), Decimal("170"), "Weight 301 kg is outside 30–300 kg"),
        (Decimal("70"), Decimal("1.7"), "Height 1.7 cm is outside 120–230 cm"),
        (Decimal("70"), Decimal("231"), "Height 231 cm is outside 120–230 cm"),
        (Decimal("NaN"), Decimal("170"), "Weight NaN kg is outside"),
    ],
)
def test_refuses_implausible_height_or_weight(
    weight: Decimal, height: Decimal, message: str
) -> None:
    with pytest.raises(ImplausibleMeasurement, match=message):
        bmi(weight_kg=weight, height_cm=height)


def test_refuses_a_missing_weight() -> None:
    with pytest.raises(MissingMeasurement, match="Weight is missing"):
        check_weight_kg(None)


@given(weight=weights, height=heights, sex=st.sampled_from(Sex))
def test_adjusted_weight_lies_between_ideal_and_actual(
    weight: Decimal, height: Decimal, sex: Sex
) -> None:
    body = body_size(weight_kg=weight, height_cm=height, sex=sex)
    low, high = sorted([body.ideal_weight_kg, body.weight_kg])
    assert low - Decimal("0.05") <= body.adjusted_weight_kg <= high + Decimal("0.05")


@given(
    height=heights, sex=st.sampled_from(Sex), extra=st.decimals(min_value=0, max_value=50, places=1)
)
def test_ideal_weight_never_falls_as_height_rises(
    height: Decimal, sex: Sex, extra: Decimal
) -> None:
    taller = min(height + extra, Decimal("230"))
    assert ideal_body_weight_kg(height_cm=taller, sex=sex) >= ideal_body_weight_kg(
        height_cm=height, sex=sex
    )
