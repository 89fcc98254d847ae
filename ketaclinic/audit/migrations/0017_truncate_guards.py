"""The database refuses TRUNCATE of the audit tables (PostgreSQL), and UPDATE and DELETE on
SQLite too (PostgreSQL has refused those since 0002).

TRUNCATE fires no row trigger, so 0002's triggers let the table owner empty both tables and
leave an intact chain of zero links. Now only someone who first switches these triggers off (a
DDL statement; the owner or a superuser) can; the signed checkpoints outside the database
(`ketaclinic audit checkpoint`) catch that. The test suite's flush switches them off for itself
(management/commands/flush.py). SQLite has no TRUNCATE; ketaclinic.audit.guards recreates its
triggers after every migrate, since SQLite drops them when a migration rebuilds a table.
"""

from django.db import migrations

TABLES = {
    "audit_auditevent": "audit_event_no_truncate",
    "audit_auditseal": "audit_seal_no_truncate",
}
SQLITE_TRIGGERS = [
    (f"{table}_no_{operation.lower()}", table, operation)
    for table in TABLES
    for operation in ("UPDATE", "DELETE")
]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table, trigger in TABLES.items():
            schema_editor.execute(
                f"CREATE TRIGGER {trigger} BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION ketaclinic_audit_append_only();"
            )
    elif vendor == "sqlite":
        for name, table, operation in SQLITE_TRIGGERS:
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {operation} ON {table} BEGIN "
                f"SELECT RAISE(ABORT, 'the audit trail is append-only: {operation} on {table} "
                "is refused'); END;",
                params=None,
            )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table, trigger in TABLES.items():
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table};")
    elif vendor == "sqlite":
        for name, _table, _operation in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};")


class Migration(migrations.Migration):
    dependencies = [("audit", "0016_keyed_chain")]

    operations = [migrations.RunPython(forwards, backwards)]
