"""A refused action is in the trail, and stays there when what was refused is rolled back."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import AuditAction, AuditEvent, AuditOutcome, AuditSeal
from ketaclinic.audit.services import audit_chain_verify
from ketaclinic.audit.tests.refusal_urls import REFUSED_IN_TRANSACTION
from ketaclinic.testing.personas import Personas


@pytest.mark.django_db
def test_a_refused_visit_to_the_audit_page_is_itself_in_the_trail(
    client_for: Any, personas: Personas
) -> None:
    response = client_for(personas.fran).get(reverse("audit:events"), REMOTE_ADDR="192.0.2.9")
    assert response.status_code == 403
    refusal = AuditEvent.objects.get(action=AuditAction.PERMISSION_REFUSED)
    assert refusal.outcome == AuditOutcome.REFUSED
    assert (refusal.actor_id, refusal.actor_role, refusal.clinic_id) == (
        personas.fran.pk,
        Role.FRONT_DESK,
        personas.clinic.pk,
    )
    assert refusal.source_ip == "192.0.2.9"
    assert refusal.detail == {
        "path": reverse("audit:events"),
        "method": "GET",
        "reason": "Your role (Front desk) at Clinic A does not allow you to read the audit trail.",
    }
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_VIEWED).exists()


@pytest.mark.django_db
def test_a_refused_export_is_in_the_trail_and_nothing_is_exported(
    client_for: Any, personas: Personas
) -> None:
    assert client_for(personas.theo).get(reverse("audit:export")).status_code == 403
    refusal = AuditEvent.objects.get(action=AuditAction.PERMISSION_REFUSED)
    assert "export the audit trail" in refusal.detail["reason"]
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORTED).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("ketaclinic.audit.tests.refusal_urls")
def test_the_refusal_survives_the_rollback_of_the_refused_transaction(
    client_for: Any, personas: Personas
) -> None:
    # Real commits here (no test transaction around the request): what was refused is gone,
    # the refusal is committed, and sealed into the chain after its commit.
    response = client_for(personas.fran).post(REFUSED_IN_TRANSACTION)
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.CLINIC_UPDATED).exists()
    refusal = AuditEvent.objects.get(action=AuditAction.PERMISSION_REFUSED)
    assert refusal.detail["path"] == REFUSED_IN_TRANSACTION
    assert AuditSeal.objects.filter(event=refusal).exists()
    assert audit_chain_verify().is_intact
