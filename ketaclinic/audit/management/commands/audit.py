"""`ketaclinic audit verify | seal [--every SECONDS]`: check and extend the audit hash chain.

verify  recomputes every link and exits 1 when the chain is broken or when events have waited
        longer than AUDIT_UNSEALED_ALERT_SECONDS to be sealed (run it from cron; alert on exit 1).
seal    links committed, unsealed events into the chain once, searching the whole trail;
        with --every it keeps doing so (for AUDIT_SEAL_INLINE=false) until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import datetime
import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from ketaclinic.audit.services import ChainReport, audit_chain_verify, audit_seal_pending


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _events(count: int) -> str:
    return f"{count:,} event{'' if count == 1 else 's'}"


def _links(count: int) -> str:
    return f"{count:,} link{'' if count == 1 else 's'}"


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain, or seal committed events into it."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="verify|seal")
        commands.add_parser(
            "verify",
            help="Recompute the whole chain; exit 1 if it is broken or events wait too long.",
        )
        seal = commands.add_parser("seal", help="Link committed, unsealed events into the chain.")
        seal.add_argument(
            "--every",
            type=float,
            default=None,
            metavar="SECONDS",
            help="Keep sealing every SECONDS (for AUDIT_SEAL_INLINE=false); Ctrl-C stops.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self._verify()
        elif options["every"] is None:
            sealed = audit_seal_pending(whole_trail=True)
            self.stdout.write(f"Sealed {_events(sealed)}.")
        else:
            self._seal_every(options["every"])

    # --- verify ---------------------------------------------------------------------------

    def _verify(self) -> None:
        report = audit_chain_verify()
        self.stdout.write(self._summary(report))
        problems = []
        if not report.is_intact:
            problems.append(
                f"BROKEN at link {report.first_broken_sequence}: {report.problem}. "
                "Every link before it verifies; the links after it cannot be trusted until "
                "this is explained. Tell your security officer."
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
            f"Head: link {report.last_sequence}, sha256 {report.head_hash}"
        )

    # --- seal --every ---------------------------------------------------------------------

    def _seal_every(self, every: float) -> None:
        if every <= 0:
            raise CommandError("--every needs a number of seconds above zero.")
        stop = threading.Event()

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            stop.set()  # finish the batch in hand, then leave (a service manager's stop)

        previous = signal.signal(signal.SIGTERM, on_sigterm)
        self.stdout.write(f"Sealing every {every:g} s; Ctrl-C stops.")
        whole_trail = True  # the first round also finds rows left behind while nothing ran
        try:
            while not stop.is_set():
                if self._seal_round(whole_trail=whole_trail, retry_in=every):
                    whole_trail = False
                stop.wait(every)
        except KeyboardInterrupt:
            pass  # a batch cut short rolls back whole; its rows are sealed next time
        finally:
            signal.signal(signal.SIGTERM, previous)
        self.stdout.write("Stopped.")

    def _seal_round(self, *, whole_trail: bool, retry_in: float) -> bool:
        # A long-lived process: drop a connection the server has closed or that is past its
        # age. (Never inside a transaction, which is where the test suite runs the command.)
        if not connection.in_atomic_block:
            close_old_connections()
        try:
            sealed = audit_seal_pending(whole_trail=whole_trail)
        except DatabaseError as error:
            # The database restarting must not end the sealer; the rows wait for the next round.
            if not connection.in_atomic_block:
                connection.close()
            self.stderr.write(
                f"{_utc(timezone.now())} sealing failed ({error}); retrying in {retry_in:g} s."
            )
            return False
        if sealed:
            self.stdout.write(f"{_utc(timezone.now())} sealed {_events(sealed)}.")
        return True
