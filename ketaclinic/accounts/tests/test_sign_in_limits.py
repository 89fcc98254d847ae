"""Who a failed password can lock out: the account from that address, never from elsewhere.

django-axes locks the combination of account and address; one address that tries many accounts
is paused as an address, without locking any account; the answers never tell whether an account
exists. (Issue 13 item 8.)
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from ketaclinic.audit.models import AuditAction, AuditEvent, AuditOutcome
from ketaclinic.testing.factories import TEST_PASSWORD
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
STRANGER = "203.0.113.66"
CLINIC = "198.51.100.10"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _client(address: str, **headers: str) -> Client:
    return Client(REMOTE_ADDR=address, **headers)


def _sign_in(client: Client, email: str, password: str = TEST_PASSWORD) -> Any:
    return client.post(LOGIN, {"login": email, "password": password})


def _assert_password_accepted(response: Any) -> None:
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")


def client_is_not_signed_in(client: Client) -> bool:
    return client.get(reverse("home")).status_code == 302


def test_a_stranger_elsewhere_cannot_lock_a_nurse_out(personas: Personas) -> None:
    stranger = _client(STRANGER)
    for _ in range(8):
        _sign_in(stranger, personas.nina.email, "guess-guess-guess")
    assert _sign_in(stranger, personas.nina.email).status_code == 429  # locked there
    _assert_password_accepted(_sign_in(_client(CLINIC), personas.nina.email))


def test_her_own_typos_at_the_clinic_lock_her_there(personas: Personas) -> None:
    """Intended: five typos from the clinic's address pause her sign-in from that address."""
    at_clinic = _client(CLINIC)
    for _ in range(5):
        _sign_in(at_clinic, personas.nina.email, "typo")
    locked = _sign_in(at_clinic, personas.nina.email)
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    _assert_password_accepted(_sign_in(_client("192.0.2.44"), personas.nina.email))


def test_behind_a_trusted_proxy_the_lock_is_for_the_forwarded_address(
    personas: Personas, settings: Any
) -> None:
    """Every request arrives from the proxy: the lock must use the client's address it reports."""
    settings.AXES_IPWARE_PROXY_COUNT = 1
    stranger = _client("10.0.0.2", HTTP_X_FORWARDED_FOR=STRANGER)
    for _ in range(6):
        _sign_in(stranger, personas.nina.email, "guess-guess-guess")
    assert _sign_in(stranger, personas.nina.email).status_code == 429
    at_clinic = _client("10.0.0.2", HTTP_X_FORWARDED_FOR=CLINIC)
    _assert_password_accepted(_sign_in(at_clinic, personas.nina.email))


def test_changing_addresses_within_one_ipv6_network_does_not_escape_the_lock(
    personas: Personas,
) -> None:
    """An IPv6 household or phone has a whole /64: it counts as one address."""
    for host in range(1, 6):
        _sign_in(_client(f"2001:db8:5:7::{host}"), personas.nina.email, "guess-guess-guess")
    assert _sign_in(_client("2001:db8:5:7::99"), personas.nina.email).status_code == 429
    _assert_password_accepted(_sign_in(_client("2001:db8:5:8::1"), personas.nina.email))


def test_one_address_trying_many_accounts_is_paused_without_locking_them(
    personas: Personas, settings: Any
) -> None:
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 6
    stranger = _client(STRANGER)
    targets = [personas.nina.email, personas.bob.email, "nobody@clinic.test"]
    for email in targets * 2:  # two failures each: no account reaches its own lock
        assert _sign_in(stranger, email, "guess-guess-guess").status_code == 200
    known = _sign_in(stranger, personas.alice.email)  # even the right password
    unknown = _sign_in(stranger, "nobody-else@clinic.test", "guess-guess-guess")
    assert known.status_code == unknown.status_code == 200
    known_errors = known.context["form"].non_field_errors()
    assert known_errors == unknown.context["form"].non_field_errors()
    assert "from this network" in known_errors[0]
    assert "from this network" in known.content.decode()
    assert client_is_not_signed_in(stranger)
    # The accounts themselves are not locked: from elsewhere their passwords work.
    for user in (personas.nina, personas.bob, personas.alice):
        _assert_password_accepted(_sign_in(_client(CLINIC), user.email))
    paused = AuditEvent.objects.get(action=AuditAction.SIGN_IN_ADDRESS_PAUSED)
    assert paused.outcome == AuditOutcome.REFUSED
    assert paused.source_ip == STRANGER
    refused = AuditEvent.objects.filter(
        action=AuditAction.SIGN_IN_FAILED, outcome=AuditOutcome.REFUSED
    )
    assert {event.actor_label for event in refused} == {
        personas.alice.email,
        "nobody-else@clinic.test",
    }


def test_successful_sign_ins_do_not_count_towards_the_address_pause(
    personas: Personas, settings: Any
) -> None:
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 3
    at_clinic = _client(CLINIC)
    for user in (personas.nina, personas.bob, personas.alice, personas.fran, personas.ada):
        _assert_password_accepted(_sign_in(at_clinic, user.email))
        at_clinic.post(reverse("account_logout"))
    assert not AuditEvent.objects.filter(action=AuditAction.SIGN_IN_ADDRESS_PAUSED).exists()


def test_a_wrong_current_password_on_the_change_form_counts_like_a_sign_in(
    personas: Personas, client_for: Any
) -> None:
    """Changing one's password asks for the current one: audited and limited like a sign-in, and
    only this account at this address is paused."""
    client = client_for(personas.nina)
    form = {"oldpassword": "guess-guess-guess", "password1": "a-new-long-passphrase-9"}
    form["password2"] = form["password1"]
    for _ in range(5):
        client.post(reverse("account_change_password"), form)
    failures = AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED)
    assert failures.count() == 5
    assert {event.actor_label for event in failures} == {personas.nina.email}
    right = dict(form, oldpassword=TEST_PASSWORD)
    client.post(reverse("account_change_password"), right)
    personas.nina.refresh_from_db()
    assert personas.nina.check_password(TEST_PASSWORD)  # paused: nothing changed
    _assert_password_accepted(_sign_in(_client(CLINIC), personas.nina.email))
