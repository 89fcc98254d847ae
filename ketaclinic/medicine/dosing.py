"""Dose, volume, concentration and pump rate for an infusion (CLINICAL.md §2.4, §2.5, §2.7, §2.8),
and the sizes and beyond-use rule of the products it is drawn from (§2.4, §2.8).

Decimal throughout. The plan keeps every input and every figure, so the chart stores both; the
pump rate is rounded to the pump's precision and the rounding is stated.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from ketaclinic.medicine.body_weight import DosingWeight
from ketaclinic.medicine.errors import (
    DoseAboveProtocolCap,
    InvalidConfiguration,
    NotApplicable,
    NotPositive,
    UndilutedPreparation,
)
from ketaclinic.medicine.medications import plain_decimal
from ketaclinic.medicine.protocols import PROTOCOL_BOUNDS, DoseUnit, Protocol

# §2.4: the strengths on the market; anything else is refused as a probable entry error.
VIAL_STRENGTHS_MG_PER_ML = (Decimal("10"), Decimal("50"), Decimal("100"))
# §2.4: the product sizes a clinic may stock. The strongest vial is 100 mg/mL; the largest vial
# on the market holds 20 mL (10 mg/mL × 20 mL, 50 mg/mL × 10 mL, 100 mg/mL × 5 mL), and 50 mL
# leaves room for a larger one [PRACTICE]. Anything beyond is a typing slip, refused.
MAX_VIAL_STRENGTH_MG_PER_ML = max(VIAL_STRENGTHS_MG_PER_ML)
MAX_VIAL_VOLUME_ML = Decimal("50")
# §2.4: "never give 100 mg/mL IV without proper dilution"; even a bolus is diluted with an equal
# volume, so no IV preparation may be stronger than 50 mg/mL.
MAX_FINAL_CONCENTRATION_MG_PER_ML = Decimal("50")
DEFAULT_PUMP_PRECISION_ML_PER_H = Decimal("0.1")
ESKETAMINE_DEVICE_MG = Decimal("28")  # §2.8
# §2.8: single-use 28 mg devices come in kits of 2 (56 mg) or 3 (84 mg).
ESKETAMINE_DEVICES_PER_KIT = (2, 3)
MAX_ESKETAMINE_DEVICES_PER_KIT = max(ESKETAMINE_DEVICES_PER_KIT)
# §2.4: a multi-dose vial is used for 28 days after its first puncture unless the manufacturer
# says otherwise (USP <797> / CDC injection safety): the default, and the most a clinic may set.
MULTI_DOSE_VIAL_BEYOND_USE_DAYS = 28
# §2.4: "the dose in a 50–250 mL NS bag (100 mL common)" [PRACTICE]: the bag offered when the
# nurse names none; the volume used is always charted with the preparation.
DEFAULT_DILUENT_BAG_ML = Decimal("100")
ESKETAMINE_OLDER_ADULT_AGE = 65  # §2.8: TRD starts at 28 mg at 65 and over


class Container(StrEnum):
    BAG = "bag"  # dose added to a bag of diluent on a volumetric pump
    SYRINGE = "syringe"  # dose made up to a fixed concentration on a syringe pump


@dataclass(frozen=True)
class InfusionPlan:
    protocol_key: str
    dosing_weight_kg: Decimal
    weight_basis: str
    dose_mg_per_kg: Decimal  # for mg/kg/h protocols: the hourly rate in mg/kg/h
    dose_mg: Decimal
    vial_mg_per_ml: Decimal
    container: Container
    drug_volume_ml: Decimal
    diluent_volume_ml: Decimal
    total_volume_ml: Decimal
    final_concentration_mg_per_ml: Decimal
    duration_min: int
    rate_ml_per_h_exact: Decimal
    rate_ml_per_h: Decimal
    pump_precision_ml_per_h: Decimal
    mg_per_kg_per_h: Decimal
    mg_per_min: Decimal
    warnings: tuple[str, ...]
    override_reason: str

    @property
    def rounding_note(self) -> str:
        return (
            f"Pump rate {plain_decimal(self.rate_ml_per_h_exact)} mL/h rounded half-up to "
            f"{self.rate_ml_per_h} mL/h (pump precision {self.pump_precision_ml_per_h} mL/h)."
        )


def _positive(value: Decimal, name: str, unit: str) -> Decimal:
    if not value.is_finite() or value <= 0:
        raise NotPositive(f"{name} must be more than zero {unit}; got {plain_decimal(value)}.")
    return value


def check_dose_against_protocol(
    *, protocol: Protocol, dose: Decimal, override_reason: str = ""
) -> tuple[str, ...]:
    """Warnings for a dose within the cap; a refusal above it unless a physician gives a reason.

    CLINICAL.md §2.2: warn above 0.75 mg/kg; hard stop above the cap (1.0 mg/kg) unless a
    physician overrides with a reason. No override passes the absolute bound for the dose unit.
    """
    _positive(dose, "The dose", protocol.dose_unit.value)
    unit = protocol.dose_unit.value
    absolute_high = PROTOCOL_BOUNDS[protocol.dose_unit][1]
    if dose > absolute_high:
        raise DoseAboveProtocolCap(
            f"{plain_decimal(dose)} {unit} is above the absolute limit of "
            f"{plain_decimal(absolute_high)} {unit}; it cannot be given under any protocol in "
            "ketaclinic."
        )
    warnings: list[str] = []
    if dose > protocol.cap:
        if not override_reason.strip():
            raise DoseAboveProtocolCap(
                f"{plain_decimal(dose)} {unit} is above this protocol's cap of "
                f"{plain_decimal(protocol.cap)} {unit} ({protocol.name}). A physician may "
                "override with a reason."
            )
        warnings.append(
            f"Above the protocol cap of {plain_decimal(protocol.cap)} {unit}: physician override "
            f"({override_reason.strip()})."
        )
    elif protocol.warning_above is not None and dose > protocol.warning_above:
        warnings.append(
            f"{plain_decimal(dose)} {unit} is above {plain_decimal(protocol.warning_above)} "
            f"{unit}: outside most of the evidence; confirm the titration is intended."
        )
    return tuple(warnings)


def plan_iv_infusion(
    *,
    protocol: Protocol,
    dosing_weight: DosingWeight,
    dose_mg_per_kg: Decimal,
    vial_mg_per_ml: Decimal,
    container: Container,
    diluent_volume_ml: Decimal = Decimal("0"),
    syringe_concentration_mg_per_ml: Decimal = Decimal("1"),
    duration_min: int | None = None,
    pump_precision_ml_per_h: Decimal = DEFAULT_PUMP_PRECISION_ML_PER_H,
    override_reason: str = "",
) -> InfusionPlan:
    """The infusion as prepared and run (CLINICAL.md §2.5).

    For an mg/kg protocol `dose_mg_per_kg` is the dose given over `duration_min`; for an mg/kg/h
    (pain) protocol it is the hourly rate, and the dose is rate × weight × hours.
    """
    if protocol.dose_unit == DoseUnit.MG:
        raise NotApplicable(f"{protocol.name} is not an infusion; use esketamine_dose().")
    if vial_mg_per_ml not in VIAL_STRENGTHS_MG_PER_ML:
        strengths = ", ".join(f"{plain_decimal(s)} mg/mL" for s in VIAL_STRENGTHS_MG_PER_ML)
        raise NotApplicable(
            f"Vial strength {plain_decimal(vial_mg_per_ml)} mg/mL is not one of {strengths}."
        )
    warnings = list(
        check_dose_against_protocol(
            protocol=protocol, dose=dose_mg_per_kg, override_reason=override_reason
        )
    )
    minutes = protocol.duration_min if duration_min is None else duration_min
    if minutes <= 0:
        raise NotPositive(f"The infusion duration must be more than zero minutes; got {minutes}.")
    _positive(pump_precision_ml_per_h, "The pump precision", "mL/h")
    weight = _positive(dosing_weight.weight_kg, "The dosing weight", "kg")
    hours = Decimal(minutes) / 60
    if protocol.dose_unit == DoseUnit.MG_PER_KG_PER_HOUR:
        dose_mg = dose_mg_per_kg * weight * hours
        mg_per_kg_per_h = dose_mg_per_kg
    else:
        dose_mg = dose_mg_per_kg * weight
        mg_per_kg_per_h = dose_mg_per_kg / hours
    dose_mg = dose_mg.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    drug_volume_ml = dose_mg / vial_mg_per_ml
    if container == Container.SYRINGE:
        concentration = _positive(
            syringe_concentration_mg_per_ml, "The syringe concentration", "mg/mL"
        )
        total_volume_ml = dose_mg / concentration
        diluent = total_volume_ml - drug_volume_ml
        if diluent < 0:
            raise UndilutedPreparation(
                f"A {plain_decimal(concentration)} mg/mL syringe cannot be made from "
                f"{plain_decimal(vial_mg_per_ml)} mg/mL stock."
            )
    else:
        diluent = diluent_volume_ml
        if not diluent.is_finite() or diluent < 0:
            raise NotPositive(
                f"The diluent volume cannot be negative; got {plain_decimal(diluent)} mL."
            )
        total_volume_ml = drug_volume_ml + diluent
    final_concentration = dose_mg / total_volume_ml
    if final_concentration > MAX_FINAL_CONCENTRATION_MG_PER_ML:
        raise UndilutedPreparation(
            f"{plain_decimal(final_concentration.quantize(Decimal('0.1')))} mg/mL is too "
            f"concentrated for IV use: {plain_decimal(vial_mg_per_ml)} mg/mL ketamine must be "
            "diluted (Ketalar PI §2). Add diluent."
        )
    rate_exact = total_volume_ml / hours
    rate = (rate_exact / pump_precision_ml_per_h).quantize(
        Decimal("1"), rounding=ROUND_HALF_UP
    ) * pump_precision_ml_per_h
    if protocol.minimum_total_mg is not None and dose_mg < protocol.minimum_total_mg:
        warnings.append(
            f"Total {plain_decimal(dose_mg)} mg is below "
            f"{plain_decimal(protocol.minimum_total_mg)} mg, under the dose–response threshold "
            "for pain (Cohen 2018, ASRA/AAPM/ASA consensus guideline)."
        )
    if protocol.minimum_duration_min is not None and minutes < protocol.minimum_duration_min:
        warnings.append(
            f"{minutes} min is not over 2 hours; pain response was seen with longer infusions."
        )
    return InfusionPlan(
        protocol_key=protocol.key,
        dosing_weight_kg=weight,
        weight_basis=dosing_weight.basis.value,
        dose_mg_per_kg=dose_mg_per_kg,
        dose_mg=dose_mg,
        vial_mg_per_ml=vial_mg_per_ml,
        container=container,
        drug_volume_ml=drug_volume_ml.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        diluent_volume_ml=diluent.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        total_volume_ml=total_volume_ml.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        final_concentration_mg_per_ml=final_concentration.quantize(
            Decimal("0.001"), rounding=ROUND_HALF_UP
        ),
        duration_min=minutes,
        rate_ml_per_h_exact=rate_exact,
        rate_ml_per_h=rate.quantize(pump_precision_ml_per_h),
        pump_precision_ml_per_h=pump_precision_ml_per_h,
        mg_per_kg_per_h=mg_per_kg_per_h.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP),
        mg_per_min=(dose_mg / minutes).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP),
        warnings=tuple(warnings),
        override_reason=override_reason.strip(),
    )


def bolus_dose_mg(
    *, protocol: Protocol, dosing_weight_kg: Decimal, bolus_mg_per_kg: Decimal
) -> Decimal:
    """A loading bolus within the protocol's bolus limit (CLINICAL.md §2.7: ≤ 0.35 mg/kg)."""
    if protocol.bolus_cap_mg_per_kg is None:
        raise NotApplicable(f"{protocol.name} has no bolus.")
    _positive(bolus_mg_per_kg, "The bolus", "mg/kg")
    _positive(dosing_weight_kg, "The dosing weight", "kg")
    if bolus_mg_per_kg > protocol.bolus_cap_mg_per_kg:
        raise DoseAboveProtocolCap(
            f"A bolus of {plain_decimal(bolus_mg_per_kg)} mg/kg is above the limit of "
            f"{plain_decimal(protocol.bolus_cap_mg_per_kg)} mg/kg (Cohen 2018)."
        )
    return (bolus_mg_per_kg * dosing_weight_kg).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class EsketamineDose:
    dose_mg: Decimal
    devices: int
    minutes_between_devices: int
    warnings: tuple[str, ...]


def esketamine_dose(
    *,
    protocol: Protocol,
    age_years: int,
    is_first_session: bool,
    requested_mg: Decimal | None = None,
) -> EsketamineDose:
    """Devices for an esketamine session (CLINICAL.md §2.8).

    First session: the protocol's starting dose: 56 mg for TRD (28 mg at 65 and over), 84 mg
    for depression with suicidal ideation. Later sessions: the requested dose in whole 28 mg
    devices, up to 84 mg.
    """
    if protocol.dose_unit != DoseUnit.MG:
        raise NotApplicable(f"{protocol.name} is not an esketamine protocol.")
    if age_years < 18:
        raise NotApplicable("Esketamine is for adults (18 and over) only (SPRAVATO PI).")
    warnings: list[str] = []
    if is_first_session:
        dose = protocol.starting_dose
        if age_years >= ESKETAMINE_OLDER_ADULT_AGE and protocol.older_adult_starting_dose:
            dose = protocol.older_adult_starting_dose
        if requested_mg is not None and requested_mg != dose:
            warnings.append(
                f"The first dose is {plain_decimal(dose)} mg by label; "
                f"{plain_decimal(requested_mg)} mg was asked for."
            )
    else:
        if requested_mg is None:
            raise NotApplicable("Give the dose for this session (28, 56 or 84 mg).")
        dose = requested_mg
    if dose % ESKETAMINE_DEVICE_MG or dose <= 0:
        raise NotApplicable(f"{plain_decimal(dose)} mg is not a whole number of 28 mg devices.")
    check_dose_against_protocol(protocol=protocol, dose=dose)
    return EsketamineDose(
        dose_mg=dose,
        devices=int(dose / ESKETAMINE_DEVICE_MG),
        minutes_between_devices=5,
        warnings=tuple(warnings),
    )


@dataclass(frozen=True)
class VialRules:
    """Clinic rules section `vials`: `beyond_use_days`, how long an opened multi-dose vial may be
    drawn from. §2.4: 28 days after the first puncture unless the manufacturer says less, so a
    clinic may shorten it (a maker's shorter date, its own policy), never lengthen it."""

    beyond_use_days: int = MULTI_DOSE_VIAL_BEYOND_USE_DAYS

    def __post_init__(self) -> None:
        if not 1 <= self.beyond_use_days <= MULTI_DOSE_VIAL_BEYOND_USE_DAYS:
            raise InvalidConfiguration(
                f"An opened multi-dose vial is used for 1 to {MULTI_DOSE_VIAL_BEYOND_USE_DAYS} "
                "days after its first puncture (USP <797>; CDC injection safety)."
            )

    def beyond_use_at(self, *, opened_at: datetime.datetime) -> datetime.datetime:
        """When a vial first punctured at `opened_at` may no longer be drawn from."""
        return opened_at + datetime.timedelta(days=self.beyond_use_days)
