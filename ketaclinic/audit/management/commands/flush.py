"""Django's `flush`, which the append-only tables' triggers refuse: the audit trail's rows and the
controlled-substance ledger's are never deleted.

Only the test suite, which empties the database between tests that commit, may flush those tables
too: its settings set AUDIT_TRAIL_FLUSHABLE, and then every registered guard
(ketaclinic.core.append_only: the audit trail's, the ledger's) is switched off for the flush's
own transaction (which needs the tables' owner). Anywhere else `flush` fails on those tables and
changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.commands import flush
from django.db import connections

from ketaclinic.core.append_only import append_only_registered, append_only_suspended


class Command(flush.Command):
    help = (
        f"{flush.Command.help} The audit trail and the controlled-substance ledger refuse it "
        "(their tables are append-only), except in the test suite."
    )

    def handle(self, **options: Any) -> None:
        if not getattr(settings, "AUDIT_TRAIL_FLUSHABLE", False):
            super().handle(**options)
            return
        with append_only_suspended(connections[options["database"]], append_only_registered()):
            super().handle(**options)
