"""Every intake form that takes a dose or a measurement, staff's and the patient's, refuses a
number typed with an exponent ("5e1") or not a number, instead of reading "5e1" as 50 (issue 13
item 3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms

from ketaclinic.core.forms import PLAIN_NUMBER
from ketaclinic.intake.forms import (
    IntakeForm,
    IntakeMeasurementsForm,
    MedicationForm,
    PatientIntakeForm,
    PatientMedicationForm,
    PatientTrialForm,
    TrialForm,
)

TRIAL = {"drug": "sertraline", "weeks_at_dose": "8", "outcome": "no_response"}
NUMBERS: list[tuple[type[forms.Form], str, dict[str, str]]] = [
    (IntakeForm, "height_cm", {}),
    (IntakeForm, "weight_kg", {}),
    (IntakeMeasurementsForm, "weight_kg", {}),
    (PatientIntakeForm, "weight_kg", {}),
    (TrialForm, "highest_dose_mg", TRIAL),
    (PatientTrialForm, "highest_dose_mg", TRIAL),
    (MedicationForm, "dose_mg", {"name": "sertraline"}),
    (PatientMedicationForm, "dose_mg", {"name": "sertraline"}),
]


@pytest.mark.parametrize(("form_class", "field", "other"), NUMBERS)
@pytest.mark.parametrize("typed", ["5e1", "1E+2", "NaN", "Infinity"])
def test_a_number_with_an_exponent_is_refused_with_a_clear_message(
    form_class: type[forms.Form], field: str, other: dict[str, str], typed: str
) -> None:
    form = form_class(data={**other, field: typed})
    assert not form.is_valid()
    assert form.errors[field] == [PLAIN_NUMBER]


@pytest.mark.parametrize(("form_class", "field", "other"), NUMBERS)
def test_a_plain_number_is_read_as_typed(
    form_class: type[forms.Form], field: str, other: dict[str, str]
) -> None:
    # 150: a plausible height (cm), weight (kg) and dose (mg) alike (medicine/'s entry limits).
    form = form_class(data={**other, field: "150"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data[field] == Decimal("150")
