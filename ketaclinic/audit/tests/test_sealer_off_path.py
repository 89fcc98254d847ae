"""Sealing off the request path (AUDIT_SEAL_INLINE=false): a request only inserts its event; the
sealer loop links it (new events cheaply each round, late ones by its sweep); /healthz and the
audit page say when the sealer is behind; `ketaclinic serve` runs the loop beside gunicorn."""

from __future__ import annotations

import datetime
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import pytest
import time_machine
from django.db import InterfaceError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketaclinic import cli
from ketaclinic.audit import services
from ketaclinic.audit.management.commands import audit as audit_command
from ketaclinic.audit.models import AuditAction, AuditEvent, AuditEventOrigin, AuditSeal
from ketaclinic.audit.services import (
    audit_chain_verify,
    audit_seal_backlog,
    audit_seal_pending,
    audit_seal_recent,
)
from ketaclinic.audit.tests.support import (
    insert_forged_event,
    record_event_with_id,
    record_events,
    run_audit_command,
)
from ketaclinic.testing.personas import Personas

START = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def sealing_off_path(settings: Any) -> None:
    settings.AUDIT_SEAL_INLINE = False
    settings.AUDIT_CHECKPOINT_EVERY_SECONDS = 0  # checkpoints: test_checkpoints.py


def statements_on(queries: Sequence[dict[str, Any]], table: str) -> list[str]:
    return [query["sql"] for query in queries if table in query["sql"]]


# --- the request ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("sealing_off_path")
def test_a_request_inserts_its_event_and_never_touches_the_chain(
    client_for: Any, personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(personas.nina)
    # The callbacks run as at a real commit: inline sealing would show here as seal queries.
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.get(reverse("patients:list"))
    assert response.status_code == 200
    assert statements_on(queries.captured_queries, "audit_auditseal") == []
    assert len(statements_on(queries.captured_queries, 'INTO "audit_auditevent"')) == 1
    event = AuditEvent.objects.get(action=AuditAction.PATIENT_LIST_VIEWED)
    assert not AuditSeal.objects.filter(event=event).exists()


@pytest.mark.django_db
def test_with_inline_sealing_on_the_commit_still_seals_it(
    client_for: Any, personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(personas.nina)  # test_settings: AUDIT_SEAL_INLINE = True
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("patients:list"))
    event = AuditEvent.objects.get(action=AuditAction.PATIENT_LIST_VIEWED)
    assert AuditSeal.objects.filter(event=event).exists()


# --- the sealer -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("sealing_off_path")
def test_one_round_links_the_waiting_events_in_id_order() -> None:
    events = record_events(3)
    assert audit_seal_pending() == 3
    sealed = AuditSeal.objects.order_by("sequence").values_list("event_id", flat=True)
    assert list(sealed) == [event.pk for event in events]
    report = audit_chain_verify()
    assert report.is_intact
    assert report.unsealed_count == 0


@pytest.mark.django_db
@pytest.mark.usefixtures("sealing_off_path")
def test_a_round_searches_only_above_the_highest_sealed_id_without_an_anti_join() -> None:
    record_events(2)
    audit_seal_pending()
    record_events(1)
    with CaptureQueriesContext(connection) as queries:
        assert audit_seal_pending() == 1
    searches = [
        sql
        for sql in statements_on(queries.captured_queries, 'FROM "audit_auditevent"')
        if sql.startswith("SELECT")
    ]
    assert searches  # the batch's search and the look after it
    for sql in searches:
        assert "JOIN" not in sql  # no anti-join with the seals: an index range scan
        assert '"audit_auditevent"."id" >' in sql


@pytest.mark.django_db
@pytest.mark.usefixtures("sealing_off_path")
def test_an_event_that_commits_after_a_higher_id_was_sealed_is_linked_by_the_sweep() -> None:
    others = record_events(3)
    audit_seal_pending()
    # Its transaction took its id before the others and stayed open while they were sealed.
    late = record_event_with_id(others[0].pk - 1)
    assert audit_seal_pending() == 0  # a round looks above the highest sealed id only
    assert audit_seal_recent() == 1
    assert AuditSeal.objects.get(event_id=late.pk).sequence == 4
    record_events(1)
    assert audit_seal_pending() == 1  # rounds go on from the highest id, not the late one
    report = audit_chain_verify()
    assert report.is_intact
    assert (report.last_sequence, report.unsealed_count) == (5, 0)


@pytest.mark.django_db
@pytest.mark.usefixtures("sealing_off_path")
def test_the_loop_sweeps_for_late_events_every_sweep_interval(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.AUDIT_SEAL_SWEEP_SECONDS = 30
    others = record_events(2)
    rounds: list[bool] = []
    late_ids: list[int] = []
    with time_machine.travel(START, tick=False) as clock:

        def one_round(*, whole_trail: bool) -> int:
            rounds.append(whole_trail)
            if len(rounds) == 2:
                late_ids.append(record_event_with_id(others[0].pk - 1).pk)
            elif len(rounds) == 3:
                clock.shift(datetime.timedelta(seconds=20))  # not yet due
            elif len(rounds) == 4:
                assert not AuditSeal.objects.filter(event_id=late_ids[0]).exists()
                clock.shift(datetime.timedelta(seconds=11))
            elif len(rounds) == 5:
                raise KeyboardInterrupt
            return audit_seal_pending(whole_trail=whole_trail)

        monkeypatch.setattr(audit_command, "audit_seal_pending", one_round)
        output = run_audit_command("seal", "--every", "0.01")
    assert rounds == [True, False, False, False, False]
    assert AuditSeal.objects.filter(event_id=late_ids[0]).exists()
    assert "sealed 2 events." in output
    assert "sealed 1 event that committed after a later one was sealed" in output
    assert audit_chain_verify().is_intact


@pytest.mark.django_db
@pytest.mark.usefixtures("sealing_off_path")
def test_the_loop_survives_a_closed_connection_too(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bool] = []

    def closed(*, whole_trail: bool) -> int:
        calls.append(whole_trail)
        if len(calls) == 1:
            raise InterfaceError("connection already closed")
        raise KeyboardInterrupt

    monkeypatch.setattr(audit_command, "audit_seal_pending", closed)
    output = run_audit_command("seal", "--every", "0.01")
    assert "sealing failed (connection already closed); retrying in 0.01 s." in output
    assert calls == [True, True]


@pytest.mark.django_db
@pytest.mark.usefixtures("sealing_off_path")
def test_the_loop_stops_when_the_server_that_started_it_has_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parents = iter([1234, 1234, 1])  # at start, round 1, then re-parented to init

    monkeypatch.setattr(audit_command.os, "getppid", lambda: next(parents))
    record_events(1)
    output = run_audit_command("seal", "--every", "0.01", "--exit-with-parent")
    assert "The server that started this sealer has gone.\nStopped." in output
    assert AuditSeal.objects.count() == 1  # its one round was done


@pytest.mark.django_db
@pytest.mark.usefixtures("sealing_off_path")
def test_a_forged_row_sealed_off_the_request_path_is_still_caught() -> None:
    record_events(1)
    forged = insert_forged_event()
    record_events(1)
    assert audit_seal_pending() == 3
    assert AuditSeal.objects.get(event_id=forged).event_origin == AuditEventOrigin.FORGED
    report = audit_chain_verify()
    assert report.is_intact  # the chain goes on for everyone else...
    assert report.forged_event_ids == (forged,)  # ...and names the row


# --- what shows -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("sealing_off_path")
def test_healthz_shows_the_backlog_and_that_the_sealer_is_behind_after_a_minute(
    client: Client, django_assert_num_queries: Any
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        record_events(2)
        clock.shift(datetime.timedelta(seconds=5))
        with django_assert_num_queries(2):  # SELECT 1, and the backlog in one indexed query
            response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {
            "status": "ok",
            "database": "ok",
            "audit": {"unsealed": 2, "oldest_unsealed_seconds": 5},
        }
        clock.shift(datetime.timedelta(minutes=2))
        behind = client.get("/healthz")
        # Still 200: the sealer is late on every server at once, and a 503 would take them all
        # out of the load balancer (docs/operations.md).
        assert behind.status_code == 200
        assert behind.json()["audit_sealer"] == "behind"
        assert behind.json()["audit"] == {"unsealed": 2, "oldest_unsealed_seconds": 125}
        audit_seal_pending()
        assert client.get("/healthz").json() == {
            "status": "ok",
            "database": "ok",
            "audit": {"unsealed": 0, "oldest_unsealed_seconds": 0},
        }


@pytest.mark.django_db
@pytest.mark.usefixtures("sealing_off_path")
def test_healthz_counts_a_long_backlog_only_up_to_its_cap(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "BACKLOG_COUNT_CAP", 2)
    record_events(3)
    assert client.get("/healthz").json()["audit"] == {
        "unsealed": 2,
        "unsealed_capped": True,
        "oldest_unsealed_seconds": 0,
    }
    assert audit_seal_backlog().is_count_capped


@pytest.mark.django_db
@pytest.mark.usefixtures("sealing_off_path")
def test_the_audit_page_says_the_sealer_is_behind(client_for: Any, personas: Personas) -> None:
    with time_machine.travel(START, tick=False) as clock:
        record_events(1, clinic=personas.clinic)
        client = client_for(personas.ada)
        assert (
            "The audit sealer is behind" not in client.get(reverse("audit:events")).content.decode()
        )
        clock.shift(datetime.timedelta(minutes=2))
        html = client.get(reverse("audit:events")).content.decode()
    assert "alert-warning" in html
    assert "The audit sealer is behind" in html
    assert "--no-sealer" in html


# --- `ketaclinic serve` runs the loop -----------------------------------------------------------


class FakeProcess:
    """Stands in for subprocess.Popen: alive until told otherwise."""

    def __init__(self, pid: int, *, ignores_sigterm: bool = False) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.ignores_sigterm = ignores_sigterm
        self.signals: list[str] = []

    def poll(self) -> int | None:
        return self.returncode

    def terminate(self) -> None:
        self.signals.append("TERM")
        if not self.ignores_sigterm:
            self.returncode = -15

    def kill(self) -> None:
        self.signals.append("KILL")
        self.returncode = -9

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            raise subprocess.TimeoutExpired("sealer", timeout or 0)
        return self.returncode


class FakeStarter:
    def __init__(self, **process_options: Any) -> None:
        self.started: list[FakeProcess] = []
        self.commands: list[tuple[str, ...]] = []
        self.process_options = process_options

    def __call__(self, command: Sequence[str]) -> FakeProcess:
        self.commands.append(tuple(command))
        process = FakeProcess(100 + len(self.started), **self.process_options)
        self.started.append(process)
        return process


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def supervisor(starter: FakeStarter, clock: FakeClock) -> cli.SealerSupervisor:
    return cli.SealerSupervisor(
        command=cli.sealer_command(), start_process=starter, clock=clock, restart_delay_seconds=5
    )


def test_serve_runs_the_sealer_loop_a_round_a_second_with_this_interpreter() -> None:
    assert cli.sealer_command() == [
        sys.executable,
        "-m",
        "ketaclinic.cli",
        "audit",
        "seal",
        "--every",
        "1",
        "--exit-with-parent",
    ]


def test_the_sealer_gets_the_servers_secret_key_so_it_derives_the_same_audit_key(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)  # DEBUG: read from a file, or made up
    settings.SECRET_KEY = "insecure-debug-only-made-up-at-start-0123456789"
    environment = cli.sealer_environment()
    assert environment["SECRET_KEY"] == settings.SECRET_KEY
    assert environment["PGAPPNAME"] == "ketaclinic-sealer"


def test_a_sealer_that_dies_is_started_again() -> None:
    starter, clock = FakeStarter(), FakeClock()
    sealer = supervisor(starter, clock)
    sealer.start(watch=False)
    sealer.check()
    assert sealer.starts == 1  # alive: left alone
    clock.now += 60
    starter.started[0].returncode = 1
    sealer.check()
    assert sealer.starts == 2
    assert sealer.process is starter.started[1]
    assert starter.commands[1] == tuple(cli.sealer_command())


def test_a_sealer_dying_at_start_up_is_restarted_only_after_the_delay() -> None:
    starter, clock = FakeStarter(), FakeClock()
    sealer = supervisor(starter, clock)
    sealer.start(watch=False)
    starter.started[0].returncode = 2
    clock.now += 1
    sealer.check()
    assert sealer.starts == 1
    clock.now += 5
    sealer.check()
    assert sealer.starts == 2


def test_stopping_asks_the_sealer_to_finish_and_restarts_it_no_more() -> None:
    starter, clock = FakeStarter(), FakeClock()
    sealer = supervisor(starter, clock)
    sealer.start(watch=False)
    sealer.stop()
    assert starter.started[0].signals == ["TERM"]
    clock.now += 60
    sealer.check()
    sealer.stop()  # at exit, again: nothing more to do
    assert sealer.starts == 1
    assert starter.started[0].signals == ["TERM"]


def test_a_sealer_that_does_not_stop_is_killed() -> None:
    starter = FakeStarter(ignores_sigterm=True)
    sealer = supervisor(starter, FakeClock())
    sealer.start(watch=False)
    sealer.stop()
    assert starter.started[0].signals == ["TERM", "KILL"]


def test_a_gunicorn_worker_leaving_does_not_stop_the_sealer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    starter = FakeStarter()
    sealer = supervisor(starter, FakeClock())
    sealer.start(watch=False)
    monkeypatch.setattr(cli.os, "getpid", lambda: -1)  # a forked worker, with the atexit hook
    sealer.stop()
    assert starter.started[0].signals == []


class RecordingSupervisor:
    instances: list[RecordingSupervisor] = []

    def __init__(self, *, command: Sequence[str]) -> None:
        self.command = list(command)
        self.events: list[str] = []
        RecordingSupervisor.instances.append(self)

    def start(self) -> None:
        self.events.append("start")

    def stop(self) -> None:
        self.events.append("stop")


@pytest.fixture
def serve_without_gunicorn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """`_serve` with the preparation and gunicorn stood in for; returns what happened."""
    happened: list[str] = []
    RecordingSupervisor.instances = []
    monkeypatch.setattr(cli, "SealerSupervisor", RecordingSupervisor)
    monkeypatch.setattr(cli.atexit, "register", lambda hook: happened.append("atexit"))
    monkeypatch.setattr("django.core.management.call_command", lambda *args, **kwargs: None)
    monkeypatch.setattr(sys, "argv", list(sys.argv))

    def gunicorn_run() -> None:
        happened.append("gunicorn")
        raise SystemExit(0)  # as gunicorn's master leaves after SIGTERM

    monkeypatch.setattr("gunicorn.app.wsgiapp.run", gunicorn_run)
    return happened


def test_serve_starts_the_sealer_beside_gunicorn_and_stops_it_when_gunicorn_exits(
    serve_without_gunicorn: list[str], settings: Any
) -> None:
    settings.AUDIT_SEAL_INLINE = False
    with pytest.raises(SystemExit):
        cli._serve(["--no-migrate", "--no-collectstatic"])
    (sealer,) = RecordingSupervisor.instances
    assert sealer.command == cli.sealer_command()
    assert sealer.events == ["start", "stop"]
    assert serve_without_gunicorn == ["atexit", "gunicorn"]


@pytest.mark.parametrize(
    ("arguments", "inline"), [(["--no-sealer"], False), ([], True)], ids=["no-sealer", "inline"]
)
def test_serve_runs_no_sealer_with_no_sealer_or_inline_sealing(
    serve_without_gunicorn: list[str], settings: Any, arguments: list[str], inline: bool
) -> None:
    settings.AUDIT_SEAL_INLINE = inline
    with pytest.raises(SystemExit):
        cli._serve(["--no-migrate", "--no-collectstatic", *arguments])
    assert RecordingSupervisor.instances == []
    assert serve_without_gunicorn == ["gunicorn"]
