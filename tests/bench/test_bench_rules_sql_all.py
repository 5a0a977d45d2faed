"""The hand-written SQL of bench/bench_rules_sql_all.py gives the engine's cells, every one of them.

Compared on generated pools (two seeds, two application years), on messy random dossiers
(nulls, zeros, negative net assets, old rows) and on dossiers built on the edges of every threshold
(HNTE growth rates exactly on a band edge in each branch, ratios exactly on their limits, dates on
the evaluation day); and the check itself is shown to see a wrong query.
"""

from __future__ import annotations

import importlib.util
import random
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pyarrow as pa
import pytest
from tests.rules.randomdata import random_dossier

from lingjun.demo import generate_tables
from lingjun.dossier.tables import dossiers_to_arrow
from lingjun.dossier.uscc import make_uscc
from lingjun.rules import connect

_BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, _BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sql_all = _load("bench_rules_sql_all")
pool_file = _load("pool_file")

Y, AS_OF = 2024, date(2024, 6, 30)
_Q = Decimal("0.0001")


def _pool(tables: dict[str, pa.Table]) -> Any:
    con = connect("duckdb", threads=1)
    pool_file.write_pool(con, tables)
    return con


def _nonzero(diffs: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in diffs.items() if v}


# --- edge dossiers ------------------------------------------------------------------------------


def _growth_triples(rng: random.Random, t: Decimal) -> Iterator[tuple[Decimal, Decimal, Decimal]]:
    """V1, V2, V3 (4 decimals) with (V2/V1 + V3/V2)/2 − 1 = t exactly, some of them negative."""
    found = 0
    while found < 6:
        v1 = Decimal(rng.choice([1, 4, 8, 16, 25, 40, 80, 125, 400, 625, 2000, 5000])) * rng.choice(
            [1, 1, 1, -1]
        )
        v2 = Decimal(rng.randint(1, 3_000_000)) / 100 * rng.choice([1, 1, 1, -1])
        v3 = 2 * (1 + t) * v2 - v2 * v2 / v1
        if v3 == v3.quantize(_Q):
            found += 1
            yield v1, v2, v3.quantize(_Q)


def _edge_dossiers(year: int) -> list[dict[str, Any]]:
    rng = random.Random(11)
    out: list[dict[str, Any]] = []

    def add(reg: date | None, annual: list[dict[str, Any]], **extra: Any) -> None:
        d = {
            "uscc": make_uscc(f"91120114{len(out):09d}"),
            "name": f"边界{len(out)}",
            "registered_on": reg,
            "province": "天津市",
            "independent_legal_person": True,
            "hightech_field": "电子信息",
            "credit": {"abnormal_operation": False, "serious_dishonesty": False},
            "annual": annual,
            **extra,
        }
        out.append(d)

    def years(values: tuple[Decimal | None, ...], **row: Any) -> list[dict[str, Any]]:
        """Rows for Y-3, Y-2, Y-1: ``values`` as net assets (and as sales when not negative)."""
        rows = []
        for k, v in zip((3, 2, 1), values, strict=True):
            r = {"year": year - k, "operating_revenue": Decimal(2000), **row}
            if v is not None:
                r |= {"total_assets": v + 100_000, "total_liabilities": Decimal(100_000)}
                r["sales_revenue"] = v if v >= 0 else None
            rows.append(r)
        return rows

    old, two = date(year - 6, 5, 1), date(year - 2, 5, 1)
    for t in (Decimal("0.35"), Decimal("0.25"), Decimal("0.15"), Decimal("0.05"), Decimal(0)):
        for v1, v2, v3 in _growth_triples(rng, t):  # three-year branch, on the edge and next to it
            for dv in (Decimal(0), _Q, -_Q):
                add(old, years((v1, v2, v3 + dv)))
        v2 = Decimal(rng.randint(1, 100_000)) / 100
        v3 = (v2 * (1 + t)).quantize(_Q)
        if v3 == v2 * (1 + t):
            add(old, years((Decimal(0), v2, v3)))  # V1 = 0: V3/V2 − 1
            add(two, years((None, v2, v3)))  # registered in Y-2: V3/V2 − 1
            add(two, years((Decimal(5), -v2, -v3)))
    add(old, years((Decimal(100), Decimal(0), Decimal(50))))  # V2 = 0: growth 0
    add(date(year - 1, 1, 1), years((None, None, Decimal(50))))  # registered in Y-1: growth 0
    add(None, years((Decimal(100), Decimal(120), Decimal(150))))  # registration unknown
    add(old, years((Decimal(100), None, Decimal(150))))
    # ratios exactly on their limits (0.7 / 7 is below 0.1 in binary floating point)
    for emp, staff in (
        (Decimal(7), Decimal("0.7")),
        (Decimal(10), Decimal("0.9999")),
        (Decimal(0), Decimal(0)),
    ):
        rows = years((Decimal(1), Decimal(1), Decimal(1)), employees=emp, tech_staff=staff)
        add(old, rows)
    for sales in (Decimal(5000), Decimal("5000.0001"), Decimal(20000), Decimal("20000.0001")):
        rows = years((Decimal(1), Decimal(1), sales), rd_expense=sales * Decimal("0.04"))
        rows[-1]["rd_expense_domestic"] = rows[-1]["rd_expense"] * Decimal("0.6")
        rows[-1]["hightech_revenue"] = Decimal(1200)  # 60 % of 2000
        rows[-1]["total_cost_expense"] = rows[-1]["rd_expense"] * 10
        add(old, rows)
    for rev3 in (Decimal(1000), Decimal("1000.0001"), Decimal("1234.5678")):
        rows = [
            {"year": year - k, "operating_revenue": r, "rd_expense": r * Decimal("0.025")}
            for k, r in (
                (4, Decimal(900)),
                (3, rev3),
                (2, Decimal(1100)),
                (1, (rev3 * Decimal("1.44")).quantize(_Q)),
            )
        ]
        add(old, rows)
    # dates on the evaluation day and the year's edges; IP and qualifications valid that day
    for reg in (
        AS_OF,
        date(year - 1, 12, 31),
        date(year - 8, 1, 1),
        date(year - 9, 12, 31),
        date(2016, 2, 29),
    ):
        add(reg, years((Decimal(1), Decimal(1), Decimal(1))))
    on = [None, date(year, 6, 29), date(year, 6, 30), date(year, 7, 1)]
    ip = [
        {"kind": k, "valid": v, "core": c, "granted_on": g, "expires_on": e}
        for k in ("invention_patent", "utility_model")
        for v in (True, False, None)
        for c in (True, None)
        for g in on
        for e in on
    ]
    quals = [{"kind": "hnte", "level": "national", "issued_on": g, "expires_on": e} for g in on for e in on]
    for i in range(0, len(ip), 7):
        add(old, [], ip=ip[i : i + 7], qualifications=quals[i % len(quals) : i % len(quals) + 2])
    money = (None, Decimal("99.9999"), Decimal(100))
    add(old, [], financing=[{"kind": "venture", "amount": a} for a in money])
    return out


# --- the tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seed", "data_year", "year", "as_of"),
    [(2024, 2023, 2024, date(2024, 6, 30)), (7, 2022, 2023, date(2023, 12, 31))],
)
def test_no_differing_cell_on_generated_pools(seed: int, data_year: int, year: int, as_of: date) -> None:
    con = _pool(generate_tables(n=3000, seed=seed, year=data_year))
    engine = sql_all.engine_table(con, year, as_of)
    hand = sql_all.hand_table(con, year, as_of)
    assert set(hand.column_names) == {"uscc", *sql_all.ALL_COLUMNS}
    assert engine.num_columns == hand.num_columns  # every engine column has its hand-written one
    assert _nonzero(sql_all.compare(engine, hand)) == {}


def test_no_differing_cell_on_messy_random_dossiers() -> None:
    rng = random.Random(5)
    con = _pool(dossiers_to_arrow([random_dossier(rng, i, Y) for i in range(600)]))
    assert _nonzero(sql_all.differences(con, Y, AS_OF)) == {}


@pytest.fixture(scope="module")
def edges() -> tuple[Any, pa.Table]:
    con = _pool(dossiers_to_arrow(_edge_dossiers(Y)))
    return con, sql_all.engine_table(con, Y, AS_OF)


def test_no_differing_cell_on_the_edges(edges: tuple[Any, pa.Table]) -> None:
    con, engine = edges
    assert _nonzero(sql_all.compare(engine, sql_all.hand_table(con, Y, AS_OF))) == {}


@pytest.mark.parametrize(
    ("old", "new", "column"),
    [
        # a band edge compared strictly; the growth rate as a double; tech staff share as a double
        (
            "100 * net_growth_n >= 35 * net_growth_d",
            "100 * net_growth_n > 35 * net_growth_d",
            "hnte_band_net_asset_growth",
        ),
        (
            "WHEN 100 * net_growth_n >= 35 * net_growth_d",
            "WHEN CASE WHEN reg_year < 2022 AND net_3 <> 0 THEN (net_2 / net_3 + net_1 / net_2) / 2 - 1 >= 0.35"
            " ELSE 100 * net_growth_n >= 35 * net_growth_d END",
            "hnte_band_net_asset_growth",
        ),
        (
            "100 * tech_staff_1 >= 10 * employees_1 END",
            "tech_staff_1 / employees_1 >= 0.10 END",
            "hnte_tech_staff",
        ),
        (
            "WHEN reg_year = 2022 OR net_u3 = 0 THEN (net_u1",
            "WHEN reg_year = 2022 THEN (net_u1",
            "hnte_band_net_asset_growth",
        ),
        ("25 * rev_1 >= 36 * rev_3", "25 * rev_1 > 36 * rev_3", "dl_revenue_growth"),
        ("coalesce(valid, true)", "valid", "hnte_ip"),
        ("amount >= 100", "amount > 100", "cy21_venture"),
        ("CASE WHEN reg_mmdd > 630 THEN 1", "CASE WHEN reg_mmdd >= 630 THEN 1", "hnte_age_value"),
    ],
)
def test_the_check_sees_a_wrong_query(edges: tuple[Any, pa.Table], old: str, new: str, column: str) -> None:
    con, engine = edges
    sql = sql_all.all_policies_sql(Y, AS_OF)
    assert old in sql
    assert sql_all.compare(engine, sql_all.hand_table(con, Y, AS_OF, sql.replace(old, new)))[column] > 0
