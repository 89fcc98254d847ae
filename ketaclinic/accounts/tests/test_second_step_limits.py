"""The second step of sign-in (authenticator code, recovery code, a patient's emailed code):
every wrong code is audited, and after a few the step is paused for that account at that address,
the right code included. (Issue 13 item 8.)"""

from __future__ import annotations

import datetime
import re
import time
from typing import Any

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from ketaclinic.audit.models import AuditAction, AuditEvent, AuditOutcome
from ketaclinic.testing.factories import TEST_PASSWORD, TEST_TOTP_SECRET
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
SECOND_STEP = reverse("mfa_authenticate")
CONFIRM_CODE = reverse("account_confirm_login_code")
START = datetime.datetime(2025, 3, 3, 9, 0, 10, tzinfo=datetime.UTC)
CLINIC = "198.51.100.10"
PAUSED = "paused for 15 minutes"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _code_now() -> str:
    return format_hotp_value(hotp_value(TEST_TOTP_SECRET, int(time.time()) // 30))


def _wrong_code() -> str:
    right = _code_now()
    return "000000" if right != "000000" else "111111"


def _at_second_step(email: str, address: str = "127.0.0.1") -> Client:
    client = Client(REMOTE_ADDR=address)
    response = client.post(LOGIN, {"login": email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


def _signed_in(client: Client) -> bool:
    return client.get(reverse("home")).status_code == 200


def test_each_wrong_code_is_audited_with_the_account_and_address(
    personas: Personas, frozen: Any
) -> None:
    client = _at_second_step(personas.nina.email, CLINIC)
    client.post(SECOND_STEP, {"code": _wrong_code()})
    client.post(SECOND_STEP, {"code": "not-a-recovery-code"})
    failures = AuditEvent.objects.filter(action=AuditAction.MFA_FAILED)
    assert failures.count() == 2
    for event in failures:
        assert event.outcome == AuditOutcome.FAILED
        assert event.actor_id == personas.nina.pk
        assert event.source_ip == CLINIC


def test_five_wrong_codes_pause_the_second_step_even_for_the_right_code(
    personas: Personas, frozen: Any
) -> None:
    client = _at_second_step(personas.nina.email)
    for _ in range(4):
        assert PAUSED not in client.post(SECOND_STEP, {"code": _wrong_code()}).content.decode()
    fifth = client.post(SECOND_STEP, {"code": _wrong_code()})
    assert PAUSED in fifth.content.decode()  # said at once, not on the next try
    right = client.post(SECOND_STEP, {"code": _code_now()})
    assert right.status_code == 200
    assert PAUSED in right.content.decode()
    assert not _signed_in(client)
    locked = AuditEvent.objects.filter(action=AuditAction.MFA_LOCKED, actor_id=personas.nina.pk)
    assert locked.count() == 2  # when the pause began, and the refused right code
    assert {event.outcome for event in locked} == {AuditOutcome.REFUSED}
    assert AuditEvent.objects.filter(action=AuditAction.MFA_FAILED).count() == 5


def test_the_pause_is_for_that_address_and_lifts_after_the_cool_off(
    personas: Personas, frozen: Any
) -> None:
    client = _at_second_step(personas.nina.email)
    for _ in range(5):
        client.post(SECOND_STEP, {"code": _wrong_code()})
    elsewhere = _at_second_step(personas.nina.email, CLINIC)
    elsewhere.post(SECOND_STEP, {"code": _code_now()})
    assert _signed_in(elsewhere)
    frozen.shift(datetime.timedelta(minutes=14))
    again = _at_second_step(personas.nina.email)
    assert PAUSED in again.post(SECOND_STEP, {"code": _code_now()}).content.decode()
    frozen.shift(datetime.timedelta(minutes=2))
    again = _at_second_step(personas.nina.email)
    again.post(SECOND_STEP, {"code": _code_now()})
    assert _signed_in(again)


def test_a_recovery_code_is_refused_while_paused(personas: Personas, frozen: Any) -> None:
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    recovery = RecoveryCodes.activate(personas.nina)
    client = _at_second_step(personas.nina.email)
    for _ in range(5):
        client.post(SECOND_STEP, {"code": _wrong_code()})
    response = client.post(SECOND_STEP, {"code": recovery.get_unused_codes()[0]})
    assert PAUSED in response.content.decode()
    assert not _signed_in(client)


def test_many_addresses_together_meet_the_accounts_own_limit(
    personas: Personas, frozen: Any, settings: Any
) -> None:
    """Someone who has the password cannot spread guesses over many addresses: the account has
    its own, higher, limit (allauth's), which is audited too."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "6/h/key"}
    for host in (1, 2, 3):
        client = _at_second_step(personas.nina.email, f"192.0.2.{host}")
        for _ in range(2):
            client.post(SECOND_STEP, {"code": _wrong_code()})
    client = _at_second_step(personas.nina.email, "192.0.2.50")
    response = client.post(SECOND_STEP, {"code": _code_now()})
    assert "Too many failed login attempts" in response.content.decode()
    assert not _signed_in(client)
    assert AuditEvent.objects.filter(
        action=AuditAction.MFA_LOCKED, actor_id=personas.nina.pk, detail__scope="account"
    ).exists()


def test_wrong_codes_when_confirming_it_is_you_are_audited(
    personas: Personas, client_for: Any, frozen: Any
) -> None:
    client = client_for(personas.nina)
    response = client.post(reverse("mfa_reauthenticate"), {"code": _wrong_code()})
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.MFA_FAILED)
    assert event.actor_id == personas.nina.pk
    assert event.detail["reauthentication"] is True


# --- patients: the emailed code ----------------------------------------------------------------


def _newest_emailed_code() -> str:
    found = re.findall(r"^\s*(\d{6})\s*$", mail.outbox[-1].body, flags=re.MULTILINE)
    assert len(found) == 1
    return found[0]


def test_wrong_emailed_codes_are_audited_and_pause_the_second_step(personas: Personas) -> None:
    patient = personas.pat_user
    client = _at_second_step(patient.email)
    wrong = "000000" if _newest_emailed_code() != "000000" else "111111"
    for _ in range(3):  # allauth ends the attempt after three
        client.post(CONFIRM_CODE, {"code": wrong})
    client = _at_second_step(patient.email)
    for _ in range(2):
        client.post(CONFIRM_CODE, {"code": wrong})
    failures = AuditEvent.objects.filter(action=AuditAction.MFA_FAILED, actor_id=patient.pk)
    assert failures.count() == 5
    assert AuditEvent.objects.filter(action=AuditAction.MFA_LOCKED, actor_id=patient.pk).exists()
    client = _at_second_step(patient.email)
    response = client.post(CONFIRM_CODE, {"code": _newest_emailed_code()}, follow=True)
    assert PAUSED in response.content.decode()
    assert client.get(reverse("portal:home")).status_code == 302
    # From another address the patient signs in as usual.
    elsewhere = _at_second_step(patient.email, CLINIC)
    elsewhere.post(CONFIRM_CODE, {"code": _newest_emailed_code()})
    assert elsewhere.get(reverse("portal:home")).status_code == 200
