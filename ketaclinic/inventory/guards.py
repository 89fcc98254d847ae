"""The database's own refusal to change the controlled-substance ledger: movements, counts and
count lines are append-only (a correction is a reversing entry; records are kept at least two
years, 21 CFR 1304.04).

PostgreSQL (migrations 0002 and 0005): UPDATE, DELETE and TRUNCATE raise, for every role; only the
tables' owner can switch the triggers off. SQLite (migration 0005): UPDATE and DELETE raise, and
the triggers are created again after every `migrate` (apps.py), since SQLite drops them when a
migration rebuilds a table. The mechanism is the audit trail's (ketaclinic.core.append_only).
"""

from __future__ import annotations

from ketaclinic.core.append_only import AppendOnlyTables

TABLES = ("inventory_movement", "inventory_stockcount", "inventory_stockcountline")

LEDGER_TABLES = AppendOnlyTables(
    record="the controlled-substance ledger",
    tables=TABLES,
    # 0002's UPDATE/DELETE trigger and 0005's TRUNCATE trigger on each table.
    postgresql_triggers=tuple(
        (table, f"{table}_{suffix}")
        for table in TABLES
        for suffix in ("append_only", "no_truncate")
    ),
)
