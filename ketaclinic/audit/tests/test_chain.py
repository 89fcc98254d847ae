"""The audit chain: events sealed in order after commit, and any tampering found and located."""

from __future__ import annotations

import itertools
import threading
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from ketaclinic.audit import services
from ketaclinic.audit.chain import GENESIS_HASH
from ketaclinic.audit.models import AuditAction, AuditEvent, AuditSeal
from ketaclinic.audit.services import (
    audit_chain_check_newest,
    audit_chain_verify,
    audit_record,
    audit_seal_pending,
)
from ketaclinic.audit.tests.support import record_event_with_id, record_events, tampering

pytestmark = pytest.mark.django_db

# CI runs the suite on PostgreSQL too, where these run.
NEEDS_TRIGGERS = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="SQLite has no TRUNCATE (its DELETE is refused by the triggers tested above)",
)
NEEDS_CONCURRENT_WRITERS = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="SQLite runs one writer at a time, so sealers cannot race there",
)


def test_sealing_links_events_in_id_order_and_verify_says_intact() -> None:
    events = record_events(5)
    assert audit_seal_pending() == 5
    seals = list(AuditSeal.objects.order_by("sequence"))
    assert [seal.event_id for seal in seals] == [event.pk for event in events]
    assert [seal.sequence for seal in seals] == [1, 2, 3, 4, 5]
    assert seals[0].previous_hash == GENESIS_HASH
    assert all(
        later.previous_hash == earlier.entry_hash for earlier, later in itertools.pairwise(seals)
    )
    report = audit_chain_verify()
    assert report.is_intact
    assert (report.last_sequence, report.checked_links, report.unsealed_count) == (5, 5, 0)
    assert report.head_hash == seals[-1].entry_hash


def test_sealing_again_finds_nothing_and_extends_the_same_chain() -> None:
    record_events(3)
    audit_seal_pending()
    assert audit_seal_pending() == 0
    record_events(2)
    assert audit_seal_pending() == 2
    assert list(AuditSeal.objects.values_list("sequence", flat=True)) == [1, 2, 3, 4, 5]
    assert audit_chain_verify().is_intact


def test_sealing_works_in_batches() -> None:
    record_events(7)
    assert audit_seal_pending(batch_size=3) == 7
    assert audit_chain_verify().last_sequence == 7


def test_an_empty_trail_is_intact() -> None:
    report = audit_chain_verify()
    assert report.is_intact
    assert (report.last_sequence, report.head_hash) == (0, GENESIS_HASH)


def test_an_altered_event_is_found_at_exactly_its_link() -> None:
    events = record_events(4)
    audit_seal_pending()
    with tampering() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET detail = %s WHERE id = %s", ['{"n": 99}', events[2].pk]
        )
    report = audit_chain_verify()
    assert report.first_broken_sequence == 3
    assert report.first_broken_event_id == events[2].pk
    assert report.checked_links == 2
    assert f"event {events[2].pk} no longer matches" in report.problem


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor_label", "someone.else@clinic.test"),
        ("patient_id", 12345),
        ("outcome", "refused"),
        ("occurred_at", "2020-01-01 00:00:00+00:00"),
    ],
)
def test_a_change_to_any_recorded_fact_breaks_the_chain(column: str, value: object) -> None:
    events = record_events(3)
    audit_seal_pending()
    with tampering() as cursor:
        statement = f"UPDATE audit_auditevent SET {column} = %s WHERE id = %s"  # noqa: S608  (a column named by the test itself)
        cursor.execute(statement, [value, events[1].pk])
    assert audit_chain_verify().first_broken_sequence == 2


def test_a_removed_link_is_reported_missing() -> None:
    events = record_events(4)
    audit_seal_pending()
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditseal WHERE sequence = 2")
    report = audit_chain_verify()
    assert report.first_broken_sequence == 2
    assert report.problem.startswith("link 2 is missing")
    assert f"followed by link 3 (event {events[2].pk})" in report.problem
    # Its event is now unsealed, and counted as such.
    assert report.unsealed_count == 1


def test_a_replaced_link_is_found() -> None:
    events = record_events(3)
    audit_seal_pending()
    with tampering() as cursor:
        cursor.execute(
            "UPDATE audit_auditseal SET previous_hash = %s WHERE sequence = 2", ["f" * 64]
        )
    report = audit_chain_verify()
    assert report.first_broken_sequence == 2
    assert report.first_broken_event_id == events[1].pk
    assert "does not point at link 1" in report.problem


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET detail = '{}'",
        "DELETE FROM audit_auditevent",
        "UPDATE audit_auditseal SET entry_hash = 'x'",
        "DELETE FROM audit_auditseal",
    ],
)
def test_the_database_refuses_to_update_or_delete_audit_rows(statement: str) -> None:
    record_events(2)
    audit_seal_pending()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.count() == 2
    assert audit_chain_verify().is_intact


@NEEDS_TRIGGERS
@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE audit_auditseal, audit_auditevent",
        "TRUNCATE audit_auditseal",
        "TRUNCATE audit_auditevent CASCADE",
    ],
)
def test_postgresql_refuses_to_truncate_the_audit_tables(statement: str) -> None:
    record_events(2)
    audit_seal_pending()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # nothing pending: the trigger decides
    with (
        pytest.raises(DatabaseError, match="append-only: TRUNCATE"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.count() == 2
    assert audit_chain_verify().last_sequence == 2


def test_an_update_through_the_orm_is_refused() -> None:
    # The application never updates audit rows; if code did, the database refuses it.
    (event,) = record_events(1)
    audit_seal_pending()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(actor_label="x")
    assert audit_chain_verify().is_intact


def test_an_event_left_outside_the_sealers_window_is_found_by_a_whole_trail_search(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.AUDIT_SEAL_INLINE = False
    monkeypatch.setattr(services, "SEAL_LOOKBACK_IDS", 5)
    others = record_events(11)
    audit_seal_pending()
    # A transaction that took its id before all of those, and stayed open while they were
    # written and sealed, commits only now.
    late = record_event_with_id(others[0].pk - 1)
    assert audit_seal_pending() == 0  # beyond the window of the sealer run after each commit
    assert audit_chain_verify().unsealed_count == 1  # ...but verify counts the whole trail
    assert audit_seal_pending(whole_trail=True) == 1
    report = audit_chain_verify()
    assert report.is_intact
    assert report.unsealed_count == 0
    assert AuditSeal.objects.get(event_id=late.pk).sequence == 12


def test_the_pages_check_recomputes_only_the_newest_links() -> None:
    events = record_events(8)
    audit_seal_pending()
    with tampering() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET detail = '{}' WHERE id IN (%s, %s)",
            [events[1].pk, events[6].pk],
        )
    newest = audit_chain_check_newest(links=3)
    assert (newest.checked_from_sequence, newest.last_sequence) == (6, 8)
    assert not newest.is_whole_chain
    assert newest.first_broken_sequence == 7  # the change in link 2 is beyond its reach
    assert audit_chain_verify().first_broken_sequence == 2


def test_the_pages_check_covers_a_short_chain_whole() -> None:
    record_events(3)
    audit_seal_pending()
    report = audit_chain_check_newest(links=3)
    assert report.is_intact
    assert report.is_whole_chain
    assert report.checked_links == 3


def test_the_pages_check_counts_events_waiting_to_be_sealed(settings: Any) -> None:
    record_events(2)
    audit_seal_pending()
    settings.AUDIT_SEAL_INLINE = False
    record_events(3)
    report = audit_chain_check_newest()
    assert (report.last_sequence, report.unsealed_count) == (2, 3)
    assert report.oldest_unsealed_at is not None


def concurrently(target: Any, threads: int) -> list[BaseException]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            target()
        except BaseException as error:  # reported to the test, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not any(worker.is_alive() for worker in workers)
    return errors


def assert_one_contiguous_intact_chain(length: int) -> None:
    sequences = list(AuditSeal.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, length + 1))  # no gap, no duplicate
    assert AuditSeal.objects.values("event_id").distinct().count() == length
    report = audit_chain_verify()
    assert report.is_intact
    assert report.unsealed_count == 0  # nobody's events were left behind


@NEEDS_CONCURRENT_WRITERS
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("repetition", range(5))
def test_concurrent_sealers_build_one_contiguous_chain(settings: Any, repetition: int) -> None:
    settings.AUDIT_SEAL_INLINE = False  # leave all 200 for the sealers racing below
    record_events(200)
    assert concurrently(lambda: audit_seal_pending(batch_size=50), threads=2) == []
    assert_one_contiguous_intact_chain(200)


@NEEDS_CONCURRENT_WRITERS
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("repetition", range(5))
def test_writers_sealing_after_each_commit_leave_no_event_behind(repetition: int) -> None:
    # Each event commits on its own and its writer then seals (AUDIT_SEAL_INLINE), while the
    # other writer may hold the sealer's lock.
    def write() -> None:
        for n in range(100):
            audit_record(actor=None, action=AuditAction.SIGN_IN_FAILED, detail={"n": n})

    assert concurrently(write, threads=2) == []
    assert_one_contiguous_intact_chain(200)


@NEEDS_CONCURRENT_WRITERS
@pytest.mark.django_db(transaction=True)
def test_an_event_committed_while_another_sealer_holds_the_lock_is_not_left_behind(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The race above, made certain: the holder has read what is pending when another event
    # commits, and that event's own sealer finds the lock taken and leaves. The holder must look
    # again after letting go, or the event waits for whatever is sealed next.
    settings.AUDIT_SEAL_INLINE = False
    record_events(1)
    holding, go_on = threading.Event(), threading.Event()
    real_link_hash = services.link_hash

    def slow_link_hash(**kwargs: Any) -> str:
        if threading.current_thread().name == "holder" and not holding.is_set():
            holding.set()
            assert go_on.wait(timeout=30)
        return real_link_hash(**kwargs)

    def seal_and_close() -> None:
        audit_seal_pending()
        connection.close()

    monkeypatch.setattr(services, "link_hash", slow_link_hash)
    holder = threading.Thread(target=seal_and_close, name="holder")
    holder.start()
    assert holding.wait(timeout=30)
    late = record_events(1)[0]  # commits now, after the holder looked
    assert audit_seal_pending() == 0  # the lock is taken: this caller leaves at once
    go_on.set()
    holder.join(timeout=30)
    assert AuditSeal.objects.filter(event_id=late.pk).exists()
    assert_one_contiguous_intact_chain(2)
