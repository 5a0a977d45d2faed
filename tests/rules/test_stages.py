"""Staging: each distinct expression is one column, and only whole values are shared."""

from __future__ import annotations

from fractions import Fraction

import ibis
import pytest

from lingjun.rules.compiler import Num
from lingjun.rules.stages import Chain, Columns


def test_the_same_value_asked_twice_is_one_set_of_columns() -> None:
    t = ibis.table({"a": "int64", "b": "int64", "ok": "boolean"}, name="t")
    cols = Columns()
    first = cols.store("p0_c1_v", Num(t.a * 2, t.b))
    again = cols.store("p1_c4_v", Num(t.a * 2, t.b))
    assert again == first and list(cols.cols) == ["p0_c1_vn", "p0_c1_vd"]
    assert cols.column("p0_c0", t.ok) == cols.column("p3_c2", t.ok) == "p0_c0"


def test_values_sharing_one_part_keep_their_own_columns() -> None:
    """n of one value equal to d of another: both are stored whole, so every column keeps one
    meaning (the reference evaluator writes n and d per value)."""
    t = ibis.table({"a": "int64", "b": "int64"}, name="t")
    cols = Columns()
    ratio = cols.store("x_", Num(t.a, t.b))
    alone = cols.store("y_", Num(t.b, None))
    scaled = cols.store("z_", Num(t.a, t.b, Fraction(100)))
    assert ratio is not None and alone is not None and scaled is not None
    assert ratio.columns == ("x_n", "x_d") and alone.columns == ("y_n",) and scaled.columns == ("z_n", "z_d")
    assert len(cols.cols) == 5


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "pyspark"])
def test_a_stage_passes_its_columns_on_with_a_star_and_adds_only_the_new_ones(dialect: str) -> None:
    t = ibis.table({"uscc": "string", "a": "int64", "d": "date"}, name="facts")
    chain = Chain(dialect)
    nxt = chain.extend(t, {"b": t.a * 2, "y": t.d.year()})  # EXTRACT(year FROM …) inside
    name, sql = chain.ctes[0]
    quote = "`" if dialect == "pyspark" else '"'
    assert name == "lj_stage0" and sql.startswith(f"SELECT {quote}t0{quote}.*, ")
    assert sql.endswith(f"FROM {quote}facts{quote} AS {quote}t0{quote}") and sql.count("uscc") == 0
    assert list(nxt.schema()) == ["uscc", "a", "d", "b", "y"]
    assert nxt.get_name() == "lj_stage0"
