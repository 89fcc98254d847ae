"""Helpers for the audit tests: record events, and tamper with rows as an intruder would."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management import call_command
from django.db import connection

from ketaclinic.audit.models import AuditAction, AuditEvent

# The append-only triggers of migration 0002, per table.
TRIGGERS = {
    "audit_auditevent": "audit_event_append_only",
    "audit_auditseal": "audit_seal_append_only",
}


def record_events(count: int, **fields: Any) -> list[AuditEvent]:
    """`count` failed sign-ins (no actor, no clinic), numbered in their detail."""
    from ketaclinic.audit.services import audit_record

    return [
        audit_record(actor=None, action=AuditAction.SIGN_IN_FAILED, detail={"n": n}, **fields)
        for n in range(count)
    ]


@contextmanager
def tampering() -> Iterator[Any]:
    """A raw cursor that can change audit rows, as someone with a SQL prompt could.

    On PostgreSQL that takes the table owner switching the append-only triggers off first (the
    test database's owner can; the application's role in production cannot). The switch is
    part of the test's transaction, so it is undone with it. (Django's foreign keys are checked
    at commit; checking the ones pending now lets the tables be altered inside the transaction.)
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, trigger in TRIGGERS.items():
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        yield cursor
        if connection.vendor == "postgresql":
            for table, trigger in TRIGGERS.items():
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")


def run_audit_command(*args: str) -> str:
    """`ketaclinic audit ...`, returning what it printed (a failure raises CommandError)."""
    out = io.StringIO()
    call_command("audit", *args, stdout=out, stderr=out)
    return out.getvalue()
