"""Rows the application did not write: found, sealed as forged, and never stopping the clinic."""

from __future__ import annotations

import datetime
import logging
from typing import Any

import pytest
from django.core.management import CommandError
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketaclinic.audit.chain import event_mac, event_mac_matches
from ketaclinic.audit.keys import audit_key_from, audit_keyring
from ketaclinic.audit.models import AuditAction, AuditEvent, AuditEventOrigin, AuditSeal
from ketaclinic.audit.services import (
    FORGED_EVENTS_NAMED,
    audit_chain_check_newest,
    audit_chain_verify,
    audit_record,
    audit_seal_pending,
)
from ketaclinic.audit.tests.support import insert_forged_event, record_events, run_audit_command

pytestmark = pytest.mark.django_db

COLUMNS = (
    "occurred_at, actor_id, actor_label, actor_role, clinic_id, patient_id, action, "
    "object_type, object_id, outcome, source_ip, request_id, detail"
)


def test_verify_exits_1_naming_a_row_inserted_straight_into_the_database() -> None:
    record_events(2)
    forged = insert_forged_event()
    record_events(1)
    audit_seal_pending()
    with pytest.raises(CommandError) as alarm:
        run_audit_command("verify")
    assert alarm.value.returncode == 1
    assert f"event {forged} was not written by the application" in str(alarm.value)


def test_a_forged_row_already_investigated_stops_failing_verify_but_a_new_one_does_not() -> None:
    record_events(1)
    first = insert_forged_event()
    audit_seal_pending()
    output = run_audit_command("verify", "--known-forged", str(first))
    assert f"Known (investigated): event {first} was not written by the application" in output
    second = insert_forged_event()
    audit_seal_pending()
    with pytest.raises(CommandError) as alarm:
        run_audit_command("verify", "--known-forged", str(first))
    assert f"events {first}, {second} were not written by the application" in str(alarm.value)


def test_known_forged_must_name_every_forged_row_even_past_those_the_report_names() -> None:
    record_events(1)
    forged = [insert_forged_event() for _ in range(FORGED_EVENTS_NAMED + 1)]
    (genuine,) = record_events(1)
    audit_seal_pending()
    named, unnamed = forged[:FORGED_EVENTS_NAMED], forged[FORGED_EVENTS_NAMED]
    wrong = ",".join(str(event_id) for event_id in [*named, genuine.pk])
    with pytest.raises(CommandError) as alarm:
        run_audit_command("verify", "--known-forged", wrong)
    assert "and 1 more were not written by the application" in str(alarm.value)
    right = ",".join(str(event_id) for event_id in [*named, unnamed])
    assert "Known (investigated)" in run_audit_command("verify", "--known-forged", right)


def test_a_forged_row_is_sealed_marked_as_forged_and_genuine_events_go_on_being_sealed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    before = record_events(2)
    forged = insert_forged_event()
    after = record_events(2)
    with caplog.at_level(logging.ERROR, logger="ketaclinic.audit.services"):
        assert audit_seal_pending() == 5
    origins = dict(AuditSeal.objects.values_list("event_id", "event_origin"))
    assert origins.pop(forged) == AuditEventOrigin.FORGED
    assert set(origins) == {event.pk for event in before + after}
    assert set(origins.values()) == {AuditEventOrigin.APPLICATION}
    assert f"audit event {forged} was not written by the application" in caplog.text
    report = audit_chain_verify()
    assert report.is_intact  # the links hold: the forged row is kept in them, as evidence
    assert report.forged_event_ids == (forged,)
    assert f"event {forged} was not written by the application" in report.forged_problem
    # ...and recording goes on as before.
    audit_record(actor=None, action=AuditAction.SIGN_IN_FAILED)
    assert audit_seal_pending() == 1


def test_the_pages_check_names_a_forged_row_among_the_newest_links() -> None:
    record_events(1)
    forged = insert_forged_event()
    audit_seal_pending()
    report = audit_chain_check_newest()
    assert report.forged_event_ids == (forged,)


def test_a_row_copying_a_genuine_events_mac_with_a_change_is_forged() -> None:
    (genuine,) = record_events(1)
    with connection.cursor() as cursor:
        # Someone copies a real row, puts another person's name on it, and takes a new nonce
        # (the nonce is unique: its first character changed, whatever it was), keeping the
        # genuine MAC.
        copied = COLUMNS.replace("actor_label", "'mallory@clinic.test'")
        cursor.execute(
            f"INSERT INTO audit_auditevent ({COLUMNS}, nonce, key_id, mac) "  # noqa: S608  (constant columns)
            f"SELECT {copied}, "
            "CASE WHEN substr(nonce, 1, 1) = 'f' THEN 'e' ELSE 'f' END || substr(nonce, 2), "
            "key_id, mac "
            "FROM audit_auditevent WHERE id = %s RETURNING id",
            [genuine.pk],
        )
        row = cursor.fetchone()
    assert row is not None
    audit_seal_pending()
    assert audit_chain_verify().forged_event_ids == (row[0],)


def test_a_verbatim_copy_of_a_genuine_row_is_refused_by_its_unique_nonce() -> None:
    (genuine,) = record_events(1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO audit_auditevent ({COLUMNS}, nonce, key_id, mac) "  # noqa: S608  (constant columns)
            f"SELECT {COLUMNS}, nonce, key_id, mac FROM audit_auditevent WHERE id = %s",
            [genuine.pk],
        )
    assert AuditEvent.objects.count() == 1


# --- the MAC itself ----------------------------------------------------------------------------

KEY = audit_key_from("property-test-key-" + "k" * 32)
MOMENT = datetime.datetime(2026, 11, 24, 9, 0, 0, 123456, tzinfo=datetime.UTC)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
OPTIONAL_ID = st.none() | st.integers(min_value=1, max_value=2**62)
CHANGES: dict[str, st.SearchStrategy[Any]] = {
    "occurred_at": st.datetimes(timezones=st.just(datetime.UTC)),
    "actor_id": OPTIONAL_ID,
    "actor_label": st.text(max_size=20),
    "actor_role": st.text(max_size=10),
    "clinic_id": OPTIONAL_ID,
    "patient_id": OPTIONAL_ID,
    "action": st.sampled_from(AuditAction.values),
    "object_type": st.text(max_size=10),
    "object_id": st.text(max_size=10),
    "outcome": st.sampled_from(["success", "refused", "failed"]),
    "source_ip": st.none() | st.ip_addresses().map(str),
    "request_id": st.text(max_size=10),
    "detail": st.dictionaries(st.text(max_size=5), JSON, max_size=3),
    "nonce": st.text(min_size=1, max_size=32),
    "key_id": st.text(max_size=16),
}


def an_event() -> AuditEvent:
    return AuditEvent(
        occurred_at=MOMENT,
        actor_id=7_001,
        actor_label="nina@clinic.test",
        actor_role="nurse",
        clinic_id=3_141,
        patient_id=42_424,
        action=AuditAction.PATIENT_CHART_VIEWED,
        object_type="patients.Patient",
        object_id="42",
        outcome="success",
        source_ip="192.0.2.7",
        request_id="req-1",
        detail={"n": 1, "why": "vitals"},
        nonce="0" * 32,
        key_id=KEY.key_id,
    )


@given(field=st.sampled_from(sorted(CHANGES)), data=st.data())
def test_any_change_to_any_field_of_an_event_breaks_its_mac(field: str, data: Any) -> None:
    event = an_event()
    genuine = event_mac(event, key=KEY)
    value = data.draw(CHANGES[field].filter(lambda value: value != getattr(event, field)))
    setattr(event, field, value)
    assert event_mac(event, key=KEY) != genuine


# A health-check list here replaces the profile's (conftest.py), so `too_slow` is named again.
@settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(detail=st.dictionaries(st.text(max_size=8), JSON, max_size=4))
def test_whatever_detail_a_caller_passes_the_stored_event_reads_back_genuine(
    detail: dict[str, Any],
) -> None:
    # The MAC is computed before the insert; the database (PostgreSQL's jsonb most of all)
    # may give numbers back in another form. A genuine event must never look forged.
    event = audit_record(actor=None, action=AuditAction.SIGN_IN_FAILED, detail=detail)
    assert event_mac_matches(AuditEvent.objects.get(pk=event.pk), keyring=audit_keyring())
