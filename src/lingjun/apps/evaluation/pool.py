"""The pool as the rules engine's input: one Ibis table per table of the table form.

* SQLite pool (embedded default) → the pool's tables are copied, in one read transaction, into a
  snapshot file by the app's own SQLite library (:func:`sqlite_snapshot`); DuckDB attaches the
  snapshot read-only through the packaged ``sqlite_scanner`` extension (no download) and
  evaluates there;
* PostgreSQL pool → evaluated in PostgreSQL itself (``engine="postgres"``), or copied to DuckDB /
  Spark as Arrow for the other engines: each table through ``COPY … TO STDOUT`` as CSV, parsed
  by Arrow (:func:`postgres_arrow`; a tenth of the time of fetching rows through Python).

Columns are cast to the types of :data:`lingjun.dossier.tables.ARROW_SCHEMAS`, so the engine sees
the same table form whatever the source. Nothing here loops over enterprises.
"""

from __future__ import annotations

import glob
import io
import os
import sqlite3
import tempfile
import time
from collections.abc import Collection, Iterator
from contextlib import ExitStack, contextmanager
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.conf import settings
from django.db import connection, transaction

from lingjun.dossier.tables import ARROW_SCHEMAS
from lingjun.rules.engines import DUCKDB_SETTINGS

NO_SQLITE_EXTENSION = (
    "找不到 DuckDB 的 SQLite 扩展（duckdb-ext-sqlite 软件包）：请重新安装平台（make install）。"
)


def _cast(column: str, dtype: pa.DataType, *, from_sqlite: bool) -> str:
    if pa.types.is_decimal(dtype):
        # SQLite keeps decimals as REAL: round back to the 4 places the pool stores
        inner = f"ROUND({column}, 4)" if from_sqlite else column
        return f"CAST({inner} AS DECIMAL(18, 4)) AS {column}"
    if pa.types.is_date(dtype):
        return f"CAST({column} AS DATE) AS {column}"
    if pa.types.is_boolean(dtype):
        return f"CAST({column} AS BOOLEAN) AS {column}"
    if pa.types.is_integer(dtype):
        return f"CAST({column} AS INTEGER) AS {column}"
    return column


def select_sql(table: str, *, source: str = "", from_sqlite: bool = False) -> str:
    """``SELECT`` of one pool table in the table form's columns and types."""
    columns = ", ".join(_cast(f.name, f.type, from_sqlite=from_sqlite) for f in ARROW_SCHEMAS[table])
    return f"SELECT {columns} FROM {source}lj_{table}"


def _sqlite_extension() -> str:
    spec = find_spec("duckdb_ext")
    paths = list(spec.submodule_search_locations or []) if spec else []
    version = duckdb.__version__
    for base in paths:
        found = glob.glob(f"{base}/extensions/v{version}/*/sqlite_scanner.duckdb_extension")
        if found:
            return found[0]
    raise RuntimeError(NO_SQLITE_EXTENSION)


def _database() -> Any:
    return settings.DATABASES["default"]


def pool_is_sqlite() -> bool:
    return bool(_database()["ENGINE"].endswith("sqlite3"))


def postgres_connection() -> Any:
    """An Ibis PostgreSQL backend on the pool's database."""
    db = _database()
    return ibis.postgres.connect(
        host=db.get("HOST") or "localhost",
        port=int(db.get("PORT") or 5432),
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        database=db["NAME"],
    )


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of another user
        return True
    return True


def pool_snapshots_sweep(*, folder: Path | None = None) -> list[Path]:
    """Delete the pool snapshots that processes which no longer exist left behind (a worker killed
    during a run); returns what was deleted. A snapshot is named ``pool-<pid>-….sqlite3`` by the
    process that made it; one of an older version (no pid in its name) is deleted when it is more
    than a day old."""
    folder = folder or Path(settings.LINGJUN_HOME) / "tmp"
    removed = []
    for path in folder.glob("pool-*.sqlite3"):
        owner = path.name.split("-")[1]
        if owner.isdigit():
            stale = not _process_alive(int(owner))
        else:
            stale = time.time() - path.stat().st_mtime > 24 * 3600
        if stale:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


@contextmanager
def sqlite_snapshot(tables: Collection[str] | None = None) -> Iterator[Path]:
    """The pool's tables copied into a new SQLite file (deleted afterwards), for DuckDB to read.

    DuckDB reads SQLite through a copy of SQLite compiled into its extension, and two copies of
    SQLite in one process must never open the same database file: POSIX locks belong to the
    process, so DuckDB's copy takes itself for the file's only user, resets the WAL index that the
    app's connections have mapped, and their next large write dies of SIGBUS (a run of six
    policies on 20 000 enterprises did). The copy is made by the app's own SQLite library (which
    knows its other connections), in one read transaction: the run also sees one consistent state
    of the pool while imports go on. About a second per 100 000 enterprises.
    """
    folder = Path(settings.LINGJUN_HOME) / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    pool_snapshots_sweep(folder=folder)
    fd, name = tempfile.mkstemp(prefix=f"pool-{os.getpid()}-", suffix=".sqlite3", dir=folder)
    os.close(fd)
    path = Path(name)
    try:
        source = sqlite3.connect(_database()["NAME"], timeout=30, isolation_level=None)
        try:
            source.execute("ATTACH DATABASE ? AS snap", (str(path),))
            source.execute("PRAGMA snap.journal_mode = OFF")
            source.execute("PRAGMA snap.synchronous = OFF")
            source.execute("BEGIN")
            for table in tables if tables is not None else ARROW_SCHEMAS:
                (create,) = source.execute(
                    "SELECT sql FROM main.sqlite_master WHERE type = 'table' AND name = ?", (f"lj_{table}",)
                ).fetchone()
                source.execute(
                    create.replace(f'CREATE TABLE "lj_{table}"', f'CREATE TABLE snap."lj_{table}"', 1)
                )
                source.execute(f'INSERT INTO snap."lj_{table}" SELECT * FROM main."lj_{table}"')
            source.execute("COMMIT")
            source.execute("DETACH DATABASE snap")
        finally:
            source.close()
        yield path
    finally:
        path.unlink(missing_ok=True)


def duckdb_connection() -> Any:
    """An Ibis DuckDB backend set up like :func:`lingjun.rules.engines.connect` that loads the
    packaged SQLite extension without checking its signature.

    Checking the signature of the 48 MB extension file took 0.6-0.9 s of every run (DuckDB
    hashes the whole file at each ``LOAD``). The file is loaded by its absolute path from the
    installed ``duckdb-ext-sqlite`` package, the same trust as DuckDB's own library beside it; no
    other extension is ever loaded (nothing is installed or downloaded at run time).
    """
    con = ibis.duckdb.connect(":memory:", allow_unsigned_extensions=True)
    for setting in DUCKDB_SETTINGS:
        con.raw_sql(setting)
    return con


def duckdb_tables_from_sqlite(
    con: Any, path: Path, tables: Collection[str] | None = None
) -> dict[str, ibis.Table]:
    """Attach a SQLite snapshot of the pool (:func:`sqlite_snapshot`) to an Ibis DuckDB backend
    and expose the table form (``tables``: only those, as the snapshot holds)."""
    con.raw_sql(f"LOAD '{_sqlite_extension()}'")
    con.raw_sql(f"ATTACH '{path}' AS lj_pool (TYPE sqlite, READ_ONLY)")
    names = tables if tables is not None else ARROW_SCHEMAS
    return {name: con.sql(select_sql(name, source="lj_pool.", from_sqlite=True)) for name in names}


def postgres_tables(con: Any) -> dict[str, ibis.Table]:
    """The table form as views over the pool's own PostgreSQL tables (evaluated in-database)."""
    return {name: con.sql(select_sql(name)) for name in ARROW_SCHEMAS}


def postgres_arrow() -> dict[str, pa.Table]:
    """The pool's PostgreSQL tables as Arrow in the table form, read in one transaction (one
    consistent state of the pool while imports go on, when no transaction is open already).

    Each table is copied out as CSV (``COPY (SELECT …) TO STDOUT``) and parsed by Arrow's
    multi-threaded reader: about a second for 100 000 enterprises, where fetching the rows
    through Python took ten.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.in_atomic_block and not connection.savepoint_ids:  # the transaction is ours
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return {name: _copy_table(cursor.cursor, name) for name in ARROW_SCHEMAS}


def _copy_table(cursor: Any, name: str) -> pa.Table:
    schema = ARROW_SCHEMAS[name]
    buffer = io.BytesIO()
    with cursor.copy(f"COPY ({select_sql(name)}) TO STDOUT (FORMAT csv)") as copy:
        for chunk in copy:
            buffer.write(chunk)
    buffer.seek(0)
    if buffer.getbuffer().nbytes == 0:
        return schema.empty_table()
    return pa_csv.read_csv(
        buffer,
        read_options=pa_csv.ReadOptions(column_names=schema.names),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),  # free text may hold line breaks
        convert_options=pa_csv.ConvertOptions(
            column_types=schema,
            # PostgreSQL's CSV: NULL is an empty field, an empty string a quoted one ("")
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        ),
    ).cast(schema)


def pool_arrow() -> dict[str, pa.Table]:
    """The whole pool as Arrow tables (to hand to Spark, or DuckDB over a PostgreSQL pool)."""
    if not pool_is_sqlite():
        return postgres_arrow()
    with ExitStack() as stack:
        con = duckdb_connection()
        tables = duckdb_tables_from_sqlite(con, stack.enter_context(sqlite_snapshot()))
        try:
            arrow = {name: t.to_pyarrow().cast(ARROW_SCHEMAS[name]) for name, t in tables.items()}
        finally:
            con.disconnect()
    return arrow
