"""`ketaclinic audit verify | seal [--every SECONDS] | checkpoint`: check and extend the chain.

verify      recomputes every link and compares the chain with the newest signed checkpoint (or
            --checkpoint FILE, e.g. an offsite copy); exits 1 when the chain is broken, shorter
            than or different from the checkpoint, holds an event the application did not write,
            a checkpoint file is not validly signed, or events have waited longer than
            AUDIT_UNSEALED_ALERT_SECONDS to be sealed (run it from cron; alert on exit 1).
seal        links committed, unsealed events into the chain once, searching the whole trail;
            with --every it keeps doing so (for AUDIT_SEAL_INLINE=false) until Ctrl-C or
            SIGTERM: the whole trail on its first round, then each round the events after the
            newest sealed one (an index range scan), and every AUDIT_SEAL_SWEEP_SECONDS the
            newest SEAL_LOOKBACK_IDS ids for an event that committed late; it survives the
            database restarting, and writes a checkpoint every AUDIT_CHECKPOINT_EVERY_SECONDS.
            `ketaclinic serve` runs it beside gunicorn (`--every 1 --exit-with-parent`).
checkpoint  writes the chain's head as a signed JSON file into AUDIT_CHECKPOINT_DIR, and prints
            it (keep a copy off this host).
"""

from __future__ import annotations

import contextlib
import datetime
import os
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import Error as DbError  # PEP 249's base: InterfaceError too ("already closed")
from django.db import close_old_connections, connection
from django.utils import timezone

from ketaclinic.audit.checkpoints import (
    Checkpoint,
    CheckpointInvalid,
    CheckpointRefused,
    audit_checkpoint_compare,
    audit_checkpoint_newest,
    audit_checkpoint_read,
    audit_checkpoint_write,
)
from ketaclinic.audit.keys import audit_keyring
from ketaclinic.audit.services import (
    SEAL_LOOKBACK_IDS,
    ChainReport,
    audit_chain_verify,
    audit_seal_pending,
    audit_seal_recent,
)


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _events(count: int) -> str:
    return f"{count:,} event{'' if count == 1 else 's'}"


def _links(count: int) -> str:
    return f"{count:,} link{'' if count == 1 else 's'}"


def _event_ids(text: str) -> set[int]:
    try:
        return {int(part) for part in text.split(",") if part.strip()}
    except ValueError as error:
        raise CommandError(
            f"--known-forged takes event ids separated by commas, not {text!r}."
        ) from error


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chain, seal committed events into it, or write a "
        "signed checkpoint of its head."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(
            dest="subcommand", required=True, metavar="verify|seal|checkpoint"
        )
        verify = commands.add_parser(
            "verify",
            help="Recompute the whole chain and compare it with the newest checkpoint; exit 1 "
            "if anything does not hold or events wait too long.",
        )
        verify.add_argument(
            "--checkpoint",
            type=Path,
            default=None,
            metavar="FILE",
            help="Compare with this checkpoint file (e.g. an offsite copy) instead of the "
            "newest one in AUDIT_CHECKPOINT_DIR.",
        )
        verify.add_argument(
            "--known-forged",
            default="",
            metavar="EVENT_IDS",
            help="Comma-separated ids of forged events already investigated: still listed, but "
            "no longer failing verify (any other forged event still does).",
        )
        commands.add_parser(
            "checkpoint",
            help="Write the chain's head as a signed JSON file into AUDIT_CHECKPOINT_DIR, and "
            "print it.",
        )
        seal = commands.add_parser("seal", help="Link committed, unsealed events into the chain.")
        seal.add_argument(
            "--every",
            type=float,
            default=None,
            metavar="SECONDS",
            help="Keep sealing every SECONDS (for AUDIT_SEAL_INLINE=false); Ctrl-C or SIGTERM "
            "stops. A database restart does not: the round is tried again.",
        )
        seal.add_argument(
            "--exit-with-parent",
            action="store_true",
            help="Stop when the process that started this one has gone (`ketaclinic serve` "
            "passes it, so a sealer never outlives its server).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self._verify(
                checkpoint_file=options["checkpoint"],
                known_forged=_event_ids(options["known_forged"]),
            )
        elif options["subcommand"] == "checkpoint":
            self._checkpoint()
        elif options["every"] is None:
            sealed = audit_seal_pending(whole_trail=True)
            self.stdout.write(f"Sealed {_events(sealed)}.")
        else:
            self._seal_every(options["every"], exit_with_parent=options["exit_with_parent"])

    # --- verify ---------------------------------------------------------------------------

    def _verify(self, *, checkpoint_file: Path | None, known_forged: set[int]) -> None:
        report = audit_chain_verify()
        self.stdout.write(self._summary(report))
        problems = []
        if not report.is_intact:
            problems.append(
                f"BROKEN at link {report.first_broken_sequence}: {report.problem}. "
                "Every link before it verifies; the links after it cannot be trusted until "
                "this is explained. Tell your security officer."
            )
        if report.forged_count:
            if report.forged_count == len(known_forged) and known_forged.issuperset(
                report.forged_event_ids
            ):
                self.stdout.write(f"Known (investigated): {report.forged_problem}.")
            else:
                problems.append(f"BROKEN: {report.forged_problem}. Tell your security officer.")
        problems.extend(
            f"BROKEN: {problem}." for problem in self._checkpoint_problems(checkpoint_file)
        )
        if report.has_stale_unsealed:
            assert report.oldest_unsealed_at is not None
            waited = int((timezone.now() - report.oldest_unsealed_at).total_seconds())
            problems.append(
                f"UNSEALED: {_events(report.unsealed_count)} not sealed, the oldest from "
                f"{_utc(report.oldest_unsealed_at)} ({waited:,} s ago, over the "
                f"{settings.AUDIT_UNSEALED_ALERT_SECONDS} s limit): is the sealer running? "
                "`ketaclinic audit seal` links them now."
            )
        if problems:
            raise CommandError("\n".join(problems))
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: all {_links(report.last_sequence)} recomputed."
            )
        )

    def _summary(self, report: ChainReport) -> str:
        waiting = f"{_events(report.unsealed_count)} waiting to be sealed"
        if report.oldest_unsealed_at is not None:
            waiting += f" (oldest from {_utc(report.oldest_unsealed_at)})"
        return (
            f"Sealed: {_links(report.last_sequence)}; {waiting}.\n"
            f"Head: link {report.last_sequence}, {report.head_algorithm} {report.head_hash}"
        )

    def _checkpoint_problems(self, checkpoint_file: Path | None) -> list[str]:
        """Compare with the checkpoint; say which one, or that there is none yet."""
        checkpoint: Checkpoint | None
        if checkpoint_file is not None:
            try:
                checkpoint = audit_checkpoint_read(checkpoint_file, keyring=audit_keyring())
            except CheckpointInvalid as error:
                return [str(error)]
            file_problems: list[str] = []
        else:
            try:
                checkpoint, file_problems = audit_checkpoint_newest()
            except CheckpointInvalid as error:
                return [str(error)]
        if checkpoint is None:
            if not file_problems:
                self.stdout.write(
                    f"No audit checkpoint yet in {settings.AUDIT_CHECKPOINT_DIR}: "
                    "`ketaclinic audit checkpoint` writes one. Until then, links deleted from "
                    "the end of the chain (or emptied tables) cannot be told from a short chain."
                )
            return file_problems
        problems = audit_checkpoint_compare(checkpoint)
        if not problems:
            self.stdout.write(
                f"Matches checkpoint {checkpoint.name} (link {checkpoint.sequence}, written "
                f"{checkpoint.written_at})."
            )
        return file_problems + problems

    # --- checkpoint -----------------------------------------------------------------------

    def _checkpoint(self) -> None:
        try:
            checkpoint, path = audit_checkpoint_write()
        except CheckpointRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        self.stdout.write(checkpoint.as_json())
        self.stdout.write(
            f"Written to {path}. Keep a copy off this host (WORM storage, a log service, or paper)."
        )

    # --- seal --every ---------------------------------------------------------------------

    def _seal_every(self, every: float, *, exit_with_parent: bool) -> None:
        if every <= 0:
            raise CommandError("--every needs a number of seconds above zero.")
        stop = threading.Event()

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            stop.set()  # finish the batch in hand, then leave (a service manager's stop)

        previous = signal.signal(signal.SIGTERM, on_sigterm)
        parent_pid = os.getppid()
        self.stdout.write(f"Sealing every {every:g} s; Ctrl-C stops.")
        loop = _SealerLoop()
        try:
            while not stop.is_set():
                if exit_with_parent and os.getppid() != parent_pid:
                    # `ketaclinic serve` was killed without a chance to stop us (SIGKILL, OOM):
                    # a sealer left behind would outlive every deployment after it.
                    self.stdout.write("The server that started this sealer has gone.")
                    break
                if self._seal_round(loop, retry_in=every):
                    loop.checkpoint_due = self._checkpoint_if_due(loop.checkpoint_due)
                stop.wait(every)
        except KeyboardInterrupt:
            pass  # a batch cut short rolls back whole; its rows are sealed next time
        finally:
            signal.signal(signal.SIGTERM, previous)
        self.stdout.write("Stopped.")

    def _seal_round(self, loop: _SealerLoop, *, retry_in: float) -> bool:
        """One round: new events cheaply, a sweep for late ones when due. False if it failed."""
        try:
            # A long-lived process: drop a connection the server has closed or that is past its
            # age. (Never inside a transaction, which is where the test suite runs the command.)
            if not connection.in_atomic_block:
                close_old_connections()
            # The first round searches the whole trail: rows left behind while nothing ran.
            sealed = audit_seal_pending(whole_trail=loop.whole_trail)
            late = 0
            now = timezone.now()
            if loop.whole_trail:
                loop.sweep_due = now + loop.sweep_interval
            elif now >= loop.sweep_due:
                late = audit_seal_recent()
                loop.sweep_due = now + loop.sweep_interval
        except DbError as error:
            # The database restarting must not end the sealer; the rows wait for the next round
            # (a whole-trail search that failed is tried again), on a new connection.
            if not connection.in_atomic_block:
                with contextlib.suppress(DbError):
                    connection.close()
            self.stderr.write(
                f"{_utc(timezone.now())} sealing failed ({error}); retrying in {retry_in:g} s."
            )
            return False
        loop.whole_trail = False
        if sealed:
            self.stdout.write(f"{_utc(now)} sealed {_events(sealed)}.")
        if late:
            self.stdout.write(
                f"{_utc(now)} sealed {_events(late)} that committed after a later one was "
                f"sealed (sweep of the newest {SEAL_LOOKBACK_IDS:,} ids)."
            )
        return True

    def _checkpoint_if_due(self, due: datetime.datetime | None) -> datetime.datetime | None:
        """Write a checkpoint when one is due (AUDIT_CHECKPOINT_EVERY_SECONDS; 0: never)."""
        interval = settings.AUDIT_CHECKPOINT_EVERY_SECONDS
        now = timezone.now()
        if interval <= 0 or (due is not None and now < due):
            return due
        next_due = now + datetime.timedelta(seconds=interval)
        try:
            checkpoint, path = audit_checkpoint_write()
        except (CheckpointRefused, DbError, OSError) as error:
            # Sealing matters more than the checkpoint: say so, and go on (retried when due).
            self.stderr.write(f"{_utc(now)} {error}")
            return next_due
        self.stdout.write(f"{_utc(now)} checkpoint written to {path}: {checkpoint.as_json()}")
        return next_due


class _SealerLoop:
    """What the sealer loop carries from one round to the next."""

    def __init__(self) -> None:
        self.whole_trail = True  # until a round has searched it once
        self.sweep_interval = datetime.timedelta(seconds=settings.AUDIT_SEAL_SWEEP_SECONDS)
        self.sweep_due = timezone.now()
        self.checkpoint_due: datetime.datetime | None = None  # the first good round writes one
