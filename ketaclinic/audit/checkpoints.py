"""Signed checkpoints of the chain's head, kept outside the database.

The chain proves that no link was changed or removed from its middle, but not that none was
removed from its end: delete the newest rows, or empty both tables, and what is left is an intact
chain. A checkpoint records the head at a moment (its sequence and hash, the number of events,
the time and the key id) in a small JSON file signed with the audit key (HMAC), written once into
AUDIT_CHECKPOINT_DIR and never overwritten, and printed so that an operator can also keep it
elsewhere. `verify` then requires the chain to reach that link with that hash.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ketaclinic.audit.chain import GENESIS_HASH, canonical
from ketaclinic.audit.keys import AuditKey, AuditKeyring, audit_keyring
from ketaclinic.audit.models import AuditAction, AuditEvent, AuditSeal
from ketaclinic.audit.services import audit_chain_verify_after, audit_record

CHECKPOINT_FORMAT = "ketaclinic-audit-checkpoint/1"
_FIELDS: dict[str, type] = {
    "format": str,
    "sequence": int,
    "head_hash": str,
    "event_count": int,
    "written_at": str,
    "key_id": str,
    "signature": str,
}


class CheckpointInvalid(Exception):
    """A checkpoint file that cannot be trusted (unreadable, not a checkpoint, or mis-signed),
    or a checkpoint folder that cannot be read."""


class CheckpointRefused(Exception):
    """No checkpoint was written, and why (a sentence for the operator)."""


@dataclass(frozen=True)
class Checkpoint:
    sequence: int
    head_hash: str
    event_count: int
    written_at: str
    key_id: str
    signature: str
    name: str = ""

    def as_json(self) -> str:
        return json.dumps(_signed_fields(self) | {"signature": self.signature})

    @property
    def described(self) -> str:
        return f"checkpoint {self.name} (written {self.written_at})"


def _signed_fields(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "format": CHECKPOINT_FORMAT,
        "sequence": checkpoint.sequence,
        "head_hash": checkpoint.head_hash,
        "event_count": checkpoint.event_count,
        "written_at": checkpoint.written_at,
        "key_id": checkpoint.key_id,
    }


def _signature(fields: dict[str, Any], key: AuditKey) -> str:
    return hmac.new(key.checkpoint, canonical(fields), hashlib.sha256).hexdigest()


def audit_checkpoint_read(path: Path, *, keyring: AuditKeyring) -> Checkpoint:
    """The checkpoint in `path`, its signature checked; CheckpointInvalid says what is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CheckpointInvalid(
            f"checkpoint file {path} cannot be read ({error.strerror or error})"
        ) from error
    except ValueError as error:
        raise CheckpointInvalid(f"checkpoint file {path.name} is not JSON ({error})") from error
    if (
        not isinstance(data, dict)
        or set(data) != set(_FIELDS)
        or any(type(data[name]) is not kind for name, kind in _FIELDS.items())
        or data["format"] != CHECKPOINT_FORMAT
    ):
        raise CheckpointInvalid(
            f"checkpoint file {path.name} is not an audit checkpoint (its fields are not those "
            "`ketaclinic audit checkpoint` writes); it was altered, or is some other file"
        )
    key = keyring.get(data["key_id"])
    if key is None:
        raise CheckpointInvalid(
            f"checkpoint file {path.name} is signed with audit key {data['key_id']}, which this "
            "server does not have: add that key to AUDIT_HMAC_OLD_KEYS (or the file was not "
            "written by ketaclinic)"
        )
    signed = {name: value for name, value in data.items() if name != "signature"}
    if not hmac.compare_digest(_signature(signed, key), data["signature"]):
        raise CheckpointInvalid(
            f"checkpoint file {path.name} has a bad signature: it was altered after it was "
            "written, or was not written by ketaclinic with this audit key. Compare it with "
            "your offsite copy"
        )
    return Checkpoint(
        sequence=data["sequence"],
        head_hash=data["head_hash"],
        event_count=data["event_count"],
        written_at=data["written_at"],
        key_id=data["key_id"],
        signature=data["signature"],
        name=path.name,
    )


def audit_checkpoint_newest(
    *, directory: Path | None = None, keyring: AuditKeyring | None = None
) -> tuple[Checkpoint | None, list[str]]:
    """The valid checkpoint furthest along the chain, and a sentence for each file that is not
    valid (each one an alarm: checkpoints are written once and never changed).

    A folder that is there but cannot be read raises CheckpointInvalid: its checkpoints would
    otherwise pass for none at all (Path.glob hides the error).
    """
    folder = Path(directory or settings.AUDIT_CHECKPOINT_DIR)
    ring = keyring or audit_keyring()
    try:
        if not folder.is_dir():
            return None, []
        with os.scandir(folder) as entries:
            paths = sorted(folder / entry.name for entry in entries if entry.name.endswith(".json"))
    except OSError as error:
        raise CheckpointInvalid(
            f"checkpoint folder {folder} cannot be read ({error.strerror or error}), so the "
            "chain cannot be compared with its checkpoints. Let this user read "
            "AUDIT_CHECKPOINT_DIR"
        ) from error
    valid, problems = [], []
    for path in paths:
        try:
            valid.append(audit_checkpoint_read(path, keyring=ring))
        except CheckpointInvalid as error:
            problems.append(str(error))
    newest = max(
        valid, key=lambda checkpoint: (checkpoint.sequence, checkpoint.written_at), default=None
    )
    return newest, problems


def audit_checkpoint_compare(checkpoint: Checkpoint) -> list[str]:
    """What no longer matches `checkpoint` (empty when the chain still holds it)."""
    problems = []
    last_sequence = AuditSeal.objects.aggregate(last=Max("sequence"))["last"] or 0
    seal = (
        AuditSeal.objects.filter(sequence=checkpoint.sequence).only("entry_hash").first()
        if checkpoint.sequence
        else None
    )
    recorded = f"{checkpoint.described} recorded link {checkpoint.sequence}"
    if checkpoint.sequence and seal is None and last_sequence == 0:
        problems.append(
            f"the chain is empty, but {recorded}: the audit tables were emptied (TRUNCATE, or "
            "DELETE with the triggers switched off) after it was written"
        )
    elif checkpoint.sequence and seal is None and last_sequence < checkpoint.sequence:
        problems.append(
            f"the chain ends at link {last_sequence}, but {recorded}: links "
            f"{last_sequence + 1}-{checkpoint.sequence} were deleted from the end of the trail "
            "after it was written"
        )
    elif checkpoint.sequence and seal is None:
        problems.append(f"link {checkpoint.sequence} is missing, but {recorded}")
    elif not hmac.compare_digest(seal.entry_hash if seal else GENESIS_HASH, checkpoint.head_hash):
        problems.append(
            f"link {checkpoint.sequence}'s hash differs from the one {checkpoint.described} "
            f"recorded: the chain up to link {checkpoint.sequence} was rewritten after it was "
            "written"
        )
    events = AuditEvent.objects.count()
    if events < checkpoint.event_count:
        problems.append(
            f"the trail holds {events:,} events, but {checkpoint.described} counted "
            f"{checkpoint.event_count:,}: events were deleted after it was written"
        )
    return problems


def audit_checkpoint_write(*, directory: Path | None = None) -> tuple[Checkpoint, Path]:
    """Check the chain since the last checkpoint, then write and record a new one.

    Refuses (CheckpointRefused) when the chain no longer matches the last checkpoint or a link
    after it does not hold: a checkpoint must never vouch for a chain already cut or changed.
    """
    folder = Path(directory or settings.AUDIT_CHECKPOINT_DIR)
    keyring = audit_keyring()
    try:
        previous, _invalid = audit_checkpoint_newest(directory=folder, keyring=keyring)
    except CheckpointInvalid as error:
        raise CheckpointRefused(f"No checkpoint written: {error}.") from error
    anchor = None
    if previous is not None:
        problems = audit_checkpoint_compare(previous)
        if problems:
            raise CheckpointRefused(
                f"No checkpoint written: {'; '.join(problems)}. Run `ketaclinic audit verify`."
            )
        anchor = AuditSeal.objects.filter(sequence=previous.sequence).first()
    report, sequence, head_hash = audit_chain_verify_after(anchor=anchor)
    if not report.is_intact:
        raise CheckpointRefused(
            f"No checkpoint written: the chain is broken at link "
            f"{report.first_broken_sequence}: {report.problem}. Run `ketaclinic audit verify`."
        )
    now = timezone.now()
    key = keyring.current
    unsigned = Checkpoint(
        sequence=sequence,
        head_hash=head_hash,
        event_count=AuditEvent.objects.count(),
        written_at=now.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        key_id=key.key_id,
        signature="",
    )
    stem = f"audit-checkpoint-{now.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}-link{sequence}"
    signature = _signature(_signed_fields(unsigned), key)
    signed = replace(unsigned, signature=signature)
    path = _write_new_file(folder, stem, signed.as_json() + "\n")
    checkpoint = replace(signed, name=path.name)
    with transaction.atomic():
        audit_record(
            actor=None,
            action=AuditAction.AUDIT_CHECKPOINT_WRITTEN,
            detail={
                "sequence": checkpoint.sequence,
                "head_hash": checkpoint.head_hash,
                "event_count": checkpoint.event_count,
                "key_id": checkpoint.key_id,
                "file": str(path),
            },
        )
    return checkpoint, path


def _write_new_file(folder: Path, stem: str, text: str) -> Path:
    """Create a new, read-only file; an existing one is never opened for writing."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o750)
        for attempt in range(1, 1000):
            path = folder / (f"{stem}.json" if attempt == 1 else f"{stem}-{attempt}.json")
            try:
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o440)
            except FileExistsError:
                continue
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            return path
    except OSError as error:
        raise CheckpointRefused(
            f"No checkpoint written: {folder} cannot be written to ({error.strerror or error}). "
            "Set AUDIT_CHECKPOINT_DIR to a directory this user may write."
        ) from error
    raise CheckpointRefused(f"No checkpoint written: too many checkpoints named {stem} already.")
