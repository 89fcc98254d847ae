"""Tables the database itself keeps append-only: triggers that refuse UPDATE, DELETE and TRUNCATE.

The audit trail and the controlled-substance ledger have no update or delete path in the
application; their triggers make the rule hold at a SQL prompt too. On PostgreSQL each app's
migrations create statement triggers (UPDATE, DELETE and TRUNCATE raise, for every role; only the
tables' owner can switch them off, a DDL statement a database audit log shows). SQLite has no
TRUNCATE; there UPDATE and DELETE raise. Rebuilding a table, which SQLite's migrations do for some
column changes, drops its triggers, so `append_only_install` creates them again after every
`migrate` (one `post_migrate` handler, for every registered app).

Each app describes its tables once (`AppendOnlyTables`) and registers them when it is ready, so
that they are reinstalled after `migrate`, and the test suite's `flush`
(audit/management/commands/flush.py) can switch every guard off for its own transaction without
importing the apps that own them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.signals import post_migrate

SQLITE_OPERATIONS = ("UPDATE", "DELETE")


@dataclass(frozen=True)
class AppendOnlyTables:
    """One app's append-only tables.

    `record` names them in the refusal ("the audit trail is append-only: DELETE on … is
    refused"); `postgresql_triggers` pairs each table with a trigger its migrations created.
    """

    record: str
    tables: tuple[str, ...]
    postgresql_triggers: tuple[tuple[str, str], ...]

    def sqlite_trigger_names(self) -> list[str]:
        return [
            f"{table}_no_{operation.lower()}"
            for table in self.tables
            for operation in SQLITE_OPERATIONS
        ]

    def sqlite_trigger_statements(self) -> list[str]:
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{operation.lower()} "
            f"BEFORE {operation} ON {table} BEGIN "
            f"SELECT RAISE(ABORT, '{self.record} is append-only: {operation} on {table} is "
            "refused'); END;"
            for table in self.tables
            for operation in SQLITE_OPERATIONS
        ]


_REGISTERED: dict[str, AppendOnlyTables] = {}  # by the label of the app that owns the tables


def append_only_register(guarded: AppendOnlyTables, *, app: AppConfig) -> None:
    """Called from the owning app's ready(): `guarded` is reinstalled after each `migrate` of
    `app`, and known to the test suite's flush."""
    _REGISTERED[app.label] = guarded
    post_migrate.connect(_reinstall_after_migrate, dispatch_uid="ketaclinic_append_only")


def append_only_registered() -> tuple[AppendOnlyTables, ...]:
    return tuple(_REGISTERED.values())


def _reinstall_after_migrate(
    sender: AppConfig, using: str = DEFAULT_DB_ALIAS, **kwargs: Any
) -> None:
    guarded = _REGISTERED.get(sender.label)
    if guarded is not None:
        append_only_install(connections[using], guarded)


def _present(connection: BaseDatabaseWrapper, guarded: AppendOnlyTables) -> bool:
    return set(guarded.tables) <= set(connection.introspection.table_names())


def append_only_install(connection: BaseDatabaseWrapper, guarded: AppendOnlyTables) -> None:
    """Create SQLite's triggers if a table rebuild dropped them (PostgreSQL keeps its own)."""
    if connection.vendor != "sqlite" or not _present(connection, guarded):
        return  # migrated back before the tables exist
    with connection.cursor() as cursor:
        for statement in guarded.sqlite_trigger_statements():
            cursor.execute(statement)


@contextmanager
def append_only_suspended(
    connection: BaseDatabaseWrapper, guarded: Iterable[AppendOnlyTables]
) -> Iterator[None]:
    """Switch the triggers of `guarded` off for the length of one transaction, and back on.

    For the tables' owner only (PostgreSQL refuses anyone else): the test suite's flush between
    tests, and tests that tamper with rows as an intruder would. Inside a transaction that is
    rolled back, the switch is undone with it.
    """
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        present = [item for item in guarded if _present(connection, item)]
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks pending now would block ALTER TABLE; run them first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for item in present:
                for table, trigger in item.postgresql_triggers:
                    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        elif connection.vendor == "sqlite":
            for item in present:
                for name in item.sqlite_trigger_names():
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        yield
        if connection.vendor == "postgresql":
            for item in present:
                for table, trigger in item.postgresql_triggers:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
        else:
            for item in present:
                append_only_install(connection, item)
