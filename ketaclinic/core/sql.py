"""Statements written once per process from the models' own names.

For the few reads on the chair-side path that run on every request (the session's row lock,
the readings around a new one, the chart), compiling the same ORM query anew each time was
most of their cost (issue 15). Such a read is written here once, as SQL both databases read,
with the table and column names taken from the models and quoted by the backend, and every
value a parameter: nothing from outside is ever written into the text.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any, cast

from django.db import connection, models
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model: type[models.Model]) -> str:
    return quote(model._meta.db_table)


def column(model: type[models.Model], name: str) -> str:
    """A field's column (a foreign key's `_id` column), quoted."""
    return quote(cast("models.Field[Any, Any]", model._meta.get_field(name)).column)


def columns(model: type[models.Model], alias: str, names: list[str]) -> str:
    """`alias.column` for each field name, in that order."""
    return ", ".join(f"{alias}.{column(model, name)}" for name in names)


def placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def for_update() -> str:
    """The row-lock clause where the database has one (SQLite runs one writer at a time)."""
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def instant_parameter(value: datetime.datetime) -> Any:
    """An instant as a parameter, as the ORM passes it (SQLite stores text in UTC)."""
    return connection.ops.adapt_datetimefield_value(value)


def instant(value: Any) -> datetime.datetime:
    """A stored instant as the ORM reads it: aware, in UTC (SQLite hands back naive UTC)."""
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            raise ValueError(f"Not a stored instant: {value!r}")
        value = parsed
    if timezone.is_naive(value):
        return value.replace(tzinfo=datetime.UTC)
    return cast(datetime.datetime, value)


def maybe_instant(value: Any) -> datetime.datetime | None:
    return None if value is None else instant(value)


@functools.cache
def _insert_statement(model: type[models.Model], vendor: str) -> tuple[str, tuple[Any, ...]]:
    del vendor  # the cache key: the text is the database's own
    meta = model._meta
    fields = tuple(field for field in meta.concrete_fields if not field.primary_key)
    names = ", ".join(quote(field.column) for field in fields)
    returning = (
        f" RETURNING {quote(meta.pk.column)}"
        if connection.features.can_return_columns_from_insert
        else ""
    )
    sql = f"INSERT INTO {table(model)} ({names}) VALUES ({placeholders(len(fields))}){returning}"  # noqa: S608  (model names only)
    return sql, fields


def insert_row(instance: models.Model) -> None:
    """Store a new row as `save(force_insert=True)` does, by a statement written once per model.

    The values are prepared by each field exactly as the ORM prepares them (`pre_save` fills
    `auto_now_add`, `get_db_prep_save` adapts JSON, decimals and instants), and the new primary
    key is set on the instance. No `pre_save`/`post_save` signal is sent: only for models that
    no receiver listens to (a test says which), on the chair-side path (issue 15).
    """
    model = type(instance)
    sql, fields = _insert_statement(model, connection.vendor)
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        if connection.features.can_return_columns_from_insert:
            row = cursor.fetchone()
            assert row is not None
            new_id = row[0]
        else:  # pragma: no cover  (SQLite before 3.35)
            new_id = cursor.lastrowid
    instance.pk = new_id
    instance._state.adding = False
    instance._state.db = connection.alias
