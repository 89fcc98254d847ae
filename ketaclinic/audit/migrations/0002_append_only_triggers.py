"""On PostgreSQL, refuse UPDATE and DELETE on the audit tables at the database itself.

The application has no update or delete path; this makes the rule hold for anyone with a SQL
prompt too (short of dropping the trigger, which is itself a DDL event a DBA audit would see).
SQLite has no equivalent worth relying on; there the hash chain still reveals any change.
TRUNCATE is left to the table owner (Django's test flush uses it); in production the application
connects as a role that does not own the tables, so it cannot truncate them either.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION ketaclinic_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

TRIGGERS = [
    (
        "audit_auditevent",
        "audit_event_append_only",
    ),
    (
        "audit_auditseal",
        "audit_seal_append_only",
    ),
]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)  # no placeholders: the % are plpgsql format marks
    for table, trigger in TRIGGERS:
        schema_editor.execute(
            f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION ketaclinic_audit_append_only();"
        )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, trigger in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS ketaclinic_audit_append_only();")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
