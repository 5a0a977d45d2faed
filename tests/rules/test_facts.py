"""Facts of a run: uncertain counts (list rows with attributes left empty) on every engine.

A row whose filter reads an empty attribute may count, so the count is at least the rows that
surely count and open upwards; a comparison with it is decided only when every such count decides
alike. Shown with every comparison, both ways round, on DuckDB, PostgreSQL and Spark, and in the
per-record reference evaluator.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa
import pytest
from tests.rules.conftest import ENGINE_PARAMS

from lingjun.dossier.tables import dossiers_to_arrow
from lingjun.dossier.uscc import make_uscc
from lingjun.rules import evaluate, evaluate_reference
from lingjun.rules.facts import CountFact, uncertain_fields
from lingjun.rules.loader import load_policy_text
from lingjun.rules.result import Evaluation
from lingjun.rules.spec import RunSpec

YEAR, AS_OF = 2024, date(2024, 6, 30)


def test_the_attributes_that_make_a_count_uncertain() -> None:
    def fields(table: str, **filters: Any) -> tuple[str, ...]:
        return uncertain_fields(CountFact(table, tuple(filters.items())))

    # awards, standards and projects count up to the application year: their year is read
    assert fields("awards", kind=("st_award",), max_rank=3, since=-5) == ("rank", "year")
    assert fields("awards", kind=("competition",), level=("national",), min_prize="third") == (
        "level",
        "prize",
        "year",
    )
    assert fields("standards") == ("year",)
    assert fields("standards", level=("national",), role=("lead",)) == ("role", "year")  # level is required
    assert fields("projects", level=("national",)) == ("year",)
    assert fields("ip", core=True) == ("core",)
    assert fields("financing", kind=("venture",), min_amount=100) == ("amount",)
    assert fields("financing", kind=("venture",), since=-2) == ("date",)
    assert fields("qualifications", kind=("rd_institution",), level=("national",)) == ("level",)
    # required attributes, validity dates (empty = not limited) and credit events: always certain
    assert fields("ip", ip_class="I") == ()
    assert fields("ip", valid=False) == ()
    assert fields("qualifications", kind=("hnte",)) == ()
    assert fields("conversions", since=-3, until=-1) == ()
    assert fields("credit_events", kind=("major_accident",), since=-1, until=0) == ()


#: one criterion per comparison with the count of awards ranked in the top three (an empty rank
#: may be one), both ways round
POLICY = """
policy:
  id: test.uncertain
  family: test.uncertain
  label: 测试
  document: 测试〔2024〕1号
  title: 测试
  source: https://example.invalid/
  effective: {from: 2020-01-01}
  verified: true
criteria:
  - {id: ge1, label: 至少一项, article: 一, test: count_awards(max_rank=3) >= 1}
  - {id: gt1, label: 多于一项, article: 二, test: count_awards(max_rank=3) > 1}
  - {id: le1, label: 至多一项, article: 三, test: count_awards(max_rank=3) <= 1}
  - {id: lt1, label: 少于一项, article: 四, test: count_awards(max_rank=3) < 1}
  - {id: eq1, label: 恰好一项, article: 五, test: count_awards(max_rank=3) == 1}
  - {id: ne1, label: 不是一项, article: 六, test: count_awards(max_rank=3) != 1}
  - {id: flipped, label: 一项以上（反写）, article: 七, test: 1 <= count_awards(max_rank=3)}
"""
T, F, U = "pass", "fail", "unknown"
#: awards of one enterprise (rank 1 surely counts, rank 5 surely not, None may) → expected results
EXPECTED: list[tuple[list[int | None], dict[str, str]]] = [
    ([], {"ge1": F, "gt1": F, "le1": T, "lt1": T, "eq1": F, "ne1": T, "flipped": F}),
    ([None], {"ge1": U, "gt1": U, "le1": U, "lt1": U, "eq1": U, "ne1": U, "flipped": U}),
    ([1, None], {"ge1": T, "gt1": U, "le1": U, "lt1": F, "eq1": U, "ne1": U, "flipped": T}),
    ([1, 1, None], {"ge1": T, "gt1": T, "le1": F, "lt1": F, "eq1": F, "ne1": T, "flipped": T}),
    ([5, None], {"ge1": U, "gt1": U, "le1": U, "lt1": U, "eq1": U, "ne1": U, "flipped": U}),
    ([1, 5], {"ge1": T, "gt1": F, "le1": T, "lt1": F, "eq1": T, "ne1": F, "flipped": T}),
]


def _dossiers() -> list[dict[str, Any]]:
    return [
        {
            "uscc": make_uscc(f"91120114MA{i:07d}"),
            "name": f"企业{i}",
            "registered_on": date(2015, 1, 1),
            "awards": [{"kind": "st_award", "level": "national", "year": 2022, "rank": r} for r in ranks],
        }
        for i, (ranks, _) in enumerate(EXPECTED)
    ]


def _results(records: list[dict[str, Any]]) -> list[dict[str, str]]:
    by_uscc = {r["uscc"]: r for r in records}
    return [{c["id"]: c["result"] for c in by_uscc[d["uscc"]]["criteria"]} for d in _dossiers()]


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_comparisons_with_an_uncertain_count_on_every_engine(engine: str, on_engine: Any) -> None:
    policy = load_policy_text(POLICY, "test.yaml")
    tables = on_engine(engine, dossiers_to_arrow(_dossiers()))
    ev: Evaluation = evaluate(tables=tables, spec=RunSpec.of([policy], year=YEAR, as_of=AS_OF))
    records = ev.to_records()
    assert _results(records) == [want for _, want in EXPECTED]
    reference = evaluate_reference(
        _dossiers(), spec=RunSpec.of([policy], year=YEAR, as_of=AS_OF)
    ).to_records()
    assert sorted(records, key=lambda r: r["uscc"]) == sorted(reference, key=lambda r: r["uscc"])
    open_one = next(r for r in records if r["uscc"] == _dossiers()[1]["uscc"])
    assert open_one["missing"] == ["awards:rank,year"]
    ge1 = next(c for c in open_one["criteria"] if c["id"] == "ge1")
    assert ge1["value"] is None  # the count is not known while a row may count
    assert ge1["explanation"].startswith("需补充：奖项（完成单位排名、年度），方可判断“至少一项”")


def test_a_run_stored_before_the_open_words_still_reads() -> None:
    """Results stored before uncertain counts had their mask columns (``lj_open0``) have none."""
    policy = load_policy_text(POLICY, "test.yaml")
    ev = evaluate(
        tables=_duckdb(dossiers_to_arrow(_dossiers())), spec=RunSpec.of([policy], year=YEAR, as_of=AS_OF)
    )
    assert "lj_open0" in ev.table.column_names
    old = Evaluation(ev.table.drop_columns(["lj_open0"]), ev.query, YEAR, AS_OF, {}, "duckdb")
    records = old.to_records()
    assert len(records) == len(EXPECTED) and all(r["missing"] == [] for r in records)


def _duckdb(arrow: dict[str, pa.Table]) -> dict[str, Any]:
    from lingjun.rules.engines import connect, register_tables

    return register_tables(connect("duckdb"), arrow)
