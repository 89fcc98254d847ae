"""Issuing and revoking tokens: clinic admins only, validated, audited, plaintext returned once."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from ketaclinic.accounts.roles import Role
from ketaclinic.api.models import ApiToken
from ketaclinic.api.services import api_token_issue, api_token_revoke
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import Conflict, InvalidInput, NotFound, PermissionRefused
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def test_issuing_returns_the_plaintext_once_and_audits_the_issue(personas: Personas) -> None:
    expires_at = timezone.now() + datetime.timedelta(days=30)
    token, plaintext = api_token_issue(
        acting_user=personas.ada,
        clinic=personas.clinic,
        user=personas.fran,
        name="  EHR sync  ",
        expires_at=expires_at,
    )
    assert re.fullmatch(r"[0-9a-f]{12}\.[A-Za-z0-9_-]{43}", plaintext)
    assert plaintext.split(".")[0] == token.prefix
    assert (token.name, token.user, token.clinic) == ("EHR sync", personas.fran, personas.clinic)
    assert (token.created_by, token.expires_at) == (personas.ada, expires_at)
    event = AuditEvent.objects.get(action=AuditAction.API_TOKEN_ISSUED)
    assert (event.actor_id, event.clinic_id) == (personas.ada.pk, personas.clinic.pk)
    assert event.object_id == str(token.pk)
    assert event.detail == {"user_id": personas.fran.pk, "name": "EHR sync", "prefix": token.prefix}


@pytest.mark.parametrize("role", list(Role))
def test_only_a_clinic_admin_issues_tokens(personas: Personas, role: Role) -> None:
    acting = personas.staff_by_role()[role]
    if role == Role.CLINIC_ADMIN:
        api_token_issue(acting_user=acting, clinic=personas.clinic, user=personas.fran, name="X")
        assert ApiToken.objects.count() == 1
    else:
        with pytest.raises(PermissionRefused, match="does not allow you to issue and revoke"):
            api_token_issue(
                acting_user=acting, clinic=personas.clinic, user=personas.fran, name="X"
            )
        assert not ApiToken.objects.exists()


@pytest.mark.parametrize("role", list(Role))
def test_only_a_clinic_admin_revokes_tokens(personas: Personas, role: Role) -> None:
    token, _ = api_token_issue(
        acting_user=personas.ada, clinic=personas.clinic, user=personas.fran, name="X"
    )
    acting = personas.staff_by_role()[role]
    if role == Role.CLINIC_ADMIN:
        revoked = api_token_revoke(acting_user=acting, token=token)
        assert revoked.revoked_at is not None
        assert revoked.revoked_by == acting
        event = AuditEvent.objects.get(action=AuditAction.API_TOKEN_REVOKED)
        assert (event.actor_id, event.object_id) == (acting.pk, str(token.pk))
    else:
        with pytest.raises(PermissionRefused):
            api_token_revoke(acting_user=acting, token=token)
        token.refresh_from_db()
        assert token.revoked_at is None


def test_charlie_at_another_clinic_can_neither_issue_nor_revoke(personas: Personas) -> None:
    with pytest.raises(PermissionRefused, match="You do not work at Clinic A"):
        api_token_issue(
            acting_user=personas.charlie, clinic=personas.clinic, user=personas.fran, name="X"
        )
    token, _ = api_token_issue(
        acting_user=personas.ada, clinic=personas.clinic, user=personas.fran, name="X"
    )
    with pytest.raises(PermissionRefused):
        api_token_revoke(acting_user=personas.charlie, token=token)


def test_a_token_acts_only_as_someone_who_works_at_the_clinic(personas: Personas) -> None:
    with pytest.raises(NotFound, match="does not work at Clinic A"):
        api_token_issue(
            acting_user=personas.ada, clinic=personas.clinic, user=personas.charlie, name="X"
        )
    with pytest.raises(NotFound):
        api_token_issue(
            acting_user=personas.ada, clinic=personas.clinic, user=personas.pat_user, name="X"
        )
    personas.fran.is_active = False
    personas.fran.save(update_fields=["is_active"])
    with pytest.raises(NotFound):
        api_token_issue(
            acting_user=personas.ada, clinic=personas.clinic, user=personas.fran, name="X"
        )


@pytest.mark.parametrize(
    ("name", "expires_in", "field"),
    [
        ("   ", None, "name"),
        ("x" * 101, None, "name"),
        ("EHR", datetime.timedelta(seconds=-1), "expires_at"),
        ("EHR", datetime.timedelta(0), "expires_at"),
    ],
)
def test_bad_issue_requests_are_refused_with_the_field(
    personas: Personas, name: str, expires_in: datetime.timedelta | None, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        api_token_issue(
            acting_user=personas.ada,
            clinic=personas.clinic,
            user=personas.fran,
            name=name,
            expires_at=timezone.now() + expires_in if expires_in is not None else None,
        )
    assert field in refused.value.fields
    assert not ApiToken.objects.exists()


def test_an_expiry_without_a_time_zone_is_a_programming_error(personas: Personas) -> None:
    with pytest.raises(ValueError, match="aware"):
        api_token_issue(
            acting_user=personas.ada,
            clinic=personas.clinic,
            user=personas.fran,
            name="X",
            expires_at=datetime.datetime(2099, 1, 1),
        )


def test_revoking_twice_is_a_conflict(personas: Personas) -> None:
    token, _ = api_token_issue(
        acting_user=personas.ada, clinic=personas.clinic, user=personas.fran, name="X"
    )
    api_token_revoke(acting_user=personas.ada, token=token)
    with pytest.raises(Conflict, match="already revoked"):
        api_token_revoke(acting_user=personas.ada, token=token)
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REVOKED).count() == 1
