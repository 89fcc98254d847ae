"""The patient portal shows a patient their own record and nobody else's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ketaclinic.accounts.roles import Role
from ketaclinic.patients.models import JourneyStage
from ketaclinic.testing.factories import UserFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def test_a_patient_sees_their_own_record_and_next_step(client_for, personas: Personas) -> None:
    personas.pat.journey_stage = JourneyStage.APPROVED
    personas.pat.save()
    response = client_for(personas.pat_user).get(reverse("portal:home"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Hello, Pat" in page
    assert "someone must drive you home" in page
    assert personas.clinic.phone in page
    assert personas.quinn.legal_first_name not in page
    assert "988" in page
    assert response["Cache-Control"] == "no-store"


def test_an_account_without_a_patient_record_gets_a_clear_refusal(client_for, db: None) -> None:
    response = client_for(UserFactory()).get(reverse("portal:home"))
    assert response.status_code == 404
    assert "not linked to a patient record" in response.content.decode()


@pytest.mark.parametrize("role", list(Role))
def test_staff_opening_the_portal_go_to_their_own_home(
    client_for, personas: Personas, role: Role
) -> None:
    response = client_for(personas.staff_by_role()[role]).get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_the_portal_needs_a_signed_in_patient(client, db: None) -> None:
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
