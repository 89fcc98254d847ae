"""The database's own refusal to change the audit trail: triggers on both audit tables.

PostgreSQL (migrations 0002 and 0017): UPDATE, DELETE and TRUNCATE raise, for every role; only
the tables' owner can switch the triggers off (a DDL statement a database audit log shows).
SQLite (migration 0017): UPDATE and DELETE raise (SQLite has no TRUNCATE). Rebuilding a table,
which SQLite's migrations do for some column changes, drops its triggers, so they are created
again after every `migrate` (`audit_guards_install`, connected in apps.py). The mechanism is
shared with the controlled-substance ledger (ketaclinic.core.append_only).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.base.base import BaseDatabaseWrapper

from ketaclinic.core.append_only import (
    AppendOnlyTables,
    append_only_install,
    append_only_suspended,
)

TABLES = ("audit_auditevent", "audit_auditseal")

# Trigger names per table on PostgreSQL: 0002's UPDATE/DELETE and 0017's TRUNCATE.
POSTGRESQL_TRIGGERS = {
    "audit_auditevent": ("audit_event_append_only", "audit_event_no_truncate"),
    "audit_auditseal": ("audit_seal_append_only", "audit_seal_no_truncate"),
}

AUDIT_TABLES = AppendOnlyTables(
    record="the audit trail",
    tables=TABLES,
    postgresql_triggers=tuple(
        (table, trigger) for table, triggers in POSTGRESQL_TRIGGERS.items() for trigger in triggers
    ),
)


def audit_guards_install(connection: BaseDatabaseWrapper) -> None:
    """Create SQLite's triggers if a table rebuild dropped them (PostgreSQL keeps its own)."""
    append_only_install(connection, AUDIT_TABLES)


@contextmanager
def audit_guards_suspended(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Switch the audit triggers off for the length of one transaction, and back on.

    For the table owner only (PostgreSQL refuses anyone else): tests that tamper with rows as an
    intruder would. Inside a transaction that is rolled back, the switch is undone with it.
    """
    with append_only_suspended(connection, [AUDIT_TABLES]):
        yield
