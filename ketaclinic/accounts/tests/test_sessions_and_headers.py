"""Idle and absolute session limits, password rules, and the security headers on every page."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 11, 24, 14, 0, tzinfo=datetime.UTC)


def test_a_session_ends_after_fifteen_idle_minutes(client_for, personas: Personas) -> None:
    with time_machine.travel(START, tick=False) as clock:
        client = client_for(personas.nina)
        assert client.get(reverse("home")).status_code == 200
        clock.shift(datetime.timedelta(minutes=14))
        assert client.get(reverse("home")).status_code == 200
        clock.shift(datetime.timedelta(minutes=16))
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert AuditEvent.objects.filter(
        actor_id=personas.nina.pk, action=AuditAction.SESSION_EXPIRED
    ).exists()


def test_a_busy_session_still_ends_after_twelve_hours(client_for, personas: Personas) -> None:
    with time_machine.travel(START, tick=False) as clock:
        client = client_for(personas.nina)
        for _ in range(13 * 6):  # a request every ten minutes, past twelve hours
            clock.shift(datetime.timedelta(minutes=10))
            response = client.get(reverse("home"))
            if response.status_code == 302:
                break
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    event = AuditEvent.objects.get(actor_id=personas.nina.pk, action=AuditAction.SESSION_EXPIRED)
    assert "12 hours" in event.detail["reason"]


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-pw-1", "too short"),
        ("password1234", "too common"),
        ("849302948571", "entirely numeric"),
    ],
)
def test_short_common_and_numeric_passwords_are_refused(password: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        validate_password(password)


def test_passwords_are_hashed_with_argon2() -> None:
    # The test settings hash with MD5 for speed; the production settings put Argon2 first.
    from django.contrib.auth.hashers import Argon2PasswordHasher

    from ketaclinic.config import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    hashed = Argon2PasswordHasher().encode("a-long-enough-passphrase", "somesaltvalue1234")
    assert hashed.startswith("argon2$argon2id$")


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/healthz"])
def test_every_page_sends_the_security_headers(client: Client, path: str) -> None:
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_signed_in_pages_are_never_cached(client_for, personas: Personas) -> None:
    response = client_for(personas.nina).get(reverse("patients:list"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_hsts_is_sent_under_https(client: Client, settings) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
