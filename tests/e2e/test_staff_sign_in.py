"""A nurse signs in with a password and an authenticator code and reaches today's page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ketaclinic.testing.personas import make_personas
from tests.e2e.helpers import current_code, sign_in_staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_sign_in_with_password_and_authenticator_code(page: Any) -> None:
    personas = make_personas()
    sign_in_staff(page, personas.nina.email)
    expect(page.get_by_role("heading", name="Clinic A")).to_be_visible()
    expect(page.get_by_role("link", name="Patients", exact=True)).to_be_visible()
    assert page.outside_requests == []


def test_a_wrong_code_keeps_the_nurse_out(page: Any) -> None:
    personas = make_personas()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(personas.nina.email)
    page.get_by_label("Password").fill("correct-horse-battery-staple-42")
    page.get_by_role("button", name="Sign in").click()
    wrong = "000000" if current_code() != "000000" else "111111"
    page.get_by_label("Authenticator code").fill(wrong)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("Incorrect code")).to_be_visible()
    page.goto("/staff/")
    # Still half-way: the staff page sends the nurse back to finish the second step.
    assert "/accounts/" in page.url
    expect(page.get_by_role("link", name="Patients", exact=True)).to_be_hidden()
