"""On PostgreSQL, refuse UPDATE and DELETE of ledger movements and counts at the database.

The application has no update or delete path for them (a correction is a reversing entry, and
records are kept at least two years: 21 CFR 1304.04); this makes the rule hold at a SQL prompt
too. Balances on containers and draws are updated, but only together with a movement.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION ketaclinic_inventory_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the controlled-substance ledger is append-only: % on % is refused',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

TABLES = ["inventory_movement", "inventory_stockcount", "inventory_stockcountline"]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)  # no placeholders: the % are plpgsql marks
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION ketaclinic_inventory_append_only();"
        )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS ketaclinic_inventory_append_only();")


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_ledger")]

    operations = [migrations.RunPython(forwards, backwards)]
