"""The audit page and CSV: clinic admins and auditors only, this clinic only, filters validated."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse

from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import AuditAction, AuditEvent, AuditOutcome
from ketaclinic.audit.services import audit_record, audit_seal_pending
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

ALLOWED = {Role.CLINIC_ADMIN, Role.AUDITOR}


@pytest.fixture
def trail(personas: Personas) -> None:
    audit_record(
        actor=personas.nina,
        action=AuditAction.PATIENT_CHART_VIEWED,
        clinic=personas.clinic,
        patient_id=personas.pat.pk,
        subject=personas.pat,
    )
    audit_record(
        actor=personas.fran,
        action=AuditAction.PATIENT_CHART_VIEWED,
        clinic=personas.clinic,
        patient_id=personas.quinn.pk,
        subject=personas.quinn,
    )
    audit_record(
        actor=personas.charlie,
        action=AuditAction.PATIENT_CHART_VIEWED,
        clinic=personas.other_clinic,
        patient_id=personas.bea.pk,
        subject=personas.bea,
    )
    audit_record(actor=personas.nina, action=AuditAction.SIGN_IN)
    audit_record(actor=personas.charlie, action=AuditAction.SIGN_IN)
    audit_seal_pending()


@pytest.mark.parametrize("role", list(Role))
def test_only_admins_and_auditors_read_or_export_the_trail(
    client_for: Any, personas: Personas, trail: None, role: Role
) -> None:
    client = client_for(personas.staff_by_role()[role])
    expected = 200 if role in ALLOWED else 403
    assert client.get(reverse("audit:events")).status_code == expected
    assert client.get(reverse("audit:export")).status_code == expected


def test_staff_of_another_clinic_are_refused(client_for: Any, personas: Personas) -> None:
    assert client_for(personas.charlie).get(reverse("audit:events")).status_code == 403


def test_the_page_shows_this_clinics_events_and_its_staffs_sign_ins_only(
    client_for: Any, personas: Personas, trail: None
) -> None:
    response = client_for(personas.otto).get(reverse("audit:events"))
    events = list(response.context["page"])
    sign_ins = {event.actor_label for event in events if event.action == AuditAction.SIGN_IN}
    assert sign_ins == {personas.nina.email, personas.otto.email}  # not charlie, of clinic B
    assert personas.bea.pk not in {event.patient_id for event in events}
    assert "sealed into the hash chain" in response.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditAction.AUDIT_VIEWED, actor_id=personas.otto.pk
    ).exists()


def test_the_page_lists_every_matching_event_including_the_oldest(
    client_for: Any, personas: Personas, trail: None
) -> None:
    oldest = AuditEvent.objects.order_by("id").first()
    page = client_for(personas.ada).get(reverse("audit:events")).context["page"]
    ids = [event.pk for event in page]
    assert oldest is not None
    assert oldest.pk in ids
    assert len(ids) == page.paginator.count


def test_filters_by_patient_mrn_user_and_action(
    client_for: Any, personas: Personas, trail: None
) -> None:
    client = client_for(personas.ada)
    by_mrn = client.get(
        reverse("audit:events"), {"patient": personas.pat.medical_record_number}
    ).context["page"]
    assert {event.patient_id for event in by_mrn} == {personas.pat.pk}
    by_user = client.get(reverse("audit:events"), {"user": personas.fran.email.upper()}).context[
        "page"
    ]
    assert {event.actor_label for event in by_user} == {personas.fran.email}
    by_action = client.get(reverse("audit:events"), {"action": AuditAction.SIGN_IN}).context["page"]
    assert {event.action for event in by_action} == {AuditAction.SIGN_IN}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_from": "2026-11-20", "date_to": "2026-11-01"}, "date_to"),
        ({"action": "launch.missiles"}, "action"),
        ({"outcome": "maybe"}, "outcome"),
        ({"patient": "NOPE-1"}, "patient"),
        ({"user": "not an email"}, "user"),
    ],
)
def test_bad_filters_get_field_messages_not_errors(
    client_for: Any, personas: Personas, trail: None, query: dict[str, str], field: str
) -> None:
    response = client_for(personas.ada).get(reverse("audit:events"), query)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    export = client_for(personas.ada).get(reverse("audit:export"), query)
    assert export.status_code == 400


def test_the_csv_export_is_complete_and_itself_audited(
    client_for: Any, personas: Personas, trail: None
) -> None:
    response = client_for(personas.otto).get(
        reverse("audit:export"), {"action": AuditAction.PATIENT_CHART_VIEWED}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row["patient_id"] for row in rows} == {str(personas.pat.pk), str(personas.quinn.pk)}
    assert all(row["occurred_at_utc"].endswith("+00:00") for row in rows)
    assert all(row["sealed_sequence"] for row in rows)
    exported = AuditEvent.objects.get(action=AuditAction.AUDIT_EXPORTED)
    assert exported.detail == {"action": AuditAction.PATIENT_CHART_VIEWED.value}


def test_a_refused_visit_is_itself_in_the_trail(client_for: Any, personas: Personas) -> None:
    client_for(personas.fran).get(reverse("audit:events"))
    refusal = AuditEvent.objects.get(action=AuditAction.PERMISSION_REFUSED)
    assert refusal.outcome == AuditOutcome.REFUSED
    assert refusal.actor_id == personas.fran.pk
    assert refusal.detail["path"] == reverse("audit:events")


def test_the_audit_page_query_count_is_fixed(
    client_for: Any, personas: Personas, django_assert_num_queries: Any
) -> None:
    for _ in range(60):
        audit_record(
            actor=personas.nina,
            action=AuditAction.PATIENT_CHART_VIEWED,
            clinic=personas.clinic,
            patient_id=personas.pat.pk,
        )
    audit_seal_pending()
    client = client_for(personas.ada)
    client.get(reverse("audit:events"))
    # session, user, memberships, MFA check, count, one page of events with seals, audit insert,
    # chain status (last seal, unsealed count, oldest unsealed), session save (3)
    with django_assert_num_queries(13):
        assert client.get(reverse("audit:events")).status_code == 200
