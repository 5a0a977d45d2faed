"""Compiled queries are reused for the same run on the same tables, and only then."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pyarrow as pa
import pytest

from lingjun.dossier.tables import dossiers_to_arrow
from lingjun.rules import RulesError, connect, evaluate, load_library, register_tables
from lingjun.rules.querycache import QueryCache
from lingjun.rules.spec import RunSpec

YEAR, AS_OF = 2024, date(2024, 6, 30)
CHUYING = "tianjin.chuying.2021"


def _tables(revenue: str = "15", prefix: str | None = None) -> dict[str, object]:
    dossier = {
        "uscc": "A",
        "name": "A",
        "registered_on": date(2019, 5, 1),
        "province": "天津市",
        "credit": {"abnormal_operation": False, "serious_dishonesty": False},
        "annual": [{"year": 2023, "operating_revenue": Decimal(revenue)}],
        "ip": [{"kind": "invention_patent", "valid": True}],
    }
    return register_tables(connect("duckdb"), dossiers_to_arrow([dossier]), prefix=prefix)


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch) -> QueryCache:
    fresh = QueryCache(size=2)
    monkeypatch.setattr("lingjun.rules.evaluation.QUERIES", fresh)
    return fresh


def _run(tables: object, inputs_table: object = None, **kw: object) -> object:
    """A run of a new :class:`RunSpec` each time: equal specs are the same run."""
    args = {"policies": [CHUYING], "year": YEAR, "as_of": AS_OF, **kw}
    spec = RunSpec.of(args.pop("policies"), **args)  # type: ignore[arg-type]
    return evaluate(tables=tables, spec=spec, inputs_table=inputs_table)  # type: ignore[arg-type]


def test_the_same_run_reuses_its_query(cache: QueryCache) -> None:
    tables = _tables()
    first = _run(tables)
    second = _run(tables)
    assert (cache.hits, cache.misses) == (1, 1)
    assert second.query is first.query  # type: ignore[attr-defined]
    assert second.table.equals(first.table)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "change",
    [
        {"year": YEAR - 1},
        {"as_of": date(2024, 7, 1)},
        {"overrides": {f"{CHUYING}.revenue_min": "20"}},
        {"policies": ["tianjin.chuying.2021", "tianjin.dengling.2021"]},
    ],
)
def test_another_year_date_what_if_or_policy_set_is_compiled_anew(
    cache: QueryCache, change: dict[str, object]
) -> None:
    tables = _tables()
    base = _run(tables)
    other = _run(tables, **change)
    assert (cache.hits, cache.misses) == (0, 2)
    assert other.query is not base.query  # type: ignore[attr-defined]


def test_other_tables_are_compiled_anew_and_see_their_own_data(cache: QueryCache) -> None:
    passed = _run(_tables("15"))
    failed = _run(_tables("5", prefix="other_"))  # other table names: other SQL
    assert cache.hits == 0
    assert passed.counts()[CHUYING]["pass"] == 1  # type: ignore[attr-defined]
    assert failed.counts()[CHUYING]["fail"] == 1  # type: ignore[attr-defined]
    assert "other_enterprise" in failed.query.sql  # type: ignore[attr-defined]


def test_a_new_connection_with_the_same_tables_reuses_the_sql_on_its_own_data(cache: QueryCache) -> None:
    # as the web app does (a new connection over the pool per run); Ibis counts two in-memory
    # DuckDB connections' tables as equal, so the query must run on the connection asked for
    runs = []
    for revenue, result in (("15", "pass"), ("5", "fail"), ("15", "pass")):
        tables = _tables(revenue)
        ev = _run(tables)
        assert ev.counts()[CHUYING][result] == 1  # type: ignore[attr-defined]
        assert ev.query.backend is tables["enterprise"].get_backend()  # type: ignore[attr-defined]
        runs.append(ev)
    assert (cache.hits, cache.misses) == (2, 1)
    assert runs[1].query.sql == runs[0].query.sql  # type: ignore[attr-defined]


def test_a_reloaded_library_is_never_served_a_stale_query(cache: QueryCache) -> None:
    tables = _tables()
    _run(tables, library=load_library())
    _run(tables, library=load_library())
    assert (cache.hits, cache.misses) == (0, 2)


def test_per_enterprise_input_tables_are_not_cached(cache: QueryCache) -> None:
    tables = _tables()
    inputs = pa.table({"uscc": ["A"], "prohibited_sector": [False]})
    _run(tables, policies=["national.tech_sme.2017"], inputs_table=inputs)
    _run(tables, policies=["national.tech_sme.2017"], inputs_table=inputs)
    assert (cache.hits, cache.misses) == (0, 0)


def test_the_cache_keeps_only_the_newest_queries(cache: QueryCache) -> None:
    tables = _tables()
    for year in (2022, 2023, 2024):
        _run(tables, year=year)
    _run(tables, year=2022)  # pushed out by the two newer ones
    _run(tables, year=2024)
    assert (cache.hits, cache.misses) == (1, 4)


def test_confirmed_inputs_are_part_of_the_run(cache: QueryCache) -> None:
    tables = _tables()
    _run(tables, policies=["national.tech_sme.2017"], inputs={"prohibited_sector": False})
    _run(tables, policies=["national.tech_sme.2017"], inputs={"prohibited_sector": False})
    _run(tables, policies=["national.tech_sme.2017"], inputs={"prohibited_sector": True})
    assert (cache.hits, cache.misses) == (1, 2)


def test_plans_without_sql_are_kept_and_bad_runs_never_reach_them() -> None:
    """The reference evaluator's and the explanation page's plan: built once per run."""
    from lingjun.rules.evaluation import build_plan
    from lingjun.rules.querycache import PLANS

    PLANS.clear()
    policies = ["tianjin.chuying.2021", "national.hnte.2016"]
    on = date(2024, 6, 30)
    first = build_plan(RunSpec.of(policies, year=2024, as_of=on, inputs={"ip_points": 20}))
    again = build_plan(RunSpec.of(policies, year=2024, as_of=on, inputs={"ip_points": 20}))
    other = build_plan(RunSpec.of(policies, year=2024, as_of=on, inputs={"ip_points": 21}))
    assert again is first and other is not first and (PLANS.hits, PLANS.misses) == (1, 2)
    with pytest.raises(RulesError) as info:
        RunSpec.of(policies, year=2024, as_of=on, overrides={"tianjin.chuying.2021.nope": "1"})
    assert info.value.code == "unknown_override"
    assert PLANS.misses == 2
