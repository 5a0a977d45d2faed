"""Conveniences on top of :func:`lingjun.rules.evaluate`: dossiers on DuckDB, and the CLI's body."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from lingjun.dossier.tables import dossiers_to_arrow
from lingjun.rules.engines import connect, register_tables
from lingjun.rules.evaluation import Inputs, evaluate
from lingjun.rules.output import write
from lingjun.rules.policy import Library, Policy
from lingjun.rules.result import Evaluation


def evaluate_dossiers(
    dossiers: Iterable[Mapping[str, Any]],
    *,
    policies: Sequence[Policy | str],
    year: int,
    as_of: date,
    overrides: Mapping[str, str] | None = None,
    inputs: Inputs = None,
    library: Library | None = None,
) -> Evaluation:
    """Evaluate normalised dossiers on an in-memory DuckDB."""
    tables = register_tables(connect("duckdb"), dossiers_to_arrow(dossiers))
    return evaluate(
        tables=tables,
        policies=policies,
        year=year,
        as_of=as_of,
        overrides=overrides,
        inputs=inputs,
        library=library,
    )


def default_as_of(year: int, today: date) -> date:
    """The CLI's default evaluation date: the day of the run, capped to 31 December of ``year``."""
    return min(today, date(year, 12, 31))


def run_evaluation(
    *,
    input_tables: Mapping[str, pa.Table],
    policy_ids: Sequence[str],
    year: int,
    as_of: date,
    engine: str = "duckdb",
    overrides: Mapping[str, str] | None = None,
    inputs: Inputs = None,
    fmt: str = "json",
    out: IO[bytes] | Path | str,
    engine_options: Mapping[str, Any] | None = None,
    library: Library | None = None,
) -> Evaluation:
    """The body of ``lingjun evaluate``: upload, evaluate, write records in ``fmt`` to ``out``.

    ``input_tables`` is the table form (see :func:`lingjun.dossier.tables.dossiers_to_arrow`);
    ``overrides`` come from ``--set PARAM=VALUE``; ``policy_ids`` may name families
    (``tianjin.chuying``) to use the rules in force on ``as_of``.
    """
    con = connect(engine, **dict(engine_options or {}))
    tables = register_tables(con, input_tables)
    ev = evaluate(
        tables=tables,
        policies=policy_ids,
        year=year,
        as_of=as_of,
        overrides=overrides,
        inputs=inputs,
        library=library,
    )
    write(ev, fmt, out)
    return ev


def parse_sets(items: Iterable[str]) -> dict[str, str]:
    """``["tianjin.chuying.2021.revenue_min=20"]`` → ``{"tianjin.chuying.2021.revenue_min": "20"}``."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            from lingjun.rules.errors import RulesError

            raise RulesError(
                "bad_override",
                name=item,
                value="",
                detail="应写成 参数=取值，如 tianjin.chuying.2021.revenue_min=20",
            )
        out[name.strip()] = value.strip()
    return out
