"""The library's entry points on data that is not yet in an engine: dossiers on DuckDB, and
:func:`run_evaluation`, the body of ``lingjun evaluate`` (and of the tests that run it)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from lingjun.dossier.tables import dossiers_to_arrow
from lingjun.rules.engines import connect, register_tables
from lingjun.rules.errors import RulesError, names
from lingjun.rules.evaluation import InputsTable, evaluate
from lingjun.rules.output import FORMATS, write
from lingjun.rules.result import Evaluation
from lingjun.rules.spec import RunSpec


def evaluate_dossiers(
    dossiers: Iterable[Mapping[str, Any]], *, spec: RunSpec, inputs_table: InputsTable = None
) -> Evaluation:
    """Evaluate normalised dossiers on an in-memory DuckDB."""
    tables = register_tables(connect("duckdb"), dossiers_to_arrow(dossiers))
    return evaluate(tables=tables, spec=spec, inputs_table=inputs_table)


def default_as_of(year: int, today: date) -> date:
    """The CLI's default evaluation date: the day of the run, capped to 31 December of ``year``."""
    return min(today, date(year, 12, 31))


def run_evaluation(
    *,
    input_tables: Mapping[str, pa.Table],
    spec: RunSpec,
    engine: str = "duckdb",
    engine_options: Mapping[str, Any] | None = None,
    inputs_table: pa.Table | None = None,
    fmt: str = "json",
    out: IO[bytes] | Path | str | None = None,
) -> Evaluation:
    """Upload the table form to ``engine``, evaluate the run ``spec``, write the records in
    ``fmt`` to ``out`` (when given) and close what it opened: the body of ``lingjun evaluate``.

    ``input_tables`` is the table form (see :func:`lingjun.dossier.tables.dossiers_to_arrow`);
    on PostgreSQL it goes to a scratch schema that is dropped afterwards, so concurrent runs
    on one database never meet. ``engine_options`` are :func:`~lingjun.rules.engines.connect`'s.
    """
    if out is not None and fmt not in FORMATS:
        raise RulesError("unknown_format", fmt=fmt, allowed=names(FORMATS))
    con = connect(engine, **dict(engine_options or {}))
    scratch = f"lj_eval_{uuid.uuid4().hex[:12]}" if engine == "postgres" else None
    try:
        tables = register_tables(con, input_tables, schema=scratch)
        ev = evaluate(tables=tables, spec=spec, inputs_table=inputs_table)
    finally:
        if scratch:
            con.raw_sql(f'DROP SCHEMA IF EXISTS "{scratch}" CASCADE').close()
        if engine != "spark":  # the Spark session is shared for the process
            con.disconnect()
    if out is not None:
        write(ev, fmt, out)
    return ev


def parse_sets(items: Iterable[str]) -> dict[str, str]:
    """``["tianjin.chuying.2021.revenue_min=20"]`` → ``{"tianjin.chuying.2021.revenue_min": "20"}``."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise RulesError(
                "bad_override",
                name=item,
                value="",
                detail="应写成 参数=取值，如 tianjin.chuying.2021.revenue_min=20",
            )
        out[name.strip()] = value.strip()
    return out
