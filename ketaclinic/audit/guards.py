"""The database's own refusal to change the audit trail: triggers on both audit tables.

PostgreSQL (migrations 0002 and 0017): UPDATE, DELETE and TRUNCATE raise, for every role; only
the tables' owner can switch the triggers off (a DDL statement a database audit log shows).
SQLite (migration 0017): UPDATE and DELETE raise (SQLite has no TRUNCATE). Rebuilding a table,
which SQLite's migrations do for some column changes, drops its triggers, so they are created
again after every `migrate` (registered in apps.py). The mechanism is shared with the
controlled-substance ledger (ketaclinic.core.append_only).
"""

from __future__ import annotations

from ketaclinic.core.append_only import AppendOnlyTables

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
