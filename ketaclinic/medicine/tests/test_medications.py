"""Every dose given in a session has a bound: the PRN table of CLINICAL.md §5.4 with each drug's
usual dose, single-dose maximum and routes; and a dose is written without an exponent or a
trailing zero."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.medicine.body_weight import DosingWeight, Sex, WeightBasis, body_size
from ketaclinic.medicine.dosing import Container, plan_iv_infusion
from ketaclinic.medicine.errors import (
    DoseAboveMaximum,
    ImplausibleMeasurement,
    NotApplicable,
    NotPositive,
)
from ketaclinic.medicine.medications import (
    MEDICATIONS,
    UNLISTED_CEILINGS,
    DoseReview,
    MedicationRoute,
    MedicationUnit,
    RouteNotListed,
    UnitNotListed,
    check_medication_dose,
    dose_text,
    medication_get,
    plain_decimal,
)
from ketaclinic.medicine.protocols import IV_KETAMINE_DEPRESSION
from ketaclinic.medicine.session import PRN_SUGGESTIONS


def check(drug: str, dose: str, unit: str = "mg", route: str = "IV") -> DoseReview:
    return check_medication_dose(drug=drug, dose=Decimal(dose), unit=unit, route=route).review


def test_the_usual_doses_of_the_table_are_given_by_the_nurse() -> None:
    assert check("ondansetron", "4") == DoseReview.USUAL
    assert check("Ondansetron", "4", route="ODT") == DoseReview.USUAL
    assert check("midazolam", "2") == DoseReview.USUAL
    assert check("labetalol", "10") == DoseReview.USUAL
    assert check("clonidine", "0.1", route="PO") == DoseReview.USUAL
    assert check("metoprolol  tartrate", "50", route="PO") == DoseReview.USUAL
    assert check("glycopyrrolate", "0.2") == DoseReview.USUAL
    assert check("hydralazine", "10") == DoseReview.USUAL


def test_every_prn_suggestion_is_a_usual_dose_by_a_listed_route() -> None:
    for suggestion in PRN_SUGGESTIONS:
        review = check(suggestion.drug, str(suggestion.dose), suggestion.unit, suggestion.route)
        assert review == DoseReview.USUAL, suggestion


def test_above_the_usual_dose_needs_a_physician_and_says_why() -> None:
    result = check_medication_dose(drug="ondansetron", dose=Decimal("8"), unit="mg", route="IV")
    assert result.review == DoseReview.ABOVE_USUAL
    assert result.needs_physician
    assert (
        result.message
        == "8 mg of ondansetron is above the usual 4 mg: a physician gives the reason."
    )
    ranged = check_medication_dose(drug="midazolam", dose=Decimal("2.5"), unit="mg", route="IV")
    assert "usual 1–2 mg" in ranged.message


@pytest.mark.parametrize(
    ("drug", "dose", "maximum"),
    [
        ("ondansetron", "4000", "16 mg"),
        ("ondansetron", "16.001", "16 mg"),
        ("midazolam", "50", "2.5 mg"),
        ("labetalol", "81", "80 mg"),
        ("glycopyrrolate", "0.5", "0.4 mg"),
        ("hydralazine", "41", "40 mg"),
    ],
)
def test_above_the_single_dose_maximum_is_refused(drug: str, dose: str, maximum: str) -> None:
    with pytest.raises(DoseAboveMaximum) as refused:
        check(drug, dose)
    assert f"single-dose maximum of {maximum}" in refused.value.message
    assert "E+" not in refused.value.message


def test_the_maximum_itself_may_be_given_with_a_physician() -> None:
    assert check("ondansetron", "16") == DoseReview.ABOVE_USUAL
    assert check("clonidine", "0.2", route="PO") == DoseReview.ABOVE_USUAL
    assert check("metoprolol tartrate", "100", route="PO") == DoseReview.ABOVE_USUAL


def test_mass_units_are_converted_and_other_units_refused_for_a_listed_drug() -> None:
    assert check("ondansetron", "4000", unit="mcg") == DoseReview.USUAL
    assert check("labetalol", "0.01", unit="g") == DoseReview.USUAL
    with pytest.raises(DoseAboveMaximum):
        check("ondansetron", "0.02", unit="g")
    with pytest.raises(UnitNotListed, match="give the dose in mg"):
        check("ondansetron", "2", unit="mL")


def test_a_route_the_table_does_not_list_is_refused() -> None:
    with pytest.raises(RouteNotListed, match="Midazolam is not given PO here; the table lists IV"):
        check("midazolam", "1", route="PO")
    with pytest.raises(RouteNotListed, match="route as one of"):
        check("ondansetron", "4", route="intravenous")
    with pytest.raises(UnitNotListed, match="unit as one of"):
        check("ondansetron", "4", unit="milligrams")


@pytest.mark.parametrize("dose", ["0", "-4", "NaN", "Infinity", "-Infinity"])
def test_a_dose_is_a_number_above_zero(dose: str) -> None:
    with pytest.raises(NotPositive):
        check("ondansetron", dose)
    with pytest.raises(NotPositive):
        check("diphenhydramine", dose)


def test_a_dose_has_at_most_three_decimal_places() -> None:
    with pytest.raises(NotApplicable, match="3 decimal places"):
        check("ondansetron", "0.0001")
    assert check("clonidine", "0.100", route="PO") == DoseReview.USUAL


def test_an_unlisted_drug_needs_a_physician_and_stays_under_its_units_ceiling() -> None:
    result = check_medication_dose(
        drug="diphenhydramine", dose=Decimal("25"), unit=MedicationUnit.MG, route="IV"
    )
    assert result.review == DoseReview.UNLISTED
    assert result.medication is None
    assert result.needs_physician
    assert result.message.startswith("diphenhydramine is not in the clinic's PRN table")
    assert check("saline", "250", unit="mL") == DoseReview.UNLISTED
    for unit, ceiling in UNLISTED_CEILINGS.items():
        assert check("other", str(ceiling), unit=unit.value) == DoseReview.UNLISTED
        with pytest.raises(ImplausibleMeasurement, match="check the dose and its unit"):
            check("other", str(ceiling + 1), unit=unit.value)
    assert (
        "This drug"
        in check_medication_dose(drug=" ", dose=Decimal("1"), unit="mg", route="PO").message
    )


def test_names_match_whatever_their_case_spacing_or_brand() -> None:
    assert medication_get(" Zofran ") is medication_get("ONDANSETRON")
    assert medication_get("metoprolol   Tartrate") is not None
    assert medication_get("metoprolol") is None  # tartrate or succinate: not guessed
    assert medication_get("ketamine") is None


def test_the_table_is_consistent() -> None:
    for medication in MEDICATIONS:
        assert 0 < medication.usual_low_mg <= medication.usual_high_mg
        assert medication.usual_high_mg <= medication.maximum_single_mg
        assert medication.routes
        assert "CLINICAL.md §5.4" in medication.source
        assert all(isinstance(route, MedicationRoute) for route in medication.routes)


@given(st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=0, max_value=10**6))
def test_a_dose_is_written_without_exponent_or_trailing_zero(value: Decimal) -> None:
    text = plain_decimal(value)
    assert "E" not in text
    assert "e" not in text
    assert Decimal(text) == value
    assert not ("." in text and text.endswith("0"))


def test_doses_are_written_as_a_clinician_writes_them() -> None:
    assert dose_text(Decimal("4000.000"), "mg") == "4000 mg"
    assert dose_text(Decimal("4E+3"), MedicationUnit.MG) == "4000 mg"
    assert dose_text(Decimal("0.100"), "mg") == "0.1 mg"
    assert dose_text(Decimal("35.00"), "mg") == "35 mg"
    assert plain_decimal(Decimal("151.1")) == "151.1"
    assert plain_decimal(Decimal("-0.000")) == "0"
    assert plain_decimal(Decimal("-2.50")) == "-2.5"
    assert plain_decimal(Decimal("NaN")) == "NaN"


def test_the_pump_rounding_note_writes_the_exact_rate_without_an_exponent() -> None:
    body = body_size(weight_kg=Decimal("70"), height_cm=Decimal("175"), sex=Sex.MALE)
    plan = plan_iv_infusion(  # 35 mg = 0.7 mL + 99.3 mL = 100 mL over 40 min: exactly 150 mL/h
        protocol=IV_KETAMINE_DEPRESSION,
        dosing_weight=DosingWeight(Decimal("70"), WeightBasis.ACTUAL, body, "test"),
        dose_mg_per_kg=Decimal("0.5"),
        vial_mg_per_ml=Decimal("50"),
        container=Container.BAG,
        diluent_volume_ml=Decimal("99.3"),
    )
    assert plan.rounding_note.startswith("Pump rate 150 mL/h rounded half-up to 150.0 mL/h")
