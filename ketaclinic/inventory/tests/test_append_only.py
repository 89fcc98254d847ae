"""The database itself keeps the controlled-substance ledger append-only (21 CFR 1304.04: records
kept two years; a correction is a reversing entry): movements, counts and count lines refuse
UPDATE and DELETE on SQLite and PostgreSQL, and TRUNCATE on PostgreSQL, as the audit tables do.
SQLite drops triggers when a migration rebuilds a table, so they come back after every migrate;
the test suite's flush switches them off for itself only."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models.signals import post_migrate

from ketaclinic.inventory.counts import CountEntry, stock_count_record
from ketaclinic.inventory.models import CountKind, Movement, StockCount, StockCountLine
from ketaclinic.inventory.tests.support import ketamine_50, receive, safe
from ketaclinic.testing.personas import Personas, make_personas

pytestmark = pytest.mark.django_db

TABLES = ["inventory_movement", "inventory_stockcount", "inventory_stockcountline"]
NEEDS_TRUNCATE = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="SQLite has no TRUNCATE"
)


def ledger_with_a_count(personas: Personas) -> None:
    """A receipt (movements) and a count of it (a count and its lines)."""
    location = safe(personas.clinic)
    containers = receive(personas, ketamine_50(personas.clinic), location, count=1)
    stock_count_record(
        acting_user=personas.nina,
        clinic=personas.clinic,
        kind=CountKind.SHIFT,
        location=location,
        entries=[CountEntry(container_id=containers[0].pk, is_found=True)],
        witness=personas.bob,
    )


def rows() -> tuple[int, int, int]:
    return (Movement.objects.count(), StockCount.objects.count(), StockCountLine.objects.count())


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("statement", ["UPDATE {table} SET id = id", "DELETE FROM {table}"])
def test_the_database_refuses_to_change_or_delete_ledger_rows(
    personas: Personas, table: str, statement: str
) -> None:
    ledger_with_a_count(personas)
    before = rows()
    with (
        pytest.raises(DatabaseError, match="ledger is append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement.format(table=table))
    assert rows() == before


@NEEDS_TRUNCATE
@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE inventory_discrepancy, inventory_stockcountline",
        "TRUNCATE inventory_stockcount CASCADE",
        "TRUNCATE inventory_movement CASCADE",
        "TRUNCATE inventory_container CASCADE",
    ],
)
def test_postgresql_refuses_to_truncate_the_ledger(personas: Personas, statement: str) -> None:
    ledger_with_a_count(personas)
    before = rows()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # nothing pending: the trigger decides
    with (
        pytest.raises(DatabaseError, match="ledger is append-only: TRUNCATE"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert rows() == before


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="PostgreSQL keeps its triggers")
def test_the_triggers_come_back_after_a_migration_rebuilds_a_table(personas: Personas) -> None:
    ledger_with_a_count(personas)
    with connection.cursor() as cursor:  # what SQLite's table rebuild does to them
        for table in TABLES:
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    post_migrate.send(
        sender=apps.get_app_config("inventory"),
        app_config=apps.get_app_config("inventory"),
        verbosity=0,
        interactive=False,
        using=connection.alias,
        apps=apps,
        plan=[],
    )
    with pytest.raises(DatabaseError, match="ledger is append-only"), transaction.atomic():
        Movement.objects.all().delete()
    assert Movement.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_test_suites_flush_empties_the_ledger_and_leaves_it_guarded() -> None:
    ledger_with_a_count(make_personas())
    call_command("flush", interactive=False, verbosity=0)
    assert rows() == (0, 0, 0)
    ledger_with_a_count(make_personas())
    with pytest.raises(DatabaseError, match="ledger is append-only"), transaction.atomic():
        Movement.objects.all().delete()
