"""Engine fixtures: one DuckDB per test, one PostgreSQL scratch schema and one Spark session per run.

PostgreSQL comes from ``LINGJUN_TEST_PG_URL`` (default: the local test server); Spark runs in local
mode. An unreachable engine skips its tests with the reason, unless ``LINGJUN_REQUIRE_ALL_ENGINES=1``
(CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import ibis
import pyarrow as pa
import pytest

from lingjun.rules.engines import DEFAULT_PG_URL, connect, register_tables


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    # ``-p no:django`` (the rules tests run without Django) leaves pyproject's DJANGO_SETTINGS_MODULE
    # unregistered, and the strict config turns "unknown option" into an error: declare it here.
    if not pluginmanager.has_plugin("django"):
        parser.addini("DJANGO_SETTINGS_MODULE", "pytest-django's setting (unused by the rules tests)")


PG_URL = os.environ.get("LINGJUN_TEST_PG_URL", DEFAULT_PG_URL)
ENGINES = ("duckdb", "postgres", "spark")


def unavailable(reason: str) -> None:
    if os.environ.get("LINGJUN_REQUIRE_ALL_ENGINES") == "1":
        pytest.fail(f"{reason}（LINGJUN_REQUIRE_ALL_ENGINES=1：必须可用）")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_backend() -> Iterator[tuple[Any, str]]:
    try:
        con = ibis.connect(PG_URL)
        con.raw_sql("SELECT 1").close()
    except Exception as exc:  # noqa: BLE001 - any driver error means "not reachable"
        unavailable(f"PostgreSQL 不可用（{PG_URL}）：{str(exc).splitlines()[0]}")
    schema = f"lj_rules_test_{uuid.uuid4().hex[:8]}"
    con.raw_sql(f'CREATE SCHEMA "{schema}"').close()
    try:
        yield con, schema
    finally:
        con.raw_sql(f'DROP SCHEMA "{schema}" CASCADE').close()
        con.disconnect()


@pytest.fixture(scope="session")
def spark_backend() -> Iterator[Any]:
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        unavailable("Spark 不可用：找不到 Java（java / JAVA_HOME）")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        unavailable("Spark 不可用：未安装 pyspark")
    try:
        con = connect("spark", master="local[2]", shuffle_partitions=1)
    except Exception as exc:  # noqa: BLE001
        unavailable(f"Spark 不可用：{str(exc).splitlines()[0]}")
    # test data is tiny: skip whole-stage code generation (compiling it costs more than it saves)
    con._session.conf.set("spark.sql.codegen.wholeStage", "false")
    con._session.sparkContext.setLogLevel("ERROR")
    try:
        yield con
    finally:
        con._session.stop()


_counter = iter(range(1_000_000))


@pytest.fixture
def on_engine(request: pytest.FixtureRequest) -> Callable[[str, Mapping[str, pa.Table]], dict[str, Any]]:
    """``on_engine(engine, arrow_tables)`` → Ibis tables on that engine (fresh names per call)."""

    def upload(engine: str, arrow_tables: Mapping[str, pa.Table]) -> dict[str, Any]:
        prefix = f"t{next(_counter)}_"
        if engine == "duckdb":
            return register_tables(connect("duckdb"), arrow_tables, prefix=prefix)
        if engine == "postgres":
            con, schema = request.getfixturevalue("pg_backend")
            return register_tables(con, arrow_tables, schema=schema, prefix=f"lj_{prefix}")
        con = request.getfixturevalue("spark_backend")
        return register_tables(con, arrow_tables, prefix=prefix)

    return upload


def engine_param(engine: str) -> Any:
    marks = {"postgres": [pytest.mark.postgres], "spark": [pytest.mark.spark]}.get(engine, [])
    return pytest.param(engine, marks=marks, id=engine)


ENGINE_PARAMS = [engine_param(e) for e in ENGINES]
