"""The shared append-only guard machinery leaves alone tables that do not exist yet (a database
migrated back before them): neither installing nor suspending their guards fails."""

from __future__ import annotations

import pytest
from django.db import connection

from ketaclinic.core.append_only import (
    AppendOnlyTables,
    append_only_install,
    append_only_registered,
    append_only_suspended,
)

pytestmark = pytest.mark.django_db

MISSING = AppendOnlyTables(
    record="nothing yet",
    tables=("no_such_table",),
    postgresql_triggers=(("no_such_table", "no_such_table_no_truncate"),),
)


def test_guards_of_tables_not_there_yet_are_skipped() -> None:
    append_only_install(connection, MISSING)
    with append_only_suspended(connection, [MISSING]):
        pass
    assert "no_such_table" not in connection.introspection.table_names()


def test_the_audit_trail_and_the_ledger_are_registered_for_the_test_suites_flush() -> None:
    records = {guarded.record for guarded in append_only_registered()}
    assert records == {"the audit trail", "the controlled-substance ledger"}
