"""Inserting generated demo rows fast (demo/scale.py): on PostgreSQL the ids come from the table's
sequence in one statement and the rows go in with COPY; elsewhere `bulk_create` inserts them and
returns their ids. Either way each object has its id afterwards, so the rows built on it (an
appointment on its course, an alarm on its reading) can name it.

Only for demo data: no `save()`, no signals, no audit events, and no validation beyond the
database's own constraints, which COPY checks as an INSERT would.
"""

from __future__ import annotations

import datetime
import enum
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connection, models
from django.utils import timezone

# Rows per INSERT where bulk_create is used (SQLite's 999-parameter limit makes its batches
# smaller); COPY streams a whole chunk as one statement.
BATCH_ROWS = 2000

M = TypeVar("M", bound=models.Model)

_sequences: dict[str, str] = {}


def insert_rows(model: type[M], objects: Sequence[M]) -> None:
    """Insert `objects` (new, unsaved) and set their primary keys."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects, batch_size=BATCH_ROWS)
        return
    meta = model._meta
    table = meta.db_table
    pk_column = meta.pk.column if meta.pk is not None else "id"
    with connection.cursor() as cursor:
        sequence = _sequences.get(table)
        if sequence is None:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk_column])
            sequence = str(cursor.fetchone()[0])
            _sequences[table] = sequence
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, len(objects)])
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk
        fields = list(meta.concrete_fields)
        relations = [field for field in fields if isinstance(field, models.ForeignKey)]
        now = timezone.now()
        converters = [_converter(field, now) for field in fields]
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        attnames = [field.attname for field in fields]
        raw = cursor.cursor  # psycopg's own cursor: COPY is not in the DB-API
        with raw.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                for field in relations:
                    # A relation set to an object inserted since: take its id now, as
                    # bulk_create's _prepare_related_fields_for_save does.
                    if getattr(obj, field.attname) is None and field.is_cached(obj):
                        related = field.get_cached_value(obj)
                        if related is not None:
                            setattr(obj, field.attname, related.pk)
                copy.write_row(
                    [
                        convert(getattr(obj, attname))
                        for convert, attname in zip(converters, attnames, strict=True)
                    ]
                )
                obj._state.adding = False


def _converter(field: models.Field[Any, Any], now: datetime.datetime) -> Callable[[Any], Any]:
    if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
        return lambda value: now  # what pre_save would set
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda value: None if value is None else json.dumps(value, cls=encoder)
    if isinstance(field, models.CharField | models.TextField):
        # A TextChoices member is a str; COPY takes its value, never its name.
        return lambda value: value.value if isinstance(value, enum.Enum) else value
    return lambda value: value
