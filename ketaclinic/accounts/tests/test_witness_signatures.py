"""A witness signs by typing their own password on a colleague's form or API call. Wrong
passwords are audited and pause that witness's signing from that address; they never touch the
witness's own sign-in. (Issue 13 item 8.)"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.urls import reverse

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import AuditAction, AuditEvent, AuditOutcome
from ketaclinic.core.errors import InvalidInput, RateLimited
from ketaclinic.core.request_context import (
    RequestContext,
    reset_request_context,
    set_request_context,
)
from ketaclinic.inventory.stock_forms import witness_signature_check
from ketaclinic.testing.factories import TEST_PASSWORD
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
WARD = "198.51.100.10"
START = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def frozen() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _request(personas: Personas, address: str = WARD) -> HttpRequest:
    """The recording nurse's request, as the middleware leaves it."""
    request = RequestFactory().post("/staff/inventory/", REMOTE_ADDR=address)
    request.user = personas.nina
    request.clinic = personas.clinic
    return request


def _sign(request: HttpRequest, witness: User, password: str) -> None:
    token = set_request_context(
        RequestContext(request_id="test", source_ip=request.META["REMOTE_ADDR"])
    )
    try:
        witness_signature_check(
            request=request, witness=witness, password=password, field="witness_password"
        )
    finally:
        reset_request_context(token)


def _signs_in(user: User, address: str = WARD) -> bool:
    response = Client(REMOTE_ADDR=address).post(
        LOGIN, {"login": user.email, "password": TEST_PASSWORD}
    )
    return response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")


def test_the_right_password_signs(personas: Personas) -> None:
    _sign(_request(personas), personas.bob, TEST_PASSWORD)
    assert not AuditEvent.objects.filter(action=AuditAction.WITNESS_SIGNATURE_FAILED).exists()


def test_wrong_witness_passwords_never_lock_the_witness_out_of_sign_in(
    personas: Personas,
) -> None:
    for _ in range(10):
        with pytest.raises((InvalidInput, RateLimited)):
            _sign(_request(personas), personas.bob, "guess-guess-guess")
    assert _signs_in(personas.bob)  # from the very same address
    assert not AuditEvent.objects.filter(action=AuditAction.ACCOUNT_LOCKED).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED).exists()


def test_each_wrong_password_is_audited_naming_the_witness(personas: Personas) -> None:
    with pytest.raises(InvalidInput) as refusal:
        _sign(_request(personas), personas.bob, "guess-guess-guess")
    assert refusal.value.fields == {"witness_password": [refusal.value.message]}
    assert "not Bob Physician's password" in refusal.value.message
    event = AuditEvent.objects.get(action=AuditAction.WITNESS_SIGNATURE_FAILED)
    assert event.outcome == AuditOutcome.FAILED
    assert event.actor_id == personas.nina.pk
    assert event.clinic_id == personas.clinic.pk
    assert event.object_id == str(personas.bob.pk)
    assert event.source_ip == WARD


def test_five_wrong_passwords_pause_signing_for_fifteen_minutes(
    personas: Personas, frozen: Any
) -> None:
    for _ in range(4):
        with pytest.raises(InvalidInput):
            _sign(_request(personas), personas.bob, "guess-guess-guess")
    with pytest.raises(RateLimited) as fifth:  # said at once, not on the next try
        _sign(_request(personas), personas.bob, "guess-guess-guess")
    assert "paused for 15 minutes" in fifth.value.message
    with pytest.raises(RateLimited) as paused:
        _sign(_request(personas), personas.bob, TEST_PASSWORD)  # even the right one
    assert "Bob Physician cannot sign now" in paused.value.message
    assert "Nothing was recorded" in paused.value.message
    assert paused.value.fields == {"witness_password": [paused.value.message]}
    locked = AuditEvent.objects.filter(action=AuditAction.WITNESS_SIGNATURE_LOCKED)
    assert locked.count() == 2  # the pause, and the refused signature
    assert AuditEvent.objects.filter(action=AuditAction.WITNESS_SIGNATURE_FAILED).count() == 5
    assert {event.object_id for event in locked} == {str(personas.bob.pk)}
    # Another address is not paused; and after the cool-off, here neither.
    _sign(_request(personas, address="192.0.2.80"), personas.bob, TEST_PASSWORD)
    frozen.shift(datetime.timedelta(minutes=16))
    _sign(_request(personas), personas.bob, TEST_PASSWORD)


def test_an_inactive_witness_cannot_sign_even_with_the_right_password(
    personas: Personas,
) -> None:
    personas.bob.is_active = False
    personas.bob.save()
    with pytest.raises(InvalidInput):
        _sign(_request(personas), personas.bob, TEST_PASSWORD)


def test_a_witness_whose_sign_in_is_locked_here_cannot_sign_here(personas: Personas) -> None:
    at_ward = Client(REMOTE_ADDR=WARD)
    for _ in range(5):
        at_ward.post(LOGIN, {"login": personas.bob.email, "password": "guess-guess-guess"})
    with pytest.raises(RateLimited) as refusal:
        _sign(_request(personas), personas.bob, TEST_PASSWORD)
    assert "cannot sign now" in refusal.value.message
    _sign(_request(personas, address="192.0.2.80"), personas.bob, TEST_PASSWORD)


def test_a_colleagues_api_calls_with_wrong_passwords_leave_the_witness_sign_in_alone(
    personas: Personas, client_for: Any
) -> None:
    """The report: three wrong witness passwords in another nurse's API call locked the witness."""
    client = client_for(personas.nina)
    body = {
        "kind": "initial",
        "timing": "opening",
        "witness_id": personas.bob.pk,
        "witness_password": "guess-guess-guess",
        "entries": [],
    }
    statuses = [
        client.post(
            "/api/v1/inventory/counts", json.dumps(body), content_type="application/json"
        ).status_code
        for _ in range(10)
    ]
    assert statuses == [400] * 4 + [429] * 6
    assert _signs_in(personas.bob, address="127.0.0.1")
