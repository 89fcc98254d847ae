"""The database refuses TRUNCATE of the ledger's tables (PostgreSQL), and UPDATE and DELETE on
SQLite too (PostgreSQL has refused those since 0002), as the audit tables do (audit 0017).

TRUNCATE fires no row or UPDATE/DELETE trigger, so 0002's triggers let the tables' owner empty
the ledger. Now only someone who first switches these triggers off (a DDL statement; the owner or
a superuser) can. The test suite's flush switches them off for itself
(audit/management/commands/flush.py). SQLite has no TRUNCATE; ketaclinic.inventory.guards
recreates its triggers after every migrate, since SQLite drops them when a migration rebuilds a
table.
"""

from django.db import migrations

TABLES = ["inventory_movement", "inventory_stockcount", "inventory_stockcountline"]
SQLITE_TRIGGERS = [
    (f"{table}_no_{operation.lower()}", table, operation)
    for table in TABLES
    for operation in ("UPDATE", "DELETE")
]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION ketaclinic_inventory_append_only();"
            )
    elif vendor == "sqlite":
        for name, table, operation in SQLITE_TRIGGERS:
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {operation} ON {table} BEGIN "
                f"SELECT RAISE(ABORT, 'the controlled-substance ledger is append-only: "
                f"{operation} on {table} is refused'); END;",
                params=None,
            )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
    elif vendor == "sqlite":
        for name, _table, _operation in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};")


class Migration(migrations.Migration):
    dependencies = [("inventory", "0004_ceilings_and_correction_discrepancies")]

    operations = [migrations.RunPython(forwards, backwards)]
