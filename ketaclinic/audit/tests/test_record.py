"""audit_record: who, where from and which request, and whatever a caller passes is stored."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import AuditAction, AuditEvent, AuditSeal
from ketaclinic.audit.services import (
    UnknownAuditAction,
    audit_chain_verify,
    audit_record,
    audit_seal_pending,
)
from ketaclinic.core.request_context import (
    RequestContext,
    reset_request_context,
    set_request_context,
)
from ketaclinic.staff.audit_log import actor_role_label
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def record_in_context(context: RequestContext, **fields: Any) -> AuditEvent:
    token = set_request_context(context)
    try:
        return audit_record(actor=None, action=AuditAction.SIGN_IN_FAILED, **fields)
    finally:
        reset_request_context(token)


def test_an_event_carries_the_request_id_and_address_of_its_request() -> None:
    event = record_in_context(RequestContext(request_id="req-42", source_ip="192.0.2.7"))
    event.refresh_from_db()
    assert (event.request_id, event.source_ip) == ("req-42", "192.0.2.7")


def test_outside_a_request_an_event_has_no_request_id_or_address() -> None:
    event = audit_record(actor=None, action=AuditAction.SIGN_IN_FAILED)
    assert (event.request_id, event.source_ip) == ("", None)


def test_a_real_request_fills_the_id_and_address_through_the_middleware(
    client_for: Any, personas: Personas
) -> None:
    client_for(personas.ada).get(
        reverse("audit:events"), HTTP_X_REQUEST_ID="lb-7f3a", REMOTE_ADDR="198.51.100.4"
    )
    viewed = AuditEvent.objects.get(action=AuditAction.AUDIT_VIEWED)
    assert (viewed.request_id, viewed.source_ip) == ("lb-7f3a", "198.51.100.4")
    assert viewed.actor_id == personas.ada.pk
    assert viewed.actor_label == personas.ada.email
    assert viewed.clinic_id == personas.clinic.pk


def test_the_actors_role_at_the_clinic_is_filled_in(personas: Personas) -> None:
    event = audit_record(
        actor=personas.nina, action=AuditAction.PATIENT_CHART_VIEWED, clinic=personas.clinic
    )
    assert event.actor_role == Role.NURSE
    assert actor_role_label(event.actor_role) == "Nurse"


def test_a_role_no_longer_known_is_shown_as_stored() -> None:
    assert actor_role_label("phlebotomist") == "phlebotomist"


def test_refuses_an_action_that_is_not_an_audit_action(personas: Personas) -> None:
    mistake: Any = "patient.peeked"  # what a caller without type checking could pass
    with pytest.raises(UnknownAuditAction, match=r"'patient\.peeked' is not an audit action"):
        audit_record(actor=personas.nina, action=mistake, clinic=personas.clinic)
    assert not AuditEvent.objects.filter(action=mistake).exists()


def test_an_action_given_as_its_plain_value_is_recorded() -> None:
    stored_value: Any = "auth.sign_in_failed"
    event = audit_record(actor=None, action=stored_value)
    assert event.action == AuditAction.SIGN_IN_FAILED
    assert event.action_label == "Sign-in failed"


def test_the_action_column_has_no_choices_so_a_new_action_needs_no_migration() -> None:
    # Choices live in AuditAction (checked by audit_record); in the column, every new action
    # would be a migration of the whole trail's table.
    assert AuditEvent._meta.get_field("action").choices is None


def test_an_action_no_longer_known_is_shown_as_stored() -> None:
    assert AuditEvent(action="legacy.gone").action_label == "legacy.gone"


def test_an_event_records_the_object_it_is_about(personas: Personas) -> None:
    event = audit_record(
        actor=personas.nina,
        action=AuditAction.PATIENT_CHART_VIEWED,
        clinic=personas.clinic,
        patient_id=personas.pat.pk,
        subject=personas.pat,
    )
    assert (event.object_type, event.object_id) == ("patients.Patient", str(personas.pat.pk))


def test_an_address_that_is_not_one_is_kept_in_detail_not_refused() -> None:
    # A misconfigured proxy can forward anything; PostgreSQL's inet column would refuse it.
    event = record_in_context(RequestContext(request_id="r", source_ip="unknown, 10.0.0.1"))
    event.refresh_from_db()
    assert event.source_ip is None
    assert event.detail["unparsed_source_ip"] == "unknown, 10.0.0.1"


def test_typed_text_is_cut_to_its_column_and_nul_removed() -> None:
    # A failed sign-in records whatever the stranger typed as the email.
    event = audit_record(
        actor=None,
        action=AuditAction.SIGN_IN_FAILED,
        actor_label="x" * 400 + "\x00",
        detail={"path": "/staff/\x00audit/", "nested": ["a\x00b", {"k\x00": "v"}]},
    )
    event.refresh_from_db()
    assert event.actor_label == "x" * 254
    assert event.detail == {"path": "/staff/audit/", "nested": ["ab", {"k": "v"}]}


def test_detail_with_dates_and_decimals_is_stored_as_plain_json_and_seals() -> None:
    event = audit_record(
        actor=None,
        action=AuditAction.SIGN_IN_FAILED,
        detail={
            "dose_mg": Decimal("35.5"),
            "on": datetime.date(2026, 11, 24),
            "n": 3,
            "ratio": float("nan"),
        },
    )
    event.refresh_from_db()
    assert event.detail == {"dose_mg": "35.5", "on": "2026-11-24", "n": 3, "ratio": "NaN"}
    audit_seal_pending()
    assert audit_chain_verify().is_intact


def test_events_are_sealed_right_after_their_transaction_commits(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(actor=None, action=AuditAction.SIGN_IN_FAILED)
        audit_record(actor=None, action=AuditAction.SIGN_IN_FAILED)
    assert AuditSeal.objects.count() == 2


def test_with_inline_sealing_off_events_wait_for_the_sealer(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.AUDIT_SEAL_INLINE = False
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        audit_record(actor=None, action=AuditAction.SIGN_IN_FAILED)
    assert callbacks == []
    assert not AuditSeal.objects.exists()
