"""Dose and pump-rate calculation (CLINICAL.md §2.4, §2.5), with the source's worked examples."""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.medicine.body_weight import DosingWeight, Sex, WeightBasis, body_size
from ketaclinic.medicine.dosing import (
    ESKETAMINE_DEVICE_MG,
    MAX_ESKETAMINE_DEVICES_PER_KIT,
    MAX_VIAL_STRENGTH_MG_PER_ML,
    MAX_VIAL_VOLUME_ML,
    MULTI_DOSE_VIAL_BEYOND_USE_DAYS,
    Container,
    VialRules,
    bolus_dose_mg,
    check_dose_against_protocol,
    esketamine_dose,
    plan_iv_infusion,
)
from ketaclinic.medicine.errors import (
    DoseAboveProtocolCap,
    InvalidConfiguration,
    NotApplicable,
    NotPositive,
    UndilutedPreparation,
)
from ketaclinic.medicine.protocols import (
    INTRANASAL_ESKETAMINE,
    INTRANASAL_ESKETAMINE_SUICIDAL_IDEATION,
    IV_KETAMINE_CHRONIC_PAIN,
    IV_KETAMINE_DEPRESSION,
)


def weight(kg: str) -> DosingWeight:
    body = body_size(weight_kg=Decimal(kg), height_cm=Decimal("175"), sex=Sex.MALE)
    return DosingWeight(weight_kg=Decimal(kg), basis=WeightBasis.ACTUAL, body=body, reason="test")


def test_reproduces_the_bag_example_of_clinical_md_2_5() -> None:
    # 80 kg × 0.5 mg/kg = 40 mg = 0.8 mL of 50 mg/mL into 100 mL NS → ~100.8 mL at ~0.397 mg/mL;
    # over 40 min → 151 mL/h (0.75 mg/kg/h, 1 mg/min).
    plan = plan_iv_infusion(
        protocol=IV_KETAMINE_DEPRESSION,
        dosing_weight=weight("80"),
        dose_mg_per_kg=Decimal("0.5"),
        vial_mg_per_ml=Decimal("50"),
        container=Container.BAG,
        diluent_volume_ml=Decimal("100"),
        pump_precision_ml_per_h=Decimal("1"),
    )
    assert plan.dose_mg == Decimal("40.00")
    assert plan.drug_volume_ml == Decimal("0.80")
    assert plan.total_volume_ml == Decimal("100.80")
    assert plan.final_concentration_mg_per_ml == Decimal("0.397")
    assert plan.rate_ml_per_h == Decimal("151")
    assert plan.mg_per_kg_per_h == Decimal("0.750")
    assert plan.mg_per_min == Decimal("1.000")
    assert plan.warnings == ()
    assert "151.2 mL/h rounded half-up to 151 mL/h" in plan.rounding_note


def test_reproduces_the_syringe_example_of_clinical_md_2_5() -> None:
    # 1 mg/mL syringe: 40 mL at 60 mL/h for 40 min.
    plan = plan_iv_infusion(
        protocol=IV_KETAMINE_DEPRESSION,
        dosing_weight=weight("80"),
        dose_mg_per_kg=Decimal("0.5"),
        vial_mg_per_ml=Decimal("50"),
        container=Container.SYRINGE,
    )
    assert plan.total_volume_ml == Decimal("40.00")
    assert plan.diluent_volume_ml == Decimal("39.20")
    assert plan.rate_ml_per_h == Decimal("60.0")


def test_warns_above_075_mg_per_kg() -> None:
    warnings = check_dose_against_protocol(protocol=IV_KETAMINE_DEPRESSION, dose=Decimal("0.8"))
    assert "above 0.75 mg/kg" in warnings[0]


def test_refuses_dose_above_protocol_cap() -> None:
    # Written as a clinician writes it: "1 mg/kg", never "1.0 mg/kg" (read as 10; ISMP).
    with pytest.raises(
        DoseAboveProtocolCap, match=r"1\.1 mg/kg is above this protocol's cap of 1 mg/kg"
    ):
        check_dose_against_protocol(protocol=IV_KETAMINE_DEPRESSION, dose=Decimal("1.10"))


def test_a_physician_override_with_a_reason_passes_the_cap_and_is_recorded() -> None:
    warnings = check_dose_against_protocol(
        protocol=IV_KETAMINE_DEPRESSION,
        dose=Decimal("1.1"),
        override_reason="  partial response at 1.0  ",
    )
    assert warnings == (
        "Above the protocol cap of 1 mg/kg: physician override (partial response at 1.0).",
    )


def test_no_override_passes_the_absolute_limit() -> None:
    with pytest.raises(DoseAboveProtocolCap, match=r"absolute limit of 1\.5 mg/kg"):
        check_dose_against_protocol(
            protocol=IV_KETAMINE_DEPRESSION, dose=Decimal("1.6"), override_reason="x"
        )


@pytest.mark.parametrize("dose", [Decimal("0"), Decimal("-0.5"), Decimal("NaN")])
def test_refuses_zero_or_negative_doses(dose: Decimal) -> None:
    with pytest.raises(NotPositive, match="more than zero"):
        check_dose_against_protocol(protocol=IV_KETAMINE_DEPRESSION, dose=dose)


def test_refuses_an_undiluted_100_mg_per_ml_preparation() -> None:
    # The strength as the ledger may hand it over: Decimal("100.000").normalize() is 1E+2.
    with pytest.raises(
        UndilutedPreparation,
        match=r"^100 mg/mL is too concentrated for IV use: 100 mg/mL ketamine must be diluted",
    ):
        plan_iv_infusion(
            protocol=IV_KETAMINE_DEPRESSION,
            dosing_weight=weight("80"),
            dose_mg_per_kg=Decimal("0.5"),
            vial_mg_per_ml=Decimal("100.000").normalize(),
            container=Container.BAG,
            diluent_volume_ml=Decimal("0"),
        )


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"vial_mg_per_ml": Decimal("25")}, NotApplicable, "not one of"),
        ({"diluent_volume_ml": Decimal("-1")}, NotPositive, "cannot be negative"),
        ({"duration_min": 0}, NotPositive, "duration must be more than zero"),
        ({"pump_precision_ml_per_h": Decimal("0")}, NotPositive, "pump precision"),
        (
            {"container": Container.SYRINGE, "syringe_concentration_mg_per_ml": Decimal("0")},
            NotPositive,
            "syringe",
        ),
        (
            {
                "container": Container.SYRINGE,
                "syringe_concentration_mg_per_ml": Decimal("60"),
                "vial_mg_per_ml": Decimal("50"),
            },
            UndilutedPreparation,
            "cannot be made",
        ),
    ],
)
def test_refuses_bad_preparation_inputs(
    changes: dict[str, object], error: type[Exception], message: str
) -> None:
    arguments: dict[str, object] = {
        "protocol": IV_KETAMINE_DEPRESSION,
        "dosing_weight": weight("80"),
        "dose_mg_per_kg": Decimal("0.5"),
        "vial_mg_per_ml": Decimal("50"),
        "container": Container.BAG,
        "diluent_volume_ml": Decimal("100"),
        **changes,
    }
    with pytest.raises(error, match=message):
        plan_iv_infusion(**arguments)


def test_pain_infusions_are_an_hourly_rate_over_hours() -> None:
    # 0.5 mg/kg/h × 70 kg × 4 h = 140 mg (CLINICAL.md §2.7).
    plan = plan_iv_infusion(
        protocol=IV_KETAMINE_CHRONIC_PAIN,
        dosing_weight=weight("70"),
        dose_mg_per_kg=Decimal("0.5"),
        vial_mg_per_ml=Decimal("10"),
        container=Container.BAG,
        diluent_volume_ml=Decimal("250"),
    )
    assert plan.dose_mg == Decimal("140.00")
    assert plan.mg_per_kg_per_h == Decimal("0.500")
    assert plan.warnings == ()


def test_a_short_small_pain_infusion_is_flagged_below_the_dose_response_threshold() -> None:
    plan = plan_iv_infusion(
        protocol=IV_KETAMINE_CHRONIC_PAIN,
        dosing_weight=weight("40"),
        dose_mg_per_kg=Decimal("0.5"),
        vial_mg_per_ml=Decimal("10"),
        container=Container.BAG,
        diluent_volume_ml=Decimal("100"),
        duration_min=120,
    )
    assert any("below 80 mg" in warning for warning in plan.warnings)
    assert any("not over 2 hours" in warning for warning in plan.warnings)


def test_the_pain_bolus_is_limited_to_035_mg_per_kg() -> None:
    assert bolus_dose_mg(
        protocol=IV_KETAMINE_CHRONIC_PAIN,
        dosing_weight_kg=Decimal("80"),
        bolus_mg_per_kg=Decimal("0.35"),
    ) == Decimal("28.00")
    with pytest.raises(DoseAboveProtocolCap, match=r"0\.35 mg/kg"):
        bolus_dose_mg(
            protocol=IV_KETAMINE_CHRONIC_PAIN,
            dosing_weight_kg=Decimal("80"),
            bolus_mg_per_kg=Decimal("0.4"),
        )
    with pytest.raises(NotApplicable, match="has no bolus"):
        bolus_dose_mg(
            protocol=IV_KETAMINE_DEPRESSION,
            dosing_weight_kg=Decimal("80"),
            bolus_mg_per_kg=Decimal("0.1"),
        )


def test_an_esketamine_protocol_is_not_an_infusion() -> None:
    with pytest.raises(NotApplicable, match="not an infusion"):
        plan_iv_infusion(
            protocol=INTRANASAL_ESKETAMINE,
            dosing_weight=weight("80"),
            dose_mg_per_kg=Decimal("0.5"),
            vial_mg_per_ml=Decimal("50"),
            container=Container.BAG,
        )


@pytest.mark.parametrize(
    ("protocol", "age", "expected_mg", "devices"),
    [
        (INTRANASAL_ESKETAMINE, 40, Decimal("56"), 2),
        (INTRANASAL_ESKETAMINE, 65, Decimal("28"), 1),
        (INTRANASAL_ESKETAMINE_SUICIDAL_IDEATION, 70, Decimal("84"), 3),
    ],
)
def test_the_first_esketamine_dose_follows_the_label(
    protocol, age: int, expected_mg: Decimal, devices: int
) -> None:
    dose = esketamine_dose(protocol=protocol, age_years=age, is_first_session=True)
    assert (dose.dose_mg, dose.devices, dose.minutes_between_devices) == (expected_mg, devices, 5)


def test_later_esketamine_sessions_take_whole_devices_up_to_84_mg() -> None:
    assert (
        esketamine_dose(
            protocol=INTRANASAL_ESKETAMINE,
            age_years=40,
            is_first_session=False,
            requested_mg=Decimal("84"),
        ).devices
        == 3
    )
    with pytest.raises(NotApplicable, match="28 mg devices"):
        esketamine_dose(
            protocol=INTRANASAL_ESKETAMINE,
            age_years=40,
            is_first_session=False,
            requested_mg=Decimal("70"),
        )
    with pytest.raises(DoseAboveProtocolCap):
        esketamine_dose(
            protocol=INTRANASAL_ESKETAMINE,
            age_years=40,
            is_first_session=False,
            requested_mg=Decimal("112"),
        )
    with pytest.raises(NotApplicable, match="Give the dose"):
        esketamine_dose(protocol=INTRANASAL_ESKETAMINE, age_years=40, is_first_session=False)
    with pytest.raises(NotApplicable, match="adults"):
        esketamine_dose(protocol=INTRANASAL_ESKETAMINE, age_years=17, is_first_session=True)
    with pytest.raises(NotApplicable, match="not an esketamine protocol"):
        esketamine_dose(protocol=IV_KETAMINE_DEPRESSION, age_years=40, is_first_session=True)


def test_a_first_dose_other_than_the_label_is_noted() -> None:
    dose = esketamine_dose(
        protocol=INTRANASAL_ESKETAMINE,
        age_years=40,
        is_first_session=True,
        requested_mg=Decimal("84"),
    )
    assert dose.dose_mg == Decimal("56")
    assert "by label" in dose.warnings[0]


@given(
    kg=st.decimals(min_value=30, max_value=300, places=1),
    more=st.decimals(min_value=Decimal("0.1"), max_value=50, places=1),
    dose=st.decimals(min_value=Decimal("0.1"), max_value=Decimal("1.0"), places=2),
)
def test_the_dose_rises_with_weight_and_never_exceeds_the_cap(
    kg: Decimal, more: Decimal, dose: Decimal
) -> None:
    def plan_for(weight_kg: Decimal):
        return plan_iv_infusion(
            protocol=IV_KETAMINE_DEPRESSION,
            dosing_weight=replace(weight("80"), weight_kg=weight_kg),
            dose_mg_per_kg=dose,
            vial_mg_per_ml=Decimal("10"),
            container=Container.BAG,
            diluent_volume_ml=Decimal("100"),
        )

    light, heavy = plan_for(kg), plan_for(kg + more)
    assert heavy.dose_mg >= light.dose_mg
    assert heavy.dose_mg <= IV_KETAMINE_DEPRESSION.cap * (kg + more) + Decimal("0.01")
    assert heavy.rate_ml_per_h > 0
    assert abs(heavy.rate_ml_per_h - heavy.rate_ml_per_h_exact) <= Decimal("0.05")


def test_the_product_sizes_are_those_of_clinical_md() -> None:
    # §2.4: 10 mg/mL × 20 mL, 50 mg/mL × 10 mL, 100 mg/mL × 5 mL; §2.8: 28 mg devices, kits of
    # 2 or 3. The largest vial fits with room to spare; nothing stronger than 100 mg/mL.
    sizes = (
        MAX_VIAL_STRENGTH_MG_PER_ML,
        MAX_VIAL_VOLUME_ML,
        ESKETAMINE_DEVICE_MG,
        MAX_ESKETAMINE_DEVICES_PER_KIT,
    )
    assert sizes == (Decimal("100"), Decimal("50"), Decimal("28"), 3)
    assert sizes[2] * sizes[3] == Decimal("84")  # the largest kit (§2.8)


def test_an_opened_vial_is_used_for_28_days_unless_the_clinic_says_fewer() -> None:
    """§2.4: 28 days after the first puncture unless the manufacturer says less."""
    opened = datetime.datetime(2027, 3, 1, 9, 30, tzinfo=datetime.UTC)
    assert VialRules().beyond_use_days == MULTI_DOSE_VIAL_BEYOND_USE_DAYS == 28
    assert VialRules().beyond_use_at(opened_at=opened) == datetime.datetime(
        2027, 3, 29, 9, 30, tzinfo=datetime.UTC
    )
    assert VialRules(beyond_use_days=1).beyond_use_at(opened_at=opened) == opened + (
        datetime.timedelta(days=1)
    )
    for unsafe in (0, -1, 29, 365):
        with pytest.raises(InvalidConfiguration, match="1 to 28 days"):
            VialRules(beyond_use_days=unsafe)
