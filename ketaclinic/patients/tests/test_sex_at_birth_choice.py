"""Sex at birth is chosen, never defaulted (issue 16, item 10): the registration form opens on an
empty "Choose…" and refuses to register until the front desk picks one."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from ketaclinic.patients.forms import PatientRegistrationForm
from ketaclinic.patients.models import Patient
from ketaclinic.patients.tests.test_registration import FORM
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def test_the_form_opens_with_nothing_chosen() -> None:
    field = PatientRegistrationForm()["sex_at_birth"]
    assert field.field.choices[0] == ("", "Choose…")
    assert field.field.required
    assert field.value() in (None, "")
    assert '<option value="" selected>Choose…</option>' in str(field)


def test_registration_without_a_sex_at_birth_is_refused_by_name(
    client_for: Any, personas: Personas
) -> None:
    response = client_for(personas.fran).post(
        reverse("patients:register"), {**FORM, "sex_at_birth": ""}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["sex_at_birth"] == ["Choose the sex at birth."]
    assert not Patient.objects.filter(legal_last_name=FORM["legal_last_name"]).exists()
