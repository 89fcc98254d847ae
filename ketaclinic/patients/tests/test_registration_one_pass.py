"""Registration names every problem in one submit, the date of birth's included (issue 16,
item 3): before, a date in the future was named only once the other fields were right."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from ketaclinic.patients.models import Patient
from ketaclinic.patients.tests.test_registration import FORM
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def test_four_wrong_fields_get_four_linked_messages_in_one_submit(
    client_for: Any, personas: Personas
) -> None:
    wrong = {
        "date_of_birth": "2999-01-01",
        "phone": "555",
        "email": "maya@",
        "state": "Colorado",
    }
    response = client_for(personas.fran).post(reverse("patients:register"), {**FORM, **wrong})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == set(wrong)
    page = response.content.decode()
    assert 'role="alert"' in page
    for field, words in (
        ("date_of_birth", "Date of birth: The date of birth is in the future."),
        ("phone", "Phone: Enter the phone number with its area code"),
        ("email", "Email: Enter a valid email address."),
        ("state", "State: Use the two-letter state code"),
    ):
        assert f'<a class="alert-link" href="#id_{field}">{words}' in page
    assert "4 things need attention" in page
    assert not Patient.objects.filter(legal_last_name="Torres").exists()


def test_the_minimum_age_is_named_beside_the_other_errors(
    client_for: Any, personas: Personas
) -> None:
    response = client_for(personas.fran).post(
        reverse("patients:register"), {**FORM, "date_of_birth": "2015-01-01", "postal_code": "1"}
    )
    errors = response.context["form"].errors
    assert "aged 18 and over" in errors["date_of_birth"][0]
    assert errors["postal_code"]
