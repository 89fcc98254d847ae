"""The clinic admin's API token page: list, issue (plaintext shown once), revoke."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from ketaclinic.accounts.roles import Role
from ketaclinic.api.models import ApiToken
from ketaclinic.api.services import api_token_issue, api_token_revoke
from ketaclinic.api.tests.support import admin_at
from ketaclinic.api.views import NEW_TOKEN_SESSION_KEY
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

PAGE = "/staff/api-tokens/"


def test_the_page_keeps_its_url_name() -> None:
    assert reverse("api_tokens") == PAGE


@pytest.mark.parametrize("role", list(Role))
def test_the_token_page_is_for_clinic_admins(
    client_for: Any, personas: Personas, role: Role
) -> None:
    response = client_for(personas.staff_by_role()[role]).get(PAGE)
    assert response.status_code == (200 if role == Role.CLINIC_ADMIN else 403)


def test_charlie_at_another_clinic_is_refused(client_for: Any, personas: Personas) -> None:
    assert client_for(personas.charlie).get(PAGE).status_code == 403


def test_a_visitor_is_sent_to_sign_in(client: Any) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


def test_the_list_shows_this_clinics_tokens_only(client_for: Any, personas: Personas) -> None:
    mine, _ = api_token_issue(
        acting_user=personas.ada, clinic=personas.clinic, user=personas.fran, name="EHR sync"
    )
    revoked, _ = api_token_issue(
        acting_user=personas.ada, clinic=personas.clinic, user=personas.bob, name="Old lab feed"
    )
    api_token_revoke(acting_user=personas.ada, token=revoked)
    theirs, _ = api_token_issue(
        acting_user=admin_at(personas.other_clinic),
        clinic=personas.other_clinic,
        user=personas.charlie,
        name="Clinic B billing",
    )
    page = client_for(personas.ada).get(PAGE).content.decode()
    assert "EHR sync" in page
    assert mine.prefix in page
    assert "Fran Desk" in page
    assert "Old lab feed" in page
    assert "Revoked" in page
    assert "Clinic B billing" not in page
    assert theirs.prefix not in page


def test_issuing_shows_the_plaintext_once_and_never_in_a_url(
    client_for: Any, personas: Personas
) -> None:
    client = client_for(personas.ada)
    response = client.post(
        PAGE,
        {"name": "EHR", "user": personas.fran.pk, "expires_on": "2099-12-31"},
        follow=True,
    )
    token = ApiToken.objects.get(name="EHR")
    page = response.content.decode()
    shown = re.search(rf">({token.prefix}\.[A-Za-z0-9_-]{{43}})<", page)
    assert shown is not None
    plaintext = shown[1]
    works = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Token {plaintext}")
    assert works.json()["token"]["prefix"] == token.prefix
    assert "will not be shown again" in page
    for url, _status in response.redirect_chain:
        assert token.prefix not in url
    assert NEW_TOKEN_SESSION_KEY not in client.session
    again = client.get(PAGE).content.decode()
    assert "will not be shown again" not in again
    assert plaintext not in again
    assert token.expires_at is not None
    assert token.expires_at.astimezone(personas.clinic.zone).date().isoformat() == "2099-12-31"
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_ISSUED).count() == 1


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "X", "user": "999999"}, "user"),
        ({"name": "X", "user": "not a number"}, "user"),
        ({"name": "X", "expires_on": "2001-01-01"}, "expires_on"),
        ({"name": "X", "expires_on": "31/12/2099x"}, "expires_on"),
        ({"name": "X\x00"}, "name"),
    ],
)
def test_bad_issue_forms_get_field_messages_and_save_nothing(
    client_for: Any, personas: Personas, form: dict[str, str], field: str
) -> None:
    response = client_for(personas.ada).post(PAGE, {"user": str(personas.fran.pk), **form})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not ApiToken.objects.exists()


def test_a_token_cannot_act_as_someone_from_another_clinic(
    client_for: Any, personas: Personas
) -> None:
    response = client_for(personas.ada).post(PAGE, {"name": "X", "user": personas.charlie.pk})
    assert response.context["form"].errors["user"]
    assert not ApiToken.objects.exists()


def test_revoking_from_the_page(client_for: Any, personas: Personas) -> None:
    token, _ = api_token_issue(
        acting_user=personas.ada, clinic=personas.clinic, user=personas.fran, name="EHR"
    )
    client = client_for(personas.ada)
    url = reverse("api_token_revoke", args=[token.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert "Revoked “EHR”" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_by == personas.ada
    again = client.post(url, follow=True)
    assert "already revoked" in again.content.decode()


def test_revoking_another_clinics_token_is_not_found(client_for: Any, personas: Personas) -> None:
    theirs, _ = api_token_issue(
        acting_user=admin_at(personas.other_clinic),
        clinic=personas.other_clinic,
        user=personas.charlie,
        name="B",
    )
    other = client_for(personas.ada).post(reverse("api_token_revoke", args=[theirs.pk]))
    missing = client_for(personas.ada).post(reverse("api_token_revoke", args=[999999]))
    assert other.status_code == missing.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


@pytest.mark.parametrize("role", [role for role in Role if role != Role.CLINIC_ADMIN])
def test_only_clinic_admins_revoke_from_the_page(
    client_for: Any, personas: Personas, role: Role
) -> None:
    token, _ = api_token_issue(
        acting_user=personas.ada, clinic=personas.clinic, user=personas.fran, name="EHR"
    )
    client = client_for(personas.staff_by_role()[role])
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_tomorrow_means_tomorrow_at_the_clinic(client_for: Any, personas: Personas) -> None:
    # 10:30 UTC on 7 January is already 00:30 on 8 January at a UTC+14 clinic.
    personas.clinic.timezone = "Pacific/Kiritimati"
    personas.clinic.save(update_fields=["timezone"])
    with time_machine.travel(datetime.datetime(2030, 1, 7, 10, 30, tzinfo=datetime.UTC)):
        client = client_for(personas.ada)
        too_soon = client.post(
            PAGE, {"name": "X", "user": personas.fran.pk, "expires_on": "2030-01-08"}
        )
        assert too_soon.context["form"].errors["expires_on"]
        client.post(PAGE, {"name": "X", "user": personas.fran.pk, "expires_on": "2030-01-09"})
    token = ApiToken.objects.get()
    assert token.expires_at == datetime.datetime(2030, 1, 8, 10, 0, tzinfo=datetime.UTC)
    assert str(token) == f"X ({token.prefix}…)"


def test_a_token_without_an_expiry_lasts_until_revoked(client_for: Any, personas: Personas) -> None:
    client_for(personas.ada).post(PAGE, {"name": "EHR", "user": personas.fran.pk})
    assert ApiToken.objects.get().expires_at is None
