"""`ketaclinic audit verify | seal [--every SECONDS]`: check and extend the audit hash chain."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketaclinic.audit.services import audit_chain_verify, audit_seal_pending


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain, or seal committed events into it."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True)
        commands.add_parser("verify", help="Recompute the chain; exit non-zero if it is broken.")
        seal = commands.add_parser("seal", help="Link committed, unsealed events into the chain.")
        seal.add_argument(
            "--every",
            type=float,
            default=0,
            metavar="SECONDS",
            help="Keep sealing every SECONDS (for AUDIT_SEAL_INLINE=false); Ctrl-C stops.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self._verify()
        else:
            self._seal(every=options["every"])

    def _verify(self) -> None:
        report = audit_chain_verify()
        self.stdout.write(
            f"{report.sealed_count} sealed, {report.unsealed_count} waiting to be sealed."
        )
        if not report.is_intact:
            raise CommandError(
                f"BROKEN at link {report.first_broken_sequence}: {report.problem}. "
                "Every link after it is unverified."
            )
        if report.has_stale_unsealed:
            raise CommandError(
                f"Chain intact, but {report.unsealed_count} event(s) have waited longer than "
                f"{settings.AUDIT_UNSEALED_ALERT_SECONDS} s to be sealed (oldest from "
                f"{report.oldest_unsealed_at:%Y-%m-%d %H:%M:%S} UTC): is the sealer running?"
            )
        self.stdout.write(self.style.SUCCESS("Audit chain intact."))

    def _seal(self, *, every: float) -> None:
        if every < 0:
            raise CommandError("--every must be zero or more seconds.")
        try:
            while True:
                sealed = audit_seal_pending()
                if sealed or not every:
                    self.stdout.write(f"Sealed {sealed} event(s).")
                if not every:
                    return
                time.sleep(every)
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
