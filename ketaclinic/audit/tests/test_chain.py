"""The audit chain: events sealed in order after commit, and any tampering found and located."""

from __future__ import annotations

import datetime
import io
import itertools
import threading
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from ketaclinic.audit.models import AuditAction, AuditEvent, AuditSeal
from ketaclinic.audit.services import audit_chain_verify, audit_record, audit_seal_pending
from ketaclinic.core.request_context import (
    RequestContext,
    reset_request_context,
    set_request_context,
)

pytestmark = pytest.mark.django_db


def record_events(count: int) -> list[AuditEvent]:
    return [
        audit_record(actor=None, action=AuditAction.SIGN_IN_FAILED, detail={"n": n})
        for n in range(count)
    ]


def run_verify() -> str:
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def test_an_event_carries_the_request_id_and_address_of_its_request() -> None:
    token = set_request_context(RequestContext(request_id="req-42", source_ip="192.0.2.7"))
    try:
        event = audit_record(actor=None, action=AuditAction.SIGN_IN_FAILED)
    finally:
        reset_request_context(token)
    assert (event.request_id, event.source_ip) == ("req-42", "192.0.2.7")


def test_sealing_links_events_in_id_order_and_verify_says_intact() -> None:
    events = record_events(5)
    assert audit_seal_pending() == 5
    seals = list(AuditSeal.objects.order_by("sequence"))
    assert [seal.event_id for seal in seals] == [event.pk for event in events]
    assert [seal.sequence for seal in seals] == [1, 2, 3, 4, 5]
    assert all(
        later.previous_hash == earlier.entry_hash for earlier, later in itertools.pairwise(seals)
    )
    report = audit_chain_verify()
    assert report.is_intact
    assert report.sealed_count == 5
    assert "Audit chain intact." in run_verify()
    assert audit_seal_pending() == 0


def test_events_are_sealed_right_after_their_transaction_commits(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        record_events(3)
    assert AuditSeal.objects.count() == 3


@pytest.mark.skipif(
    "connection.vendor == 'postgresql'",
    reason="the PostgreSQL trigger refuses the tampering itself",
)
def test_an_altered_event_is_found_and_located() -> None:
    events = record_events(4)
    audit_seal_pending()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET detail = %s WHERE id = %s", ['{"n": 99}', events[2].pk]
        )
    report = audit_chain_verify()
    assert report.first_broken_sequence == 3
    assert f"event {events[2].pk}" in report.problem
    with pytest.raises(CommandError, match="BROKEN at link 3"):
        run_verify()


@pytest.mark.skipif(
    "connection.vendor == 'postgresql'",
    reason="the PostgreSQL trigger refuses the tampering itself",
)
def test_a_removed_link_is_found() -> None:
    record_events(4)
    audit_seal_pending()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditseal WHERE sequence = 2")
    report = audit_chain_verify()
    assert report.first_broken_sequence == 2
    assert "missing" in report.problem


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the append-only trigger exists on PostgreSQL only"
)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET detail = '{}'",
        "DELETE FROM audit_auditevent",
        "UPDATE audit_auditseal SET entry_hash = 'x'",
        "DELETE FROM audit_auditseal",
    ],
)
def test_postgresql_refuses_to_update_or_delete_audit_rows(statement: str) -> None:
    record_events(2)
    audit_seal_pending()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.count() == 2


def test_rows_left_unsealed_for_over_a_minute_fail_verify_with_a_reason(settings: Any) -> None:
    settings.AUDIT_SEAL_INLINE = False
    start = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        record_events(2)
    with time_machine.travel(start + datetime.timedelta(seconds=30), tick=False):
        assert "intact" in run_verify()
    with (
        time_machine.travel(start + datetime.timedelta(seconds=90), tick=False),
        pytest.raises(CommandError, match="is the sealer running"),
    ):
        run_verify()
    call_command("audit", "seal", stdout=io.StringIO())
    assert "intact" in run_verify()


def test_seal_refuses_a_negative_interval() -> None:
    with pytest.raises(CommandError, match="zero or more"):
        call_command("audit", "seal", "--every", "-1")


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="real concurrent sealers need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("repetition", range(5))
def test_concurrent_sealers_build_one_contiguous_chain(repetition: int) -> None:
    record_events(200)
    errors: list[BaseException] = []

    def seal() -> None:
        try:
            audit_seal_pending(batch_size=50)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=seal) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    audit_seal_pending()
    assert errors == []
    sequences = list(AuditSeal.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, 201))
    assert audit_chain_verify().is_intact
