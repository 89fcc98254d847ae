"""Signed checkpoints outside the database: the end of the chain cannot quietly go missing."""

from __future__ import annotations

import datetime
import errno
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError
from django.db import connection

from ketaclinic.audit.keys import audit_keyring
from ketaclinic.audit.management.commands import audit as audit_command
from ketaclinic.audit.models import AuditAction, AuditEvent, AuditSeal
from ketaclinic.audit.services import audit_seal_pending
from ketaclinic.audit.tests.support import record_events, run_audit_command, tampering

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)


def sealed_events(count: int) -> list[AuditEvent]:
    events = record_events(count)
    audit_seal_pending()
    return events


def checkpoint_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.json"))


def empty_both_tables() -> None:
    """TRUNCATE by someone who can switch the triggers off (on SQLite: DELETE, the same)."""
    with tampering() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE audit_auditseal, audit_auditevent")
        else:
            cursor.execute("DELETE FROM audit_auditseal")
            cursor.execute("DELETE FROM audit_auditevent")


def test_checkpoint_prints_and_writes_a_signed_file(checkpoint_directory: Path) -> None:
    sealed_events(3)
    head = AuditSeal.objects.get(sequence=3)
    with time_machine.travel(START, tick=False):
        output = run_audit_command("checkpoint")
    (path,) = checkpoint_files(checkpoint_directory)
    written = json.loads(path.read_text())
    assert written["sequence"] == 3
    assert written["head_hash"] == head.entry_hash
    assert written["event_count"] == 3
    assert written["written_at"] == "2026-11-24T09:00:00Z"
    assert written["key_id"] == audit_keyring().current.key_id
    assert len(written["signature"]) == 64
    # Printed too, whole, for a log service or paper.
    assert path.read_text().strip() in output.splitlines()
    assert f"Written to {path}." in output
    event = AuditEvent.objects.get(action=AuditAction.AUDIT_CHECKPOINT_WRITTEN)
    assert event.detail["sequence"] == 3
    assert event.detail["head_hash"] == head.entry_hash


def test_each_checkpoint_is_a_new_file_never_an_overwrite(checkpoint_directory: Path) -> None:
    sealed_events(1)
    with time_machine.travel(START, tick=False):
        run_audit_command("checkpoint")
        run_audit_command("checkpoint")
    assert len(checkpoint_files(checkpoint_directory)) == 2


def test_verify_says_the_chain_matches_the_newest_checkpoint(checkpoint_directory: Path) -> None:
    sealed_events(2)
    run_audit_command("checkpoint")
    sealed_events(2)
    output = run_audit_command("verify")
    (path,) = checkpoint_files(checkpoint_directory)
    assert f"Matches checkpoint {path.name} (link 2" in output
    assert "Audit chain intact" in output


def test_verify_without_any_checkpoint_says_how_to_write_one() -> None:
    sealed_events(1)
    assert "No audit checkpoint yet" in run_audit_command("verify")


def test_rows_deleted_from_the_end_after_a_checkpoint_are_found(
    checkpoint_directory: Path,
) -> None:
    events = sealed_events(5)
    run_audit_command("checkpoint")
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditseal WHERE sequence > 3")
        cursor.execute("DELETE FROM audit_auditevent WHERE id > %s", [events[2].pk])
    with pytest.raises(CommandError) as broken:
        run_audit_command("verify")
    assert broken.value.returncode == 1
    (path,) = checkpoint_files(checkpoint_directory)
    message = str(broken.value)
    assert f"BROKEN: the chain ends at link 3, but checkpoint {path.name}" in message
    assert "recorded link 5" in message


def test_emptying_both_tables_after_a_checkpoint_is_found() -> None:
    sealed_events(4)
    run_audit_command("checkpoint")
    empty_both_tables()
    with pytest.raises(CommandError) as broken:
        run_audit_command("verify")
    assert "BROKEN: the chain is empty, but checkpoint" in str(broken.value)
    assert "recorded link 4" in str(broken.value)


def test_a_chain_rebuilt_after_emptying_does_not_match_the_checkpoint() -> None:
    sealed_events(2)
    run_audit_command("checkpoint")
    empty_both_tables()
    sealed_events(3)  # a new chain, intact in itself, now longer than the checkpoint
    with pytest.raises(CommandError) as broken:
        run_audit_command("verify")
    assert "BROKEN: link 2's hash differs from the one checkpoint" in str(broken.value)


def test_a_tampered_checkpoint_file_is_an_alarm(checkpoint_directory: Path) -> None:
    sealed_events(3)
    run_audit_command("checkpoint")
    (path,) = checkpoint_files(checkpoint_directory)
    written = json.loads(path.read_text())
    written["sequence"] = 1  # hiding the loss of links 2 and 3
    path.chmod(0o600)
    path.write_text(json.dumps(written))
    with pytest.raises(CommandError) as alarm:
        run_audit_command("verify")
    assert f"BROKEN: checkpoint file {path.name} has a bad signature" in str(alarm.value)


def test_verify_against_a_named_offsite_checkpoint(
    tmp_path: Path, checkpoint_directory: Path
) -> None:
    sealed_events(3)
    run_audit_command("checkpoint")
    (path,) = checkpoint_files(checkpoint_directory)
    offsite = tmp_path / "offsite-copy.json"
    shutil.copy(path, offsite)
    path.unlink()  # someone with the host removed the local copy
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditseal WHERE sequence = 3")
    assert "No audit checkpoint yet" in run_audit_command("verify")
    with pytest.raises(CommandError) as broken:
        run_audit_command("verify", "--checkpoint", str(offsite))
    assert "the chain ends at link 2, but checkpoint offsite-copy.json" in str(broken.value)


def test_verify_with_an_unreadable_checkpoint_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot be read"):
        run_audit_command("verify", "--checkpoint", str(tmp_path / "missing.json"))


def test_checkpoint_refuses_to_bless_a_chain_shorter_than_the_last_checkpoint(
    checkpoint_directory: Path,
) -> None:
    sealed_events(3)
    run_audit_command("checkpoint")
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditseal WHERE sequence = 3")
    with pytest.raises(CommandError, match="No checkpoint written") as refused:
        run_audit_command("checkpoint")
    assert "the chain ends at link 2" in str(refused.value)
    assert len(checkpoint_files(checkpoint_directory)) == 1


def test_seal_every_also_writes_a_checkpoint_every_interval(
    settings: Any, monkeypatch: pytest.MonkeyPatch, checkpoint_directory: Path
) -> None:
    settings.AUDIT_SEAL_INLINE = False
    settings.AUDIT_CHECKPOINT_EVERY_SECONDS = 3600
    record_events(1)
    with time_machine.travel(START, tick=False) as clock:
        rounds: list[bool] = []

        def forty_minutes_a_round(*, whole_trail: bool) -> int:
            rounds.append(whole_trail)
            if len(rounds) == 5:
                raise KeyboardInterrupt
            clock.shift(datetime.timedelta(minutes=40))
            return audit_seal_pending(whole_trail=whole_trail)

        monkeypatch.setattr(audit_command, "audit_seal_pending", forty_minutes_a_round)
        output = run_audit_command("seal", "--every", "0.01")
    # Rounds at 0:40, 1:20, 2:00 and 2:40: a checkpoint at the first, then once an hour had passed.
    assert len(checkpoint_files(checkpoint_directory)) == 2
    assert output.count("checkpoint written") == 2


# --- a checkpoint folder this process cannot read -------------------------------------------
# The suite runs as root, whom file permissions do not stop, so the refusals are stood in for.


def refuse_to_reach(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """`folder` cannot be looked at (a parent directory this user may not search)."""
    real_is_dir = Path.is_dir

    def is_dir(path: Path) -> bool:
        if path == folder:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_is_dir(path)

    monkeypatch.setattr(Path, "is_dir", is_dir)


def refuse_to_list(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """`folder` is there but cannot be listed (no read permission on it)."""
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(path) == folder:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_verify_alarms_when_the_checkpoint_folder_cannot_be_listed(
    monkeypatch: pytest.MonkeyPatch, checkpoint_directory: Path
) -> None:
    sealed_events(2)
    run_audit_command("checkpoint")
    refuse_to_list(monkeypatch, checkpoint_directory)
    with pytest.raises(CommandError) as alarm:
        run_audit_command("verify")
    assert alarm.value.returncode == 1
    assert (
        f"BROKEN: checkpoint folder {checkpoint_directory} cannot be read (Permission denied)"
        in str(alarm.value)
    )


def test_verify_alarms_when_the_checkpoint_folder_cannot_be_reached(
    monkeypatch: pytest.MonkeyPatch, checkpoint_directory: Path
) -> None:
    sealed_events(1)
    refuse_to_reach(monkeypatch, checkpoint_directory)
    with pytest.raises(CommandError) as alarm:
        run_audit_command("verify")
    assert alarm.value.returncode == 1
    assert f"checkpoint folder {checkpoint_directory} cannot be read" in str(alarm.value)


def test_checkpoint_refuses_with_a_sentence_when_its_folder_cannot_be_read(
    monkeypatch: pytest.MonkeyPatch, checkpoint_directory: Path
) -> None:
    sealed_events(1)
    refuse_to_reach(monkeypatch, checkpoint_directory)
    with pytest.raises(CommandError) as refused:
        run_audit_command("checkpoint")
    assert str(refused.value).startswith(
        f"No checkpoint written: checkpoint folder {checkpoint_directory} cannot be read"
    )


def test_a_checkpoint_folder_under_a_file_cannot_be_written(settings: Any, tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    settings.AUDIT_CHECKPOINT_DIR = a_file / "checkpoints"
    sealed_events(1)
    with pytest.raises(CommandError, match=r"No checkpoint written: .* cannot be written to"):
        run_audit_command("checkpoint")


def test_seal_every_goes_on_sealing_when_the_checkpoint_folder_cannot_be_read(
    settings: Any, monkeypatch: pytest.MonkeyPatch, checkpoint_directory: Path
) -> None:
    settings.AUDIT_SEAL_INLINE = False
    settings.AUDIT_CHECKPOINT_EVERY_SECONDS = 3600
    refuse_to_reach(monkeypatch, checkpoint_directory)
    record_events(1)
    rounds: list[bool] = []

    def sealer(*, whole_trail: bool) -> int:
        rounds.append(whole_trail)
        if len(rounds) == 3:
            raise KeyboardInterrupt
        if len(rounds) == 2:
            record_events(1)  # written after the checkpoint failed: still sealed
        return audit_seal_pending(whole_trail=whole_trail)

    monkeypatch.setattr(audit_command, "audit_seal_pending", sealer)
    output = run_audit_command("seal", "--every", "0.01")
    assert f"checkpoint folder {checkpoint_directory} cannot be read" in output
    assert output.endswith("Stopped.\n")
    assert AuditSeal.objects.count() == 2
