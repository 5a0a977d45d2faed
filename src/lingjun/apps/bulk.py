"""Bulk inserts for batch paths (import, evaluation results) without one ORM object per row.

``bulk_create`` spent most of a 10 000-enterprise import building model instances; a plain
``executemany`` with Django's own value adapters writes the same rows several times faster on
SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

BATCH = 5000


def _adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """How the database wants one column's Python value (Django's own adapters)."""
    ops = connection.ops
    if isinstance(field, models.DecimalField):
        return lambda v: (
            None if v is None else ops.adapt_decimalfield_value(v, field.max_digits, field.decimal_places)
        )
    if isinstance(field, models.DateField):
        return lambda v: None if v is None else ops.adapt_datefield_value(v)
    return lambda v: v


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """``INSERT`` ``rows`` (tuples in the order of the database ``columns``) into ``model``'s table."""
    if not rows:
        return
    by_column = {f.column: f for f in model._meta.concrete_fields}
    adapters = [_adapter(by_column[c]) for c in columns]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        for i in range(0, len(rows), BATCH):
            chunk = rows[i : i + BATCH]
            cursor.executemany(sql, [[a(v) for a, v in zip(adapters, row, strict=True)] for row in chunk])
