"""Backends (计算引擎): DuckDB (embedded default), PostgreSQL and Spark, all through Ibis.

``connect(engine, **kw)`` opens a backend; ``register_tables(con, arrow_tables)`` uploads the
table form (:func:`lingjun.dossier.tables.dossiers_to_arrow`) and returns Ibis tables to pass to
:func:`lingjun.rules.evaluate`. Tables that already live in a database are passed directly:
``tables_in(con, schema=…, prefix="lj_")``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from lingjun.dossier.schema import TABLES
from lingjun.rules.errors import RulesError, names

ENGINES = ("duckdb", "postgres", "spark")
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
#: PostgreSQL table names: ``lj_`` + the table-form name (``lj_annual``)
PG_PREFIX = "lj_"

#: Spark settings for exact decimals: products keep their full scale instead of rounding to 6
SPARK_CONF = {
    "spark.sql.decimalOperations.allowPrecisionLoss": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
}


#: DuckDB gives the memory of a finished query back to the system instead of keeping it for the
#: next one: an evaluation's hash tables are large and short-lived, and the Arrow result (held by
#: the caller) cannot reuse DuckDB's own allocator
DUCKDB_SETTINGS = (
    "SET allocator_flush_threshold = '32MB'",
    "SET allocator_background_threads = true",
)


def connect(engine: str = "duckdb", **kw: Any) -> Any:
    """Open an Ibis backend.

    * ``duckdb``: ``path`` (default in memory), ``threads``;
    * ``postgres``: ``url`` (default env ``LINGJUN_PG_URL`` or the local test server);
    * ``spark``: ``session`` (an existing SparkSession) or ``master`` (default ``local[2]``),
      ``shuffle_partitions`` (default 4).
    """
    if engine == "duckdb":
        con = ibis.duckdb.connect(kw.get("path", ":memory:"))
        for setting in DUCKDB_SETTINGS:
            con.raw_sql(setting)
        if kw.get("threads"):
            con.raw_sql(f"SET threads = {int(kw['threads'])}")
        return con
    if engine == "postgres":
        url = kw.get("url") or os.environ.get("LINGJUN_PG_URL") or DEFAULT_PG_URL
        try:
            return ibis.connect(url)
        except Exception as exc:  # noqa: BLE001 - any driver error means "not reachable"
            raise RulesError("engine_unavailable", engine=engine, detail=str(exc).splitlines()[0]) from None
    if engine == "spark":
        session = kw.get("session") or spark_session(
            kw.get("master", "local[2]"), kw.get("shuffle_partitions", 4)
        )
        con = ibis.pyspark.connect(session)
        prepare_spark(con)
        return con
    raise RulesError("unknown_engine", engine=engine, allowed=names(ENGINES))


def spark_session(master: str = "local[2]", shuffle_partitions: int = 4) -> Any:
    """A small local SparkSession for evaluation (UI off, few shuffle partitions)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - pyspark is an optional extra
        raise RulesError("engine_unavailable", engine="spark", detail=str(exc)) from None
    builder = (
        SparkSession.builder.master(master)
        .appName("lingjun-rules")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.default.parallelism", str(shuffle_partitions))
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
    )
    for key, value in SPARK_CONF.items():
        builder = builder.config(key, value)
    try:
        return builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - Java missing or failing to start
        raise RulesError("engine_unavailable", engine="spark", detail=str(exc).splitlines()[0]) from None


def prepare_spark(con: Any) -> None:
    """Make a Spark backend exact (see :data:`SPARK_CONF`); safe to call on every run."""
    session = getattr(con, "_session", None)
    if session is not None:
        session.conf.set("spark.sql.decimalOperations.allowPrecisionLoss", "false")


def execute_sql(con: Any, sql: str, schema: pa.Schema) -> pa.Table:
    """Run one query on a backend and return Arrow with ``schema``'s column names and types."""
    if con.name == "duckdb":
        table = con.con.sql(sql).fetch_arrow_table()
    elif con.name == "pyspark":
        prepare_spark(con)
        table = con._session.sql(sql).toArrow()
    else:
        with con.raw_sql(sql) as cursor:
            rows = cursor.fetchall()
        columns: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
        return pa.table(
            [pa.array(list(c), f.type) for c, f in zip(columns, schema, strict=True)], schema=schema
        )
    return table.rename_columns(schema.names).cast(schema) if table.schema != schema else table


def backend_of(table: ir.Table) -> Any:
    """The backend that holds ``table``; None for an unbound table (a memtable)."""
    try:
        return table.get_backend()
    except Exception:  # noqa: BLE001 - Ibis raises different errors for unbound tables
        return None


def upload_table(like: ir.Table, data: pa.Table) -> ir.Table:
    """A small Arrow table (policy inputs) uploaded to the backend that holds ``like``."""
    con = backend_of(like)
    if con is None:  # an unbound table: stay unbound
        return ibis.memtable(data)
    name = f"lj_inputs_{uuid.uuid4().hex[:12]}"
    if con.name == "pyspark":
        con._session.createDataFrame(data).createOrReplaceTempView(name)
        return con.table(name)
    if con.name in ("duckdb", "postgres"):
        return con.create_table(name, data, temp=True)
    return ibis.memtable(data)


def register_tables(
    con: Any,
    arrow_tables: Mapping[str, pa.Table],
    *,
    schema: str | None = None,
    prefix: str | None = None,
) -> dict[str, ir.Table]:
    """Upload the table form to ``con`` and return ``{table name: ibis.Table}``.

    DuckDB: views over the Arrow tables (zero copy; ``prefix`` default ``""``); PostgreSQL: real tables in ``schema``
    named ``lj_<name>`` (created or replaced); Spark: temporary views from ``createDataFrame``.
    """
    missing = [t for t in TABLES if t not in arrow_tables]
    if missing:
        raise RulesError("missing_table", table=missing[0], allowed=names(TABLES))
    kind = con.name
    out: dict[str, ir.Table] = {}
    for name in TABLES:
        data = arrow_tables[name]
        if kind == "postgres":
            target = f"{PG_PREFIX if prefix is None else prefix}{name}"
            if schema:
                con.raw_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"').close()
            out[name] = con.create_table(target, data, database=schema, overwrite=True)
        elif kind == "pyspark":
            session = con._session
            target = f"{prefix or ''}{name}"
            session.createDataFrame(data).createOrReplaceTempView(target)
            out[name] = con.table(target)
        else:  # DuckDB: a view over the Arrow table (zero copy; the connection keeps it alive)
            target = f"{prefix or ''}{name}"
            con.con.register(target, data)
            out[name] = con.table(target)
    return out


def tables_in(con: Any, *, schema: str | None = None, prefix: str = PG_PREFIX) -> dict[str, ir.Table]:
    """The table form already stored in a database (e.g. the web app's ``lj_annual`` …)."""
    return {name: con.table(f"{prefix}{name}", database=schema) for name in TABLES}
