"""One way to write a dose (mg) and a volume (mL): two decimals at most, no trailing zero, no
exponent, and never a "0" for an amount that is not zero."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.medicine.amounts import (
    LEDGER_ML_PLACES,
    MG_PLACES,
    ML_PLACES,
    ledger_ml_text,
    mg_text,
    microlitres_ml_text,
    ml_text,
    rounded_figure,
)

_HALF_STEP = Decimal("0.005")  # half of 0.01: the most a written figure may be off by


@pytest.mark.parametrize(
    ("amount_mg", "written"),
    [
        ("2.34", "2.34 mg"),
        ("35.00", "35 mg"),
        ("52.35", "52.35 mg"),
        ("0.5", "0.5 mg"),
        ("4E+3", "4000 mg"),
        ("0.125", "0.13 mg"),  # half-up, as the dose plan rounds
        ("0.004", "< 0.01 mg"),
        ("0", "0 mg"),
    ],
)
def test_a_dose_is_written_in_mg_to_two_decimals(amount_mg: str, written: str) -> None:
    assert mg_text(Decimal(amount_mg)) == written


def test_the_controlled_substance_waste_is_written_in_ml_not_microlitres() -> None:
    assert microlitres_ml_text(833) == "0.83 mL"
    assert microlitres_ml_text(835) == "0.84 mL"
    assert microlitres_ml_text(1_000) == "1 mL"
    assert microlitres_ml_text(20_000) == "20 mL"
    assert microlitres_ml_text(3) == "< 0.01 mL"
    assert microlitres_ml_text(0) == "0 mL"
    assert ml_text(Decimal("99.30")) == "99.3 mL"


def test_the_ledger_writes_its_volumes_in_ml_to_the_microlitre_it_keeps() -> None:
    assert ledger_ml_text(833) == "0.833 mL"
    assert ledger_ml_text(10_001) == "10.001 mL"
    assert ledger_ml_text(10_000) == "10 mL"
    assert ledger_ml_text(-1_001) == "-1.001 mL"


@given(st.integers(min_value=-(10**7), max_value=10**7))
def test_a_ledger_amount_is_written_exactly(microlitres: int) -> None:
    figure = ledger_ml_text(microlitres).removesuffix(" mL")
    assert "E" not in figure.upper()
    assert len(figure.partition(".")[2]) <= LEDGER_ML_PLACES
    assert Decimal(figure) * 1000 == microlitres


def test_a_negative_change_keeps_its_sign() -> None:
    assert ml_text(Decimal("-1.5")) == "-1.5 mL"
    assert microlitres_ml_text(-4) == "-< 0.01 mL"
    assert rounded_figure(Decimal("-0.000"), places=2) == "0"


def test_a_figure_that_is_not_a_number_shows_as_such() -> None:
    assert rounded_figure(Decimal("NaN"), places=2) == "NaN"


_AMOUNTS = st.decimals(
    allow_nan=False, allow_infinity=False, min_value=-(10**6), max_value=10**6, places=6
)


@given(_AMOUNTS)
def test_a_dose_never_has_an_exponent_a_trailing_zero_or_a_third_decimal(value: Decimal) -> None:
    figure = mg_text(value).removesuffix(" mg").lstrip("-< ")
    assert "E" not in figure.upper()
    assert not ("." in figure and figure.endswith("0"))
    assert len(figure.partition(".")[2]) <= MG_PLACES
    assert not figure.startswith(".")  # always a leading zero


@given(_AMOUNTS)
def test_a_written_amount_reads_back_within_half_a_hundredth(value: Decimal) -> None:
    for text, unit in ((mg_text(value), " mg"), (ml_text(value), " mL")):
        figure = text.removesuffix(unit)
        if "<" in figure:
            assert 0 < abs(value) < _HALF_STEP
            continue
        assert len(figure.partition(".")[2]) <= ML_PLACES
        assert abs(Decimal(figure) - value) <= _HALF_STEP


@given(st.integers(min_value=0, max_value=50_000))
def test_a_ledger_volume_reads_back_within_half_a_hundredth_of_a_ml(microlitres: int) -> None:
    figure = microlitres_ml_text(microlitres).removesuffix(" mL")
    if figure.startswith("<"):
        assert 0 < microlitres < 5
    else:
        assert abs(Decimal(figure) * 1000 - microlitres) <= 5


@given(st.integers(min_value=0, max_value=10**6).map(lambda n: Decimal(n).scaleb(-MG_PLACES)))
def test_a_dose_charted_to_the_hundredth_is_written_exactly(value: Decimal) -> None:
    assert Decimal(mg_text(value).removesuffix(" mg")) == value
