"""Doses on the course pages are written as a clinician writes them ("10", never "1E+1"), and a
dose typed with an exponent ("5e1") is refused, not read as 50 (issue 13 item 3)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from ketaclinic.consent.models import Treatment
from ketaclinic.core.forms import PLAIN_NUMBER
from ketaclinic.courses.forms import CourseForm, DoseOrderForm
from ketaclinic.courses.models import DoseOrder, TreatmentCourse
from ketaclinic.courses.services import dose_order_sign
from ketaclinic.courses.tests.support import consent, course_for
from ketaclinic.medicine.protocols import IV_KETAMINE_DEPRESSION
from ketaclinic.testing.clinical import approve
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def test_the_course_page_writes_round_doses_in_plain_digits(
    client_for: Any, personas: Personas
) -> None:
    course = course_for(personas)
    order = dose_order_sign(acting_user=personas.bob, course=course, dose=Decimal("0.5"))
    # Doses whose last digit is a zero: Decimal.normalize() wrote them "1E+1" and "2E+1".
    TreatmentCourse.objects.filter(pk=course.pk).update(starting_dose=Decimal("10"))
    DoseOrder.objects.filter(pk=order.pk).update(dose=Decimal("20"))
    page = client_for(personas.bob).get(reverse("courses:detail", args=[course.pk]))
    text = page.content.decode()
    assert "10 mg/kg" in text
    assert "20 mg/kg" in text
    assert "E+" not in text


def test_the_plan_page_writes_the_protocols_figures_in_plain_digits(
    client_for: Any, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    approve(personas, personas.pat)
    consent(personas, personas.pat, Treatment.IV_KETAMINE)
    round_figures = dataclasses.replace(
        IV_KETAMINE_DEPRESSION, starting_dose=Decimal("0.50"), cap=Decimal("10.0")
    )
    monkeypatch.setattr("ketaclinic.courses.views.protocol_get", lambda key: round_figures)
    page = client_for(personas.bob).get(reverse("courses:new", args=[personas.pat.pk]))
    text = page.content.decode()
    assert "starting dose 0.5 mg/kg, cap 10 mg/kg" in text
    assert "E+" not in text


@pytest.mark.parametrize("typed", ["5e1", "5E-1", "NaN", "Infinity", "1,5"])
def test_a_dose_with_an_exponent_or_not_a_number_is_refused(typed: str) -> None:
    plan = CourseForm(
        data={
            "target_infusions": "6",
            "starting_dose": typed,
            "titration_plan": "Ladder.",
            "booster_plan": "As needed.",
        },
        dose_unit="mg/kg",
        needs_rems=False,
    )
    assert not plan.is_valid()
    assert plan.errors["starting_dose"] == [PLAIN_NUMBER]
    order = DoseOrderForm(data={"dose": typed, "valid_days": "30"}, dose_unit="mg/kg")
    assert not order.is_valid()
    assert order.errors["dose"] == [PLAIN_NUMBER]


def test_a_plain_dose_is_read_as_typed() -> None:
    order = DoseOrderForm(data={"dose": " 0.75 ", "valid_days": "30"}, dose_unit="mg/kg")
    assert order.is_valid(), order.errors
    assert order.cleaned_data["dose"] == Decimal("0.75")
