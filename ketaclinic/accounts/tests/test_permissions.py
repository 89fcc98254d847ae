"""The permission matrix, role by role, and the credential a clinical act needs."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.conf import settings

from ketaclinic.accounts.permissions import has_permission, require_permission
from ketaclinic.accounts.roles import (
    PERMISSIONS,
    Action,
    CredentialKind,
    Role,
    permissions_markdown,
)
from ketaclinic.core.errors import CredentialExpired, CredentialRequired, PermissionRefused
from ketaclinic.testing.factories import CredentialFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_every_role_gets_exactly_what_the_matrix_says(
    personas: Personas, role: Role, action: Action
) -> None:
    user = personas.staff_by_role()[role]
    expected = role in PERMISSIONS[action].roles
    assert has_permission(user=user, action=action, clinic=personas.clinic) is expected
    if not expected:
        with pytest.raises(PermissionRefused, match="does not allow you to"):
            require_permission(user=user, action=action, clinic=personas.clinic)


@pytest.mark.parametrize("action", list(Action))
def test_staff_of_another_clinic_can_do_nothing_here(personas: Personas, action: Action) -> None:
    with pytest.raises(PermissionRefused, match="You do not work at Clinic A"):
        require_permission(user=personas.charlie, action=action, clinic=personas.clinic)


def test_patient_portal_account_has_no_staff_permission(personas: Personas) -> None:
    for action in Action:
        assert not has_permission(user=personas.pat_user, action=action, clinic=personas.clinic)


def test_signing_a_dose_order_needs_a_dea_registration(personas: Personas) -> None:
    personas.bob.credentials.filter(kind=CredentialKind.DEA_REGISTRATION).delete()
    with pytest.raises(CredentialRequired, match="DEA registration"):
        require_permission(user=personas.bob, action=Action.DOSE_ORDER_SIGN, clinic=personas.clinic)


def test_an_expired_acls_refuses_administration_and_names_the_date(personas: Personas) -> None:
    acls = personas.nina.credentials.get(kind=CredentialKind.ACLS)
    acls.expires_on = personas.clinic.local_today() - datetime.timedelta(days=3)
    acls.save()
    with pytest.raises(CredentialExpired, match="ACLS certification") as refusal:
        require_permission(
            user=personas.nina, action=Action.MEDICATION_ADMINISTER, clinic=personas.clinic
        )
    assert f"{acls.expires_on:%d %b %Y}" in refusal.value.message


def test_a_licence_from_another_state_does_not_count(personas: Personas) -> None:
    licence = personas.bob.credentials.get(kind=CredentialKind.MEDICAL_LICENSE)
    licence.issuing_state = "NM"
    licence.save()
    with pytest.raises(CredentialRequired, match="valid in CO"):
        require_permission(user=personas.bob, action=Action.COURSE_SIGN, clinic=personas.clinic)


def test_a_renewed_credential_beside_an_expired_one_counts(personas: Personas) -> None:
    personas.nina.credentials.filter(kind=CredentialKind.ACLS).update(
        expires_on=personas.clinic.local_today() - datetime.timedelta(days=1)
    )
    CredentialFactory(user=personas.nina, kind=CredentialKind.ACLS, issuing_state="")
    require_permission(user=personas.nina, action=Action.SESSION_CHART, clinic=personas.clinic)


def test_inactive_membership_grants_nothing(personas: Personas) -> None:
    personas.fran.memberships.update(is_active=False)
    with pytest.raises(PermissionRefused):
        require_permission(user=personas.fran, action=Action.PATIENT_LIST, clinic=personas.clinic)


def test_docs_permissions_table_matches_the_code() -> None:
    documented = (Path(settings.BASE_DIR) / "docs" / "permissions.md").read_text()
    assert documented == permissions_markdown(), "run `make permissions-doc` and commit"


def test_the_document_lists_the_fields_an_action_is_limited_to() -> None:
    """Field groups (issue 13): front desk's part of the intake is written down with the matrix."""
    document = permissions_markdown()
    assert "## Field groups" in document
    assert "- `intake.measurements_record`: `height_cm`, `weight_kg`" in document
    for action, rule in PERMISSIONS.items():
        if rule.fields:
            assert f"- `{action.value}`: " in document
