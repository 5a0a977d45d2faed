"""Bulk inserts for batch paths (import, evaluation results) without one ORM object per row.

``bulk_create`` spent most of a 10 000-enterprise import building model instances; a plain
``executemany`` with Django's own value adapters writes the same rows several times faster on
SQLite and PostgreSQL alike. Rows that already are an Arrow table (evaluation results) go in the
fastest way each database has (:func:`load_arrow`): ``COPY`` on PostgreSQL, one prepared
``executemany`` on SQLite.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
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


def load_arrow(model: type[models.Model], table: pa.Table) -> None:
    """Append ``table`` (columns named as ``model``'s database columns; text, integers, nulls)
    to ``model``'s table, inside the caller's transaction.

    PostgreSQL: one ``COPY … FROM STDIN`` of the table written as CSV by Arrow (no Python per
    row). SQLite: one ``executemany`` of a prepared ``INSERT`` (SQLite has no bulk-load command;
    its rows are built by ``zip`` over Arrow's Python lists).
    """
    if table.num_rows == 0:
        return
    quote = connection.ops.quote_name
    name, columns = quote(model._meta.db_table), [quote(c) for c in table.column_names]
    if connection.vendor == "postgresql":
        buffer = io.BytesIO()
        options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
        pa_csv.write_csv(table, buffer, write_options=options)
        # CSV: an unquoted empty field is NULL, a quoted one ("") the empty string
        sql = f"COPY {name} ({', '.join(columns)}) FROM STDIN (FORMAT csv)"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            copy.write(buffer.getbuffer())
        return
    sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        cursor.executemany(sql, list(zip(*(c.to_pylist() for c in table.columns), strict=True)))
