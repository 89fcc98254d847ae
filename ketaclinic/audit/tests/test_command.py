"""`ketaclinic audit verify | seal [--every SECONDS]`: what it prints and how it exits."""

from __future__ import annotations

import datetime
import os
import signal
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError
from django.db import OperationalError

from ketaclinic.audit.management.commands import audit as audit_command
from ketaclinic.audit.models import AuditSeal
from ketaclinic.audit.services import audit_seal_pending
from ketaclinic.audit.tests.support import record_events, run_audit_command, tampering

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)


def test_verify_prints_the_counts_the_head_and_intact() -> None:
    record_events(3)
    audit_seal_pending()
    head = AuditSeal.objects.get(sequence=3)
    output = run_audit_command("verify")
    assert "Sealed: 3 links; 0 events waiting to be sealed." in output
    assert f"Head: link 3, hmac-sha256 {head.entry_hash}" in output
    assert "Audit chain intact: all 3 links recomputed." in output


def test_verify_names_the_first_broken_link_its_event_and_what_is_wrong() -> None:
    events = record_events(4)
    audit_seal_pending()
    with tampering() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET detail = %s WHERE id = %s", ['{"n": 99}', events[2].pk]
        )
    with pytest.raises(CommandError) as refusal:
        run_audit_command("verify")
    message = str(refusal.value)
    assert message.startswith("BROKEN at link 3: ")
    assert f"event {events[2].pk} no longer matches the hash sealed at link 3" in message
    assert "Every link before it verifies" in message
    assert refusal.value.returncode == 1


def test_verify_of_a_single_link_reads_well() -> None:
    record_events(1)
    audit_seal_pending()
    output = run_audit_command("verify")
    assert "Sealed: 1 link; 0 events waiting to be sealed." in output
    assert "Audit chain intact: all 1 link recomputed." in output


def test_verify_reports_a_missing_link() -> None:
    record_events(3)
    audit_seal_pending()
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditseal WHERE sequence = 2")
    with pytest.raises(CommandError, match="BROKEN at link 2: link 2 is missing"):
        run_audit_command("verify")


def test_rows_unsealed_longer_than_the_limit_fail_verify_and_say_so(settings: Any) -> None:
    settings.AUDIT_SEAL_INLINE = False
    settings.AUDIT_UNSEALED_ALERT_SECONDS = 60
    with time_machine.travel(START, tick=False):
        record_events(2)
    with time_machine.travel(START + datetime.timedelta(seconds=59), tick=False):
        output = run_audit_command("verify")
    assert "2 events waiting to be sealed (oldest from 2026-11-24 09:00:00 UTC)" in output
    assert "intact" in output
    with (
        time_machine.travel(START + datetime.timedelta(seconds=90), tick=False),
        pytest.raises(CommandError) as alert,
    ):
        run_audit_command("verify")
    assert str(alert.value) == (
        "UNSEALED: 2 events not sealed, the oldest from 2026-11-24 09:00:00 UTC (90 s ago, "
        "over the 60 s limit): is the sealer running? `ketaclinic audit seal` links them now."
    )
    assert alert.value.returncode == 1
    assert run_audit_command("seal") == "Sealed 2 events.\n"
    with time_machine.travel(START + datetime.timedelta(seconds=95), tick=False):
        assert "intact" in run_audit_command("verify")


def test_a_broken_chain_and_stale_rows_are_both_reported(settings: Any) -> None:
    events = record_events(2)
    audit_seal_pending()
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditevent SET detail = '{}' WHERE id = %s", [events[0].pk])
    settings.AUDIT_SEAL_INLINE = False
    with time_machine.travel(START, tick=False):
        record_events(1)
    with (
        time_machine.travel(START + datetime.timedelta(hours=1), tick=False),
        pytest.raises(CommandError) as failure,
    ):
        run_audit_command("verify")
    broken, unsealed = str(failure.value).splitlines()
    assert broken.startswith("BROKEN at link 1: ")
    assert unsealed.startswith("UNSEALED: 1 event not sealed")


def test_seal_once_seals_and_says_how_many(settings: Any) -> None:
    settings.AUDIT_SEAL_INLINE = False
    record_events(3)
    assert run_audit_command("seal") == "Sealed 3 events.\n"
    assert run_audit_command("seal") == "Sealed 0 events.\n"
    assert AuditSeal.objects.count() == 3


@pytest.mark.parametrize("every", ["0", "-1"])
def test_seal_every_needs_a_positive_interval(every: str) -> None:
    with pytest.raises(CommandError, match="above zero"):
        run_audit_command("seal", "--every", every)


def test_seal_every_needs_a_number() -> None:
    with pytest.raises(CommandError, match="invalid float value"):
        run_audit_command("seal", "--every", "soon")


def test_verify_or_seal_must_be_named() -> None:
    with pytest.raises(CommandError):
        run_audit_command()


class StopAfter:
    """Stands in for audit_seal_pending in the loop; stops it on the given round."""

    def __init__(self, rounds: int, stop: Any) -> None:
        self.rounds, self.stop = rounds, stop
        self.calls: list[bool] = []

    def __call__(self, *, whole_trail: bool) -> int:
        self.calls.append(whole_trail)
        if len(self.calls) == self.rounds:
            self.stop()
        return audit_seal_pending(whole_trail=whole_trail)


def interrupt() -> None:
    raise KeyboardInterrupt


def test_seal_every_loops_until_ctrl_c_and_stops_cleanly(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.AUDIT_SEAL_INLINE = False
    settings.AUDIT_CHECKPOINT_EVERY_SECONDS = 0  # checkpoints: test_checkpoints.py
    record_events(2)
    sealer = StopAfter(3, interrupt)
    monkeypatch.setattr(audit_command, "audit_seal_pending", sealer)
    output = run_audit_command("seal", "--every", "0.01")
    assert output.startswith("Sealing every 0.01 s; Ctrl-C stops.\n")
    assert "sealed 2 events." in output
    assert output.endswith("Stopped.\n")
    assert sealer.calls == [True, False, False]  # the whole trail first, then the recent window
    assert AuditSeal.objects.count() == 2


def test_seal_every_finishes_its_round_and_stops_on_sigterm(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.AUDIT_SEAL_INLINE = False
    record_events(1)
    sealer = StopAfter(2, lambda: os.kill(os.getpid(), signal.SIGTERM))
    monkeypatch.setattr(audit_command, "audit_seal_pending", sealer)
    previous = signal.getsignal(signal.SIGTERM)
    output = run_audit_command("seal", "--every", "0.01")
    assert output.endswith("Stopped.\n")
    assert len(sealer.calls) == 2
    assert signal.getsignal(signal.SIGTERM) is previous  # handed back


def test_seal_every_survives_the_database_going_away(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bool] = []

    def flaky(*, whole_trail: bool) -> int:
        calls.append(whole_trail)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        raise KeyboardInterrupt

    monkeypatch.setattr(audit_command, "audit_seal_pending", flaky)
    output = run_audit_command("seal", "--every", "0.01")
    assert "sealing failed (server closed the connection unexpectedly); retrying in 0.01 s." in (
        output
    )
    assert output.endswith("Stopped.\n")
    assert calls == [True, True]  # the failed round's whole-trail search is tried again
