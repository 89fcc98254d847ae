"""Token authentication: header parsing, refusals (answered 401 and audited), the acting clinic."""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from ketaclinic.accounts.models import StaffMembership
from ketaclinic.accounts.roles import Role
from ketaclinic.api.authentication import INVALID_TOKEN, MALFORMED_HEADER, RefusalReason
from ketaclinic.api.models import ApiToken
from ketaclinic.api.services import api_token_revoke
from ketaclinic.api.tests.support import assert_error_shape, get, token_for
from ketaclinic.audit.models import AuditAction, AuditEvent, AuditOutcome
from ketaclinic.clinics.selectors import ACTIVE_CLINIC_SESSION_KEY
from ketaclinic.testing.factories import MembershipFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

A_WELL_FORMED_SECRET = "x" * 43


def refusals() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REFUSED))


def test_a_call_without_credentials_is_401_with_a_challenge(client: Client) -> None:
    response = get(client, "patients")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Token realm="ketaclinic"'
    body = assert_error_shape(response, "not_authenticated")
    assert "Authorization: Token <prefix>.<secret>" in body["error"]["message"]


@pytest.mark.parametrize(
    "header",
    [
        "Token",
        "Token a b",
        "Token nodot",
        "Token .",
        "Token \u00e9.x",
        "Token 0123456789ab.",
        "Token 0123456789ab.short",
        "Token 0123456789ab.has spaces-in-it-but-long-enough",
        "Token 0123456789ab.bad!characters-but-long-enough",
        "Token 0123456789AB." + A_WELL_FORMED_SECRET,
        "Token a\x00b.c",  # PostgreSQL would reject the NUL byte: refused before any query
    ],
)
def test_a_malformed_token_header_gets_a_clear_401(client: Client, header: str) -> None:
    response = client.get("/api/v1/patients", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Token realm="ketaclinic"'
    body = assert_error_shape(response, "authentication_failed")
    assert body["error"]["message"] == MALFORMED_HEADER
    [refusal] = refusals()
    assert refusal.detail == {"reason": RefusalReason.MALFORMED, "prefix": ""}


@pytest.mark.parametrize("header", ["Bearer abc.def", "Basic dXNlcjpwYXNz", "Tokens abc.def"])
def test_another_scheme_gets_a_401_that_names_the_right_one(client: Client, header: str) -> None:
    response = client.get("/api/v1/patients", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Token realm="ketaclinic"'
    message = assert_error_shape(response, "not_authenticated")["error"]["message"]
    assert f"“{header.split()[0]}” scheme" in message
    assert "Authorization: Token <prefix>.<secret>" in message


def test_a_token_sent_without_its_scheme_is_not_echoed_back(
    client: Client, personas: Personas
) -> None:
    plaintext = token_for(personas, personas.fran)
    response = client.get("/api/v1/patients", HTTP_AUTHORIZATION=plaintext)
    assert response.status_code == 401
    message = assert_error_shape(response, "not_authenticated")["error"]["message"]
    assert "an unknown scheme" in message
    assert plaintext.split(".")[0] not in response.content.decode()


def test_the_scheme_name_is_case_insensitive(client: Client, personas: Personas) -> None:
    plaintext = token_for(personas, personas.fran)
    response = client.get("/api/v1/patients", HTTP_AUTHORIZATION=f"token {plaintext}")
    assert response.status_code == 200


def test_the_plaintext_is_never_stored_only_its_hash(personas: Personas) -> None:
    plaintext = token_for(personas, personas.fran)
    prefix, secret = plaintext.split(".")
    token = ApiToken.objects.get(prefix=prefix)
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = json.dumps(list(ApiToken.objects.values()), default=str)
    assert secret not in stored
    audit = json.dumps(list(AuditEvent.objects.values()), default=str)
    assert secret not in audit


def _unknown_prefix(plaintext: str, personas: Personas) -> str:
    return "0123456789ab." + plaintext.split(".")[1]


def _wrong_secret(plaintext: str, personas: Personas) -> str:
    return plaintext.split(".")[0] + "." + A_WELL_FORMED_SECRET


def _revoked(plaintext: str, personas: Personas) -> str:
    token = ApiToken.objects.get(prefix=plaintext.split(".")[0])
    api_token_revoke(acting_user=personas.ada, token=token)
    return plaintext


def _expired(plaintext: str, personas: Personas) -> str:
    ApiToken.objects.filter(prefix=plaintext.split(".")[0]).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    return plaintext


def _user_inactive(plaintext: str, personas: Personas) -> str:
    personas.fran.is_active = False
    personas.fran.save(update_fields=["is_active"])
    return plaintext


def _left_the_clinic(plaintext: str, personas: Personas) -> str:
    StaffMembership.objects.filter(user=personas.fran).update(is_active=False)
    return plaintext


def _clinic_closed(plaintext: str, personas: Personas) -> str:
    personas.clinic.is_active = False
    personas.clinic.save(update_fields=["is_active"])
    return plaintext


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (_unknown_prefix, RefusalReason.UNKNOWN_PREFIX),
        (_wrong_secret, RefusalReason.WRONG_SECRET),
        (_revoked, RefusalReason.REVOKED),
        (_expired, RefusalReason.EXPIRED),
        (_user_inactive, RefusalReason.USER_INACTIVE),
        (_left_the_clinic, RefusalReason.NOT_AT_CLINIC),
        (_clinic_closed, RefusalReason.NOT_AT_CLINIC),
    ],
)
def test_a_bad_token_is_refused_with_one_message_and_audited_without_its_secret(
    client: Client, personas: Personas, spoil: Any, reason: RefusalReason
) -> None:
    plaintext = spoil(token_for(personas, personas.fran), personas)
    response = get(client, "patients", plaintext)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Token realm="ketaclinic"'
    body = assert_error_shape(response, "authentication_failed")
    # The same sentence whatever the reason: a caller cannot probe which tokens exist.
    assert body["error"]["message"] == INVALID_TOKEN
    [refusal] = refusals()
    assert refusal.outcome == AuditOutcome.REFUSED
    assert refusal.detail == {"reason": reason, "prefix": plaintext.split(".")[0]}
    assert plaintext.split(".")[1] not in json.dumps(refusal.detail)
    if reason != RefusalReason.UNKNOWN_PREFIX:
        assert refusal.clinic_id == personas.clinic.pk
        assert refusal.actor_label == personas.fran.email


def test_a_valid_token_is_accepted_and_its_last_use_recorded_once_a_minute(
    client: Client, personas: Personas
) -> None:
    plaintext = token_for(personas, personas.fran)
    token = ApiToken.objects.get(prefix=plaintext.split(".")[0])
    assert token.last_used_at is None
    with time_machine.travel(datetime.datetime(2030, 1, 7, 9, 0, tzinfo=datetime.UTC)):
        assert get(client, "me", plaintext).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == datetime.datetime(2030, 1, 7, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(datetime.datetime(2030, 1, 7, 9, 0, 30, tzinfo=datetime.UTC)):
        assert get(client, "me", plaintext).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == datetime.datetime(2030, 1, 7, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(datetime.datetime(2030, 1, 7, 9, 2, tzinfo=datetime.UTC)):
        assert get(client, "me", plaintext).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == datetime.datetime(2030, 1, 7, 9, 2, tzinfo=datetime.UTC)
    assert not refusals()


def test_a_token_acts_at_its_own_clinic_for_someone_who_works_at_two(
    client: Client, personas: Personas
) -> None:
    MembershipFactory(user=personas.bob, clinic=personas.other_clinic, role=Role.PHYSICIAN)
    at_b = token_for(personas, personas.bob, clinic=personas.other_clinic)
    at_a = token_for(personas, personas.bob, clinic=personas.clinic)

    names_b = {row["legal_first_name"] for row in get(client, "patients", at_b).json()["results"]}
    names_a = {row["legal_first_name"] for row in get(client, "patients", at_a).json()["results"]}
    assert names_b == {"Bea"}
    assert names_a == {"Pat", "Quinn"}

    me = get(client, "me", at_b).json()
    assert me["acting_clinic_id"] == personas.other_clinic.pk
    assert [m["clinic_id"] for m in me["memberships"]] == [personas.other_clinic.pk]
    clinics = get(client, "clinics", at_b).json()["results"]
    assert [clinic["id"] for clinic in clinics] == [personas.other_clinic.pk]
    assert get(client, f"patients/{personas.pat.pk}", at_b).status_code == 404


def test_a_token_overrides_the_clinic_chosen_in_a_session(
    client_for: Any, personas: Personas
) -> None:
    MembershipFactory(user=personas.bob, clinic=personas.other_clinic, role=Role.PHYSICIAN)
    client = client_for(personas.bob)
    session = client.session
    session[ACTIVE_CLINIC_SESSION_KEY] = personas.other_clinic.pk
    session.save()
    assert get(client, "me").json()["acting_clinic_id"] == personas.other_clinic.pk
    at_a = token_for(personas, personas.bob, clinic=personas.clinic)
    me = get(client, "me", at_a).json()
    assert me["acting_clinic_id"] == personas.clinic.pk
    assert me["authentication"] == "token"
