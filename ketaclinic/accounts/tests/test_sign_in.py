"""Sign-in: password then an authenticator code for staff, enrolment on first sign-in, lockout."""

from __future__ import annotations

import time
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from ketaclinic.audit.models import AuditAction, AuditEvent, AuditOutcome
from ketaclinic.testing.factories import TEST_PASSWORD, TEST_TOTP_SECRET
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def current_code(secret: str = TEST_TOTP_SECRET) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()  # used TOTP codes are remembered in the cache


def sign_in_with_password(client: Client, email: str, password: str = TEST_PASSWORD):
    return client.post(LOGIN, {"login": email, "password": password})


def test_staff_sign_in_asks_for_the_authenticator_code_then_lands_on_today(
    client: Client, personas: Personas
) -> None:
    response = sign_in_with_password(client, personas.nina.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # Not signed in yet: the staff home still sends us to sign in.
    assert client.get(reverse("home")).status_code == 302
    response = client.post(reverse("mfa_authenticate"), {"code": current_code()})
    assert response.status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "Clinic A" in home.content.decode()
    assert AuditEvent.objects.filter(actor_id=personas.nina.pk, action=AuditAction.SIGN_IN).exists()


def test_a_wrong_authenticator_code_is_refused_with_a_message(
    client: Client, personas: Personas
) -> None:
    sign_in_with_password(client, personas.nina.email)
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_staff_without_an_authenticator_must_enrol_before_anything_else(
    client: Client, personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    Authenticator.objects.filter(user=personas.fran).delete()
    response = sign_in_with_password(client, personas.fran.email)
    assert response.status_code == 302
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # allauth asks for the password once more before adding a second factor.
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=personas.fran, type="totp").exists()
    # allauth issues recovery codes alongside the authenticator app.
    assert Authenticator.objects.filter(user=personas.fran, type="recovery_codes").exists()
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(
        actor_id=personas.fran.pk, action=AuditAction.MFA_ENROLLED
    ).exists()


def test_a_password_alone_does_not_open_the_portal(client: Client, personas: Personas) -> None:
    """Patients confirm with an emailed one-time code (or their authenticator app) after the
    password (issue 8); the portal stays closed until then."""
    response = sign_in_with_password(client, personas.pat_user.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_confirm_login_code")
    assert client.get(reverse("portal:home")).status_code == 302


def test_wrong_password_and_unknown_account_get_the_same_answer(
    client: Client, personas: Personas
) -> None:
    wrong = sign_in_with_password(client, personas.nina.email, "not-the-password")
    unknown = sign_in_with_password(client, "nobody@clinic.test", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    wrong_errors = wrong.context["form"].non_field_errors()
    unknown_errors = unknown.context["form"].non_field_errors()
    assert wrong_errors == unknown_errors
    assert wrong_errors  # and there is a message
    failures = AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED)
    assert {event.actor_label for event in failures} == {personas.nina.email, "nobody@clinic.test"}
    assert all(event.outcome == AuditOutcome.FAILED for event in failures)


@pytest.mark.parametrize("exists", [True, False])
def test_five_failures_lock_the_account_with_one_message(
    client: Client, personas: Personas, exists: bool
) -> None:
    email = personas.nina.email if exists else "nobody@clinic.test"
    for _ in range(5):
        sign_in_with_password(client, email, "not-the-password")
    locked = sign_in_with_password(client, email, TEST_PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.ACCOUNT_LOCKED).exists()


def test_a_lockout_does_not_lock_colleagues_at_the_same_address(
    client: Client, personas: Personas
) -> None:
    for _ in range(5):
        sign_in_with_password(client, personas.nina.email, "not-the-password")
    other = Client()
    response = sign_in_with_password(other, personas.fran.email)
    assert response.status_code == 302


def test_four_failures_then_the_right_password_still_signs_in(
    client: Client, personas: Personas
) -> None:
    for _ in range(4):
        sign_in_with_password(client, personas.nina.email, "not-the-password")
    response = sign_in_with_password(client, personas.nina.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"login": "", "password": "x"}, "login"),
        ({"login": "not-an-email", "password": "x"}, "login"),
        ({"login": "a@b.test", "password": ""}, "password"),
    ],
)
def test_bad_sign_in_input_gets_a_field_message(
    client: Client, db: None, form: dict[str, str], field: str
) -> None:
    response = client.post(LOGIN, form)
    assert response.status_code == 200
    assert response.context["form"].errors[field]


def test_self_sign_up_is_closed(client: Client, db: None) -> None:
    response = client.get("/accounts/signup/")
    assert response.status_code == 200
    assert "closed" in response.content.decode().lower()


def test_staff_cannot_switch_off_their_authenticator(client: Client, personas: Personas) -> None:
    sign_in_with_password(client, personas.nina.email)
    client.post(reverse("mfa_authenticate"), {"code": current_code()})
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    response = client.post(reverse("mfa_deactivate_totp"), {})
    assert response.status_code == 200
    assert Authenticator.objects.filter(user=personas.nina, type="totp").exists()
