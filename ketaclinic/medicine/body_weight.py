"""Body size and the weight a dose is calculated on (CLINICAL.md §2.3).

BMI, ideal body weight (Devine 1974) and adjusted body weight are always computed side by side;
the protocol's rule picks the basis and the basis is stored with the dose.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from ketaclinic.medicine.errors import ImplausibleMeasurement, MissingMeasurement

# Plausibility limits (CLINICAL.md §2.3 Build; issue 3): outside them the entry is refused as a
# probable typo (lb for kg, m for cm) rather than dosed on.
MIN_WEIGHT_KG = Decimal("30")
MAX_WEIGHT_KG = Decimal("300")
MIN_HEIGHT_CM = Decimal("120")
MAX_HEIGHT_CM = Decimal("230")

CM_PER_INCH = Decimal("2.54")
# Devine BJ, Drug Intell Clin Pharm 1974 (CLINICAL.md §2.3): 50 kg (men) or 45.5 kg (women)
# plus 2.3 kg per inch over 60 inches; at 60 inches or less the base value.
DEVINE_BASE_KG = {"male": Decimal("50"), "female": Decimal("45.5")}
DEVINE_KG_PER_INCH = Decimal("2.3")
DEVINE_BASE_HEIGHT_IN = Decimal("60")
# AdjBW = IBW + 0.4 × (ABW − IBW), used when ABW > IBW (CLINICAL.md §2.3).
ADJUSTED_WEIGHT_FACTOR = Decimal("0.4")

_TENTH = Decimal("0.1")


class Sex(StrEnum):
    """Sex used by the Devine formula (sex at birth as recorded)."""

    MALE = "male"
    FEMALE = "female"


class WeightBasis(StrEnum):
    ACTUAL = "actual"
    IDEAL = "ideal"
    ADJUSTED = "adjusted"


@dataclass(frozen=True)
class BodySize:
    weight_kg: Decimal
    height_cm: Decimal
    bmi: Decimal
    ideal_weight_kg: Decimal
    adjusted_weight_kg: Decimal

    def weight_for(self, basis: WeightBasis) -> Decimal:
        return {
            WeightBasis.ACTUAL: self.weight_kg,
            WeightBasis.IDEAL: self.ideal_weight_kg,
            WeightBasis.ADJUSTED: self.adjusted_weight_kg,
        }[basis]


@dataclass(frozen=True)
class DosingWeightRule:
    """Which weight to dose on: `basis`, or `obese_basis` when BMI ≥ `obese_bmi` (§2.3 Build)."""

    basis: WeightBasis = WeightBasis.ACTUAL
    obese_basis: WeightBasis | None = None
    obese_bmi: Decimal = Decimal("30")


@dataclass(frozen=True)
class DosingWeight:
    weight_kg: Decimal
    basis: WeightBasis
    body: BodySize
    reason: str


def _check(value: Decimal | None, *, name: str, unit: str, low: Decimal, high: Decimal) -> Decimal:
    if value is None:
        raise MissingMeasurement(f"{name} is missing; it is needed to calculate the dose.")
    if not value.is_finite() or value < low or value > high:
        raise ImplausibleMeasurement(
            f"{name} {value} {unit} is outside {low}–{high} {unit}; check the entry (units?)."
        )
    return value


def check_weight_kg(weight_kg: Decimal | None) -> Decimal:
    return _check(weight_kg, name="Weight", unit="kg", low=MIN_WEIGHT_KG, high=MAX_WEIGHT_KG)


def check_height_cm(height_cm: Decimal | None) -> Decimal:
    return _check(height_cm, name="Height", unit="cm", low=MIN_HEIGHT_CM, high=MAX_HEIGHT_CM)


def bmi(*, weight_kg: Decimal, height_cm: Decimal) -> Decimal:
    """Body-mass index, kg/m² (CLINICAL.md §2.3), to 0.1."""
    weight = check_weight_kg(weight_kg)
    height_m = check_height_cm(height_cm) / 100
    return (weight / (height_m * height_m)).quantize(_TENTH, rounding=ROUND_HALF_UP)


def ideal_body_weight_kg(*, height_cm: Decimal, sex: Sex) -> Decimal:
    """Devine ideal body weight (CLINICAL.md §2.3), to 0.1 kg; base value at ≤ 60 inches."""
    height_in = check_height_cm(height_cm) / CM_PER_INCH
    inches_over = max(Decimal(0), height_in - DEVINE_BASE_HEIGHT_IN)
    ideal = DEVINE_BASE_KG[sex.value] + DEVINE_KG_PER_INCH * inches_over
    return ideal.quantize(_TENTH, rounding=ROUND_HALF_UP)


def adjusted_body_weight_kg(*, weight_kg: Decimal, ideal_weight_kg: Decimal) -> Decimal:
    """AdjBW = IBW + 0.4 × (ABW − IBW) when ABW > IBW, else ABW (CLINICAL.md §2.3)."""
    weight = check_weight_kg(weight_kg)
    if weight <= ideal_weight_kg:
        return weight
    adjusted = ideal_weight_kg + ADJUSTED_WEIGHT_FACTOR * (weight - ideal_weight_kg)
    return adjusted.quantize(_TENTH, rounding=ROUND_HALF_UP)


def body_size(*, weight_kg: Decimal, height_cm: Decimal, sex: Sex) -> BodySize:
    weight = check_weight_kg(weight_kg)
    height = check_height_cm(height_cm)
    ideal = ideal_body_weight_kg(height_cm=height, sex=sex)
    return BodySize(
        weight_kg=weight,
        height_cm=height,
        bmi=bmi(weight_kg=weight, height_cm=height),
        ideal_weight_kg=ideal,
        adjusted_weight_kg=adjusted_body_weight_kg(weight_kg=weight, ideal_weight_kg=ideal),
    )


def dosing_weight(
    *, weight_kg: Decimal, height_cm: Decimal, sex: Sex, rule: DosingWeightRule
) -> DosingWeight:
    """The weight to dose on under the protocol's rule, with every alternative shown."""
    body = body_size(weight_kg=weight_kg, height_cm=height_cm, sex=sex)
    if rule.obese_basis is not None and body.bmi >= rule.obese_bmi:
        basis = rule.obese_basis
        reason = f"BMI {body.bmi} ≥ {rule.obese_bmi}: dosed on {basis.value} body weight"
    else:
        basis = rule.basis
        reason = f"dosed on {basis.value} body weight"
    if body.weight_for(basis) > body.weight_kg:
        # Ideal above actual weight (a very lean patient) would raise the dose: never above ABW.
        reason = f"ideal body weight {body.ideal_weight_kg} kg exceeds actual: dosed on actual"
        basis = WeightBasis.ACTUAL
    return DosingWeight(weight_kg=body.weight_for(basis), basis=basis, body=body, reason=reason)
