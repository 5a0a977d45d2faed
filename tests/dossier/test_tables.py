"""The table form (tables.py) fed with normalised dossiers from the readers."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from lingjun.dossier.canonical import canonical_dossier
from lingjun.dossier.jsonl import read_jsonl, write_jsonl
from lingjun.dossier.schema import TABLES
from lingjun.dossier.tables import ARROW_SCHEMAS, arrow_to_dossiers, dossiers_to_arrow, empty_tables
from lingjun.dossier.validate import parse_dossier

TODAY = date(2025, 6, 30)


def test_every_table_has_its_schema(many_dossiers: Callable[..., Iterator[dict[str, Any]]]) -> None:
    tables = dossiers_to_arrow(many_dossiers(5))
    assert set(tables) == set(TABLES)
    for name, table in tables.items():
        assert table.schema == ARROW_SCHEMAS[name]
    assert tables["enterprise"].num_rows == 5
    assert tables["annual"].num_rows == 15 and tables["ip"].num_rows == 15
    assert tables["credit_events"].num_rows == 10  # two major-accident years each, no misconduct
    assert tables["annual"].schema.field("operating_revenue").type == pa.decimal128(18, 4)


def test_parsed_dossiers_round_trip_through_the_table_form(
    many_dossiers: Callable[..., Iterator[dict[str, Any]]],
) -> None:
    out = io.BytesIO()
    write_jsonl(many_dossiers(20), out)
    out.seek(0)
    parsed = read_jsonl(out, today=TODAY).dossiers
    back = list(arrow_to_dossiers(dossiers_to_arrow(parsed)))
    # the table form cannot tell "known: no misconduct years" ([]) from unknown: compare without it
    for d in parsed:
        del d["credit"]["research_misconduct_years"]
    assert back == parsed
    for d in back:
        assert parse_dossier(d, today=TODAY) == (d, [])  # what the engine gives back is valid input


def test_decimals_are_exact_in_the_table_form(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    d = rich_dossier(1)
    d["annual"][0]["total_liabilities"] = Decimal("2300.0001")
    d["annual"][0]["operating_revenue"] = Decimal("9999999999.9999")
    table = dossiers_to_arrow([d])["annual"]
    assert table.column("total_liabilities")[0].as_py() == Decimal("2300.0001")
    assert table.column("operating_revenue")[0].as_py() == Decimal("9999999999.9999")


def test_unknown_stays_null(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    d, _ = parse_dossier(
        {"uscc": rich_dossier(1)["uscc"], "name": "甲", "registered_on": "2020-01-01"}, today=TODAY
    )
    tables = dossiers_to_arrow([d])
    row = tables["enterprise"].to_pylist()[0]
    assert row["town"] is None and row["abnormal_operation"] is None
    assert all(tables[name].num_rows == 0 for name in TABLES if name != "enterprise")


def test_empty_tables() -> None:
    tables = empty_tables()
    assert set(tables) == set(TABLES) and all(t.num_rows == 0 for t in tables.values())


def test_empty_credit_years_mean_none_like_an_absent_list(
    rich_dossier: Callable[..., dict[str, Any]],
) -> None:
    """Decision: for every list, absent and [] both mean "none recorded" (no events, no IP …).

    The table form has no rows either way, so the engine counts 0 events; canonical dossiers
    drop the empty list, so export → import → export stays identical.
    """
    d = rich_dossier(1)
    assert d["credit"]["research_misconduct_years"] == []
    tables = dossiers_to_arrow([d])
    assert (
        tables["credit_events"]
        .filter(pc.equal(tables["credit_events"]["kind"], "research_misconduct"))
        .num_rows
        == 0
    )
    back = next(arrow_to_dossiers(tables))
    assert "research_misconduct_years" not in back.get("credit", {})
    assert canonical_dossier(back) == canonical_dossier(d)
