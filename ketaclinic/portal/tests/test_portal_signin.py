"""Patients confirm a password sign-in with an emailed one-time code, or their authenticator app
if they have one; the code is six digits, single use, expiring and limited to a few tries."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from ketaclinic.testing.factories import TEST_PASSWORD, TEST_TOTP_SECRET
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
CONFIRM = reverse("account_confirm_login_code")


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _sign_in(client: Client, email: str) -> Any:
    return client.post(LOGIN, {"login": email, "password": TEST_PASSWORD})


def _emailed_code() -> str:
    assert len(mail.outbox) == 1
    found = re.findall(r"^\s*(\d{6})\s*$", mail.outbox[0].body, flags=re.MULTILINE)
    assert len(found) == 1
    return found[0]


def test_a_patient_confirms_their_password_with_an_emailed_code(
    client: Client, personas: Personas
) -> None:
    response = _sign_in(client, personas.pat_user.email)
    assert response.status_code == 302
    assert response["Location"] == CONFIRM
    # Not signed in yet: the portal sends them back to sign in.
    assert client.get(reverse("portal:home"))["Location"].startswith(LOGIN)
    code = _emailed_code()
    assert mail.outbox[0].to == [personas.pat_user.email]
    assert personas.pat.legal_last_name not in mail.outbox[0].body
    response = client.post(CONFIRM, {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("portal:home")).status_code == 200


def test_a_wrong_code_is_refused_and_three_wrong_codes_end_the_attempt(
    client: Client, personas: Personas
) -> None:
    _sign_in(client, personas.pat_user.email)
    code = _emailed_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(2):
        assert client.post(CONFIRM, {"code": wrong}).status_code == 200
    client.post(CONFIRM, {"code": wrong})
    # The attempt is over: even the right code no longer signs in.
    client.post(CONFIRM, {"code": code})
    assert client.get(reverse("portal:home"))["Location"].startswith(LOGIN)


def test_a_code_is_single_use(client: Client, personas: Personas) -> None:
    _sign_in(client, personas.pat_user.email)
    code = _emailed_code()
    client.post(CONFIRM, {"code": code})
    client.post(reverse("account_logout"))
    other = Client()
    other.post(CONFIRM, {"code": code})
    assert other.get(reverse("portal:home"))["Location"].startswith(LOGIN)


def test_a_code_expires(client: Client, personas: Personas, settings: Any) -> None:
    _sign_in(client, personas.pat_user.email)
    code = _emailed_code()
    real = time.time
    try:
        time.time = lambda: real() + 301
        client.post(CONFIRM, {"code": code})
    finally:
        time.time = real
    assert client.get(reverse("portal:home"))["Location"].startswith(LOGIN)


def test_a_patient_with_an_authenticator_app_uses_it_instead(
    client: Client, personas: Personas
) -> None:
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(personas.pat_user, TEST_TOTP_SECRET)
    response = _sign_in(client, personas.pat_user.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert mail.outbox == []
    code = format_hotp_value(hotp_value(TEST_TOTP_SECRET, int(time.time()) // 30))
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert client.get(reverse("portal:home")).status_code == 200
    assert Authenticator.objects.filter(user=personas.pat_user).exists()


def test_staff_are_not_sent_an_email_code(client: Client, personas: Personas) -> None:
    response = _sign_in(client, personas.nina.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert mail.outbox == []
