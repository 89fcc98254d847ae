"""Steps shared by the browser journeys."""

from __future__ import annotations

import time
from typing import Any

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from ketaclinic.testing.factories import TEST_PASSWORD, TEST_TOTP_SECRET


def current_code() -> str:
    return format_hotp_value(hotp_value(TEST_TOTP_SECRET, int(time.time()) // 30))


def sign_in_staff(page: Any, email: str) -> None:
    """Password, then the authenticator code, as a person would type them."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Authenticator code").fill(current_code())
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/staff/")
