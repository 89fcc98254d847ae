"""The role lookup accounts registers for the trail (audit may not import accounts)."""

from __future__ import annotations

import pytest

from ketaclinic.accounts.permissions import membership_role_at
from ketaclinic.accounts.roles import Role
from ketaclinic.audit import hooks
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def test_accounts_registers_its_role_lookup_at_start_up() -> None:
    assert hooks._role_lookup is membership_role_at


def test_the_lookup_gives_the_role_at_that_clinic_only(personas: Personas) -> None:
    assert hooks.actor_role_at(user=personas.nina, clinic=personas.clinic) == Role.NURSE
    assert hooks.actor_role_at(user=personas.nina, clinic=personas.other_clinic) == ""


def test_without_a_registered_lookup_recording_a_role_is_refused(
    monkeypatch: pytest.MonkeyPatch, personas: Personas
) -> None:
    monkeypatch.setattr(hooks, "_role_lookup", None)
    with pytest.raises(RuntimeError, match="No role lookup is registered"):
        hooks.actor_role_at(user=personas.nina, clinic=personas.clinic)
