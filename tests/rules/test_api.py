"""The public API: scenarios (overrides), inputs, outputs and explanations, the CLI body."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from openpyxl import load_workbook

from lingjun.dossier.tables import dossiers_to_arrow
from lingjun.rules import (
    RulesError,
    default_as_of,
    evaluate_dossiers,
    parse_sets,
    run_evaluation,
)
from lingjun.rules.errors import UNKNOWN_OVERRIDE
from lingjun.rules.explain import GAP_AT_LEAST
from lingjun.rules.output import DETAIL_HEADERS, SUMMARY_HEADERS
from lingjun.rules.records import band_letter
from lingjun.rules.result import band_array, result_words
from lingjun.rules.spec import RunSpec

YEAR, AS_OF = 2024, date(2024, 6, 30)
CHUYING = "tianjin.chuying.2021"


def firm(uscc: str, revenue: str, **extra: Any) -> dict[str, Any]:
    return {
        "uscc": uscc,
        "name": uscc,
        "registered_on": date(2019, 5, 1),
        "province": "天津市",
        "credit": {"abnormal_operation": False, "serious_dishonesty": False},
        "annual": [{"year": 2023, "operating_revenue": Decimal(revenue), **extra}],
        "ip": [{"kind": "invention_patent", "valid": True}],
    }


def record(ev: Any, uscc: str, policy: str = CHUYING) -> dict[str, Any]:
    return next(r for r in ev.to_records() if r["uscc"] == uscc and r["policy"] == policy)


def test_override_changes_one_run_and_is_recorded() -> None:
    dossiers = [firm("A", "15")]
    base = evaluate_dossiers(dossiers, spec=RunSpec.of([CHUYING], year=YEAR, as_of=AS_OF))
    what_if = evaluate_dossiers(
        dossiers,
        spec=RunSpec.of([CHUYING], year=YEAR, as_of=AS_OF, overrides={f"{CHUYING}.revenue_min": "20"}),
    )
    assert record(base, "A")["result"] == "pass"
    rec = record(what_if, "A")
    assert rec["result"] == "fail"
    assert rec["overrides"] == {"revenue_min": "20"}
    assert what_if.overrides == {f"{CHUYING}.revenue_min": "20"}
    revenue = next(c for c in rec["criteria"] if c["id"] == "revenue")
    assert revenue["threshold"] == 20
    assert revenue["gap"] == "上年度营业收入 15 万元，需达到 20 万元，差 5 万元"
    # the policy files are untouched: a new run without overrides passes again
    assert (
        record(evaluate_dossiers(dossiers, spec=RunSpec.of([CHUYING], year=YEAR, as_of=AS_OF)), "A")["result"]
        == "pass"
    )


def test_override_of_a_scale() -> None:
    d = firm("S", "1000", employees=Decimal(100), tech_staff=Decimal(28), sales_revenue=Decimal(1000))
    scale = "[{min: 0.28, points: 20}, {points: 0}]"
    ev = evaluate_dossiers(
        [d],
        spec=RunSpec.of(
            ["national.tech_sme.2017"],
            year=YEAR,
            as_of=AS_OF,
            overrides={"national.tech_sme.2017.tech_staff_scale": scale},
        ),
    )
    assert record(ev, "S", "national.tech_sme.2017")["indicators"]["tech_staff"] == 20


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("tianjin.chuying.2021.revenue_minimum", "unknown_override"),
        ("tianjin.chuying.2030.revenue_min", "unknown_override"),
    ],
)
def test_override_of_an_unknown_parameter_is_an_error(name: str, code: str) -> None:
    with pytest.raises(RulesError) as info:
        evaluate_dossiers(
            [firm("A", "15")], spec=RunSpec.of([CHUYING], year=YEAR, as_of=AS_OF, overrides={name: "1"})
        )
    assert info.value.code == code
    assert info.value.message.startswith(UNKNOWN_OVERRIDE.split("“")[0])
    assert name in info.value.message


def test_override_with_a_bad_value_is_an_error() -> None:
    with pytest.raises(RulesError) as info:
        evaluate_dossiers(
            [firm("A", "15")],
            spec=RunSpec.of([CHUYING], year=YEAR, as_of=AS_OF, overrides={f"{CHUYING}.revenue_min": "二十"}),
        )
    assert info.value.code == "bad_override"


def test_parse_sets() -> None:
    assert parse_sets(["tianjin.chuying.2021.revenue_min=20", " a.b = [1, 2] "]) == {
        "tianjin.chuying.2021.revenue_min": "20",
        "a.b": "[1, 2]",
    }
    with pytest.raises(RulesError):
        parse_sets(["no-equals-sign"])


def test_scalar_inputs_apply_to_every_enterprise_and_unknown_inputs_are_errors() -> None:
    d = firm(
        "T",
        "1000",
        employees=Decimal(100),
        tech_staff=Decimal(30),
        sales_revenue=Decimal(1000),
        total_assets=Decimal(100),
        total_cost_expense=Decimal(500),
        rd_expense=Decimal(60),
    )
    ev = evaluate_dossiers(
        [d],
        spec=RunSpec.of(
            ["national.tech_sme.2017"], year=YEAR, as_of=AS_OF, inputs={"prohibited_sector": False}
        ),
    )
    assert record(ev, "T", "national.tech_sme.2017")["result"] == "pass"
    with pytest.raises(RulesError) as info:
        evaluate_dossiers(
            [d], spec=RunSpec.of(["national.tech_sme.2017"], year=YEAR, as_of=AS_OF, inputs={"sector": False})
        )
    assert info.value.code == "unknown_input"


def test_family_name_picks_the_policy_in_force() -> None:
    ev = evaluate_dossiers(
        [firm("A", "15")], spec=RunSpec.of(["tianjin.chuying"], year=2020, as_of=date(2020, 6, 30))
    )
    assert [p.policy.id for p in ev.plans] == ["tianjin.chuying.2019"]


def test_explanations_read_aloud_and_gap_for_self_evaluation() -> None:
    d = firm(
        "R",
        "1000",
        sales_revenue=Decimal(1000),
        rd_expense=Decimal(21),
        total_cost_expense=Decimal(100000),
        employees=Decimal(10),
        tech_staff=Decimal(3),
    )
    ev = evaluate_dossiers([d], spec=RunSpec.of(["national.hnte.2016"], year=YEAR, as_of=AS_OF))
    hnte = record(ev, "R", "national.hnte.2016")
    tech = next(c for c in hnte["criteria"] if c["id"] == "tech_staff")
    assert tech["explanation"] == "通过：科技人员占比 30% ≥ 10%（国科发火〔2016〕32号 第十一条（四））"
    d2 = firm("Q", "1000", sales_revenue=Decimal(1000), rd_expense=Decimal(21))
    d2["registered_on"] = date(2023, 1, 10)  # actual period: one year
    ev2 = evaluate_dossiers([d2], spec=RunSpec.of(["national.hnte.2016"], year=YEAR, as_of=AS_OF))
    rd = next(c for c in record(ev2, "Q", "national.hnte.2016")["criteria"] if c["id"] == "rd_intensity")
    assert rd["result"] == "fail"
    assert rd["explanation"] == "不通过：近三年研发费用占比 2.1% < 5%（国科发火〔2016〕32号 第十一条（五））"
    assert rd["gap"] == GAP_AT_LEAST.format(
        measure="近三年研发费用占比", value="2.1%", threshold="5%", gap="2.9 个百分点"
    )


def test_unknown_explains_what_is_missing_and_provisional_shows() -> None:
    d = firm("U", "15")
    d["credit"] = {"serious_dishonesty": False}
    ev = evaluate_dossiers([d], spec=RunSpec.of([CHUYING, "tianjin.dengling.2021"], year=YEAR, as_of=AS_OF))
    rec = record(ev, "U")
    assert rec["result"] == "unknown" and rec["missing"] == ["abnormal_operation"]
    integrity = next(c for c in rec["criteria"] if c["id"] == "integrity")
    # a sentence a clerk reads aloud: what to supply first, then what it decides
    assert integrity["explanation"].startswith("需补充：列入经营异常名录")
    assert "，方可判断“申报当年及上一年度无科研严重失信行为" in integrity["explanation"]
    assert "待补充" not in integrity["explanation"] and "缺少" not in integrity["explanation"]
    gazelle = record(ev, "U", "tianjin.dengling.2021")
    assert gazelle["verified"] is False
    rd = next(c for c in gazelle["criteria"] if c["id"] == "rd_intensity")
    assert rd["verified"] is False and "【暂定，未核实：" in rd["explanation"]


def test_counts_and_wide_arrow() -> None:
    ev = evaluate_dossiers(
        [firm("A", "15"), firm("B", "5")], spec=RunSpec.of([CHUYING], year=YEAR, as_of=AS_OF)
    )
    assert ev.counts() == {CHUYING: {"pass": 1, "fail": 1, "unknown": 0}}
    wide = ev.to_arrow().sort_by("uscc")  # rows come in the engine's order
    assert wide.column_names[:2] == ["uscc", f"{CHUYING}.result"]
    assert wide[f"{CHUYING}.revenue.result"].to_pylist() == ["pass", "fail"]
    assert wide[f"{CHUYING}.revenue.value"].to_pylist() == [15.0, 5.0]
    # whole numbers stay integers (the engine's own column, shared with ev.table): a count
    assert wide[f"{CHUYING}.venture.value"].type == pa.int64()
    assert wide[f"{CHUYING}.venture.value"].to_pylist() == [0, 0]
    # a date stays a date: the registration date against the earliest one allowed
    assert wide[f"{CHUYING}.age.value"].to_pylist() == [date(2019, 5, 1)] * 2


def test_result_words_from_nullable_booleans() -> None:
    col = pa.chunked_array([[True, False, None], [None, False]], pa.bool_())
    words = result_words(col)
    assert words.to_pylist() == ["pass", "fail", "unknown", "unknown", "fail"]
    assert words.dictionary.to_pylist() == ["pass", "fail", "unknown"]
    assert result_words(pa.array([None, None], pa.bool_())).to_pylist() == ["unknown", "unknown"]


def test_bands_are_scale_rows_in_the_engine_and_letters_in_arrow_and_records() -> None:
    hnte = "national.hnte.2016"
    sales = [
        {"year": y, "operating_revenue": Decimal(v), "total_assets": Decimal(v), "total_liabilities": 0}
        for y, v in ((2021, "100"), (2022, "100"), (2023, "170"))
    ]
    ev = evaluate_dossiers(
        [{**firm("A", "15"), "registered_on": date(2015, 3, 1), "annual": sales}],
        spec=RunSpec.of([hnte], year=YEAR, as_of=AS_OF),
    )
    plan = ev.plans[0]
    col = plan.bands["net_asset_growth"]
    assert ev.table[col].to_pylist() == [0]  # the row of the scale (35 %: the first, A)
    assert plan.band_letters("net_asset_growth")[0] == "A"
    assert ev.to_arrow()[f"{hnte}.band.net_asset_growth"].to_pylist() == ["A"]
    assert record(ev, "A", hnte)["bands"]["net_asset_growth"] == "A"
    # a run stored before bands were rows holds the letters: read as they are
    assert band_letter(plan, "net_asset_growth", "B") == "B"
    assert band_letter(plan, "net_asset_growth", None) is None
    assert band_array(pa.array(["B", None]), ["A", "B"]).to_pylist() == ["B", None]
    assert band_array(pa.chunked_array([[1, None], [0]], pa.int32()), ["A", "B"]).to_pylist() == [
        "B",
        None,
        "A",
    ]


def test_default_as_of_is_capped_to_the_year_end() -> None:
    assert default_as_of(2024, date(2025, 3, 1)) == date(2024, 12, 31)
    assert default_as_of(2025, date(2025, 3, 1)) == date(2025, 3, 1)


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_run_evaluation_writes_every_format(fmt: str, tmp_path: Path) -> None:
    tables = dossiers_to_arrow([firm("A", "15"), firm("B", "5")])
    buf = io.BytesIO()
    ev = run_evaluation(
        input_tables=tables,
        engine="duckdb",
        fmt=fmt,
        out=buf,
        spec=RunSpec.of([CHUYING, "national.tech_sme.2017"], year=YEAR, as_of=AS_OF),
    )
    data = buf.getvalue()
    if fmt == "json":
        records = json.loads(data)
        assert records == json.loads(json.dumps(ev.to_records(), ensure_ascii=False))
        assert {r["policy"] for r in records} == {CHUYING, "national.tech_sme.2017"}
        assert set(records[0]) >= {"uscc", "policy", "year", "result", "criteria", "missing"}
    elif fmt == "csv":
        text = data.decode("utf-8-sig")
        assert text.splitlines()[0].split(",") == [h for _, h in DETAIL_HEADERS]
        assert "不通过" in text and "通过" in text
    else:
        path = tmp_path / "out.xlsx"
        path.write_bytes(data)
        wb = load_workbook(path)
        assert wb.sheetnames == ["汇总", "条件明细"]
        assert [c.value for c in wb["汇总"][1]] == [h for _, h in SUMMARY_HEADERS]
        assert wb["汇总"].max_row == 1 + 4


def test_run_evaluation_rejects_unknown_formats_and_engines() -> None:
    tables = dossiers_to_arrow([firm("A", "15")])
    with pytest.raises(RulesError) as info:
        run_evaluation(
            input_tables=tables,
            fmt="pdf",
            out=io.BytesIO(),
            spec=RunSpec.of([CHUYING], year=YEAR, as_of=AS_OF),
        )
    assert info.value.code == "unknown_format"
    with pytest.raises(RulesError) as info:
        run_evaluation(
            input_tables=tables,
            engine="oracle",
            out=io.BytesIO(),
            spec=RunSpec.of([CHUYING], year=YEAR, as_of=AS_OF),
        )
    assert info.value.code == "unknown_engine"


def test_inputs_table_per_enterprise() -> None:
    d1 = firm("A", "15")
    d2 = firm("B", "15")
    inputs = pa.table(
        {
            "uscc": ["A", "B"],
            "other_conditions_met": [True, False],
            "tianjin.lingjun.2021.site_investigation_passed": [True, True],
        }
    )
    ev = evaluate_dossiers(
        [d1, d2], spec=RunSpec.of(["tianjin.lingjun.2021"], year=YEAR, as_of=AS_OF), inputs_table=inputs
    )
    assert [r["result"] for r in ev.to_records()] == ["pass", "fail"]


@pytest.mark.postgres
def test_tables_already_in_postgres_are_evaluated_in_place(pg_backend: Any) -> None:
    """The web app's case: ``lj_*`` tables live in PostgreSQL; the query runs there."""
    from lingjun.rules import evaluate, register_tables, tables_in

    con, schema = pg_backend
    dossiers = [firm("A", "15"), firm("B", "5")]
    register_tables(con, dossiers_to_arrow(dossiers), schema=schema)  # as the web app would have them
    tables = tables_in(con, schema=schema)
    assert tables["annual"].get_name().endswith("lj_annual")
    ev = evaluate(tables=tables, spec=RunSpec.of([CHUYING], year=YEAR, as_of=AS_OF))
    assert ev.engine == "postgres"
    local = evaluate_dossiers(dossiers, spec=RunSpec.of([CHUYING], year=YEAR, as_of=AS_OF))
    assert ev.to_records() == local.to_records()


def test_records_and_sorted_rows_are_by_uscc_whatever_the_engine_order() -> None:
    firms = [firm(u, "15") for u in ("Z9", "B2", "M5", "A1")]
    ev = evaluate_dossiers(firms, spec=RunSpec.of([CHUYING], year=YEAR, as_of=AS_OF))
    assert [r["uscc"] for r in ev.to_records()] == ["A1", "B2", "M5", "Z9"]
    assert ev.sorted()["uscc"].to_pylist() == ["A1", "B2", "M5", "Z9"]
    assert sorted(ev.table["uscc"].to_pylist()) == ["A1", "B2", "M5", "Z9"]


def test_a_criterion_in_several_policies_is_computed_once_and_read_by_each() -> None:
    """登记注册在天津 is the same test in 瞪羚 and 领军: one result column, both policies read it."""
    policies = ["tianjin.dengling.2021", "tianjin.lingjun.2021"]
    firms = [firm("A1", "15"), {**firm("B2", "5"), "province": "北京市"}]
    ev = evaluate_dossiers(firms, spec=RunSpec.of(policies, year=YEAR, as_of=AS_OF))
    dengling, lingjun = ev.plans
    column = {p.policy.id: {cp.criterion.id: cp.column for cp in p.criteria} for p in ev.plans}
    assert column[policies[0]]["registered_tianjin"] == column[policies[1]]["registered_tianjin"]
    assert len(ev.table.column_names) == len(set(ev.table.column_names))
    wide = ev.to_arrow().sort_by("uscc")
    for pid in policies:
        assert wide[f"{pid}.registered_tianjin.result"].to_pylist() == ["pass", "fail"]
        assert record(ev, "B2", pid)["criteria"][0]["id"] == "registered_tianjin"
        assert record(ev, "B2", pid)["criteria"][0]["result"] == "fail"


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [(None, "unknown"), ({"prohibited_sector": False}, "pass"), ({"prohibited_sector": True}, "fail")],
)
def test_a_scalar_input_decides_an_equality_only_when_given(inputs: Any, expected: str) -> None:
    """Bug: an input missing for everyone compared with ``== False`` failed instead of unknown
    (Ibis rewrote the comparison with its null literal as IS NULL)."""
    ev = evaluate_dossiers(
        [firm("A1", "15")], spec=RunSpec.of(["national.tech_sme.2017"], year=YEAR, as_of=AS_OF, inputs=inputs)
    )
    sector = next(c for c in record(ev, "A1", "national.tech_sme.2017")["criteria"] if c["id"] == "sector")
    assert sector["result"] == expected
    assert sector["missing"] == (["input.prohibited_sector"] if expected == "unknown" else [])


def _hostile_records() -> list[dict[str, Any]]:
    """Real records with text a spreadsheet would run planted where text is written."""
    records = evaluate_dossiers(
        [firm("A", "15")], spec=RunSpec.of([CHUYING], year=YEAR, as_of=AS_OF)
    ).to_records()
    for rec in records:
        rec["policy_label"] = '=HYPERLINK("http://example.com","点击")'
        rec["missing"] = ["@SUM(1)", "-1+2"]
        for c in rec["criteria"]:
            c["label"] = "+1+1"
            c["missing"] = ["@SUM(1)", "-1+2"]
    return records


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_written_text_is_never_a_formula(fmt: str, tmp_path: Path) -> None:
    from lingjun.rules.output import write_records

    path = tmp_path / f"out.{fmt}"
    write_records(_hostile_records(), fmt, path)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(path.read_text("utf-8-sig"))))
        header = rows[0]
        first = dict(zip(header, rows[1], strict=True))
        assert first["政策名称"] == '\'=HYPERLINK("http://example.com","点击")'
        assert first["条件"] == "'+1+1"
        assert first["缺少材料"] == "'@SUM(1)、-1+2"
        assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
        return
    with zipfile.ZipFile(path) as book:
        parts = [book.read(n) for n in book.namelist() if n.startswith("xl/worksheets/")]
    assert parts and not any(b"<f>" in p or b"<f " in p for p in parts)
    wb = load_workbook(path)
    summary = wb["汇总"]
    values = [c.value for row in summary.iter_rows(min_row=2) for c in row]
    assert '\'=HYPERLINK("http://example.com","点击")' in values
    assert all(summary.cell(row=r, column=c).data_type != "f" for r in range(1, 3) for c in range(1, 13))
    labels = {c.value for c in wb["条件明细"]["I"][1:]}
    assert labels == {"'+1+1"}


@pytest.mark.parametrize(
    "value", ["1e400", "-1e400", "1" * 5000, "100000000000000", "[{min: 0.3, points: 1e400}, {points: 0}]"]
)
def test_an_override_beyond_what_engines_hold_is_a_bad_value(value: str) -> None:
    """1e400 was a TypeError deep in the compiler, 5 000 digits Python's own ValueError (a 500)."""
    with pytest.raises(RulesError) as info:
        evaluate_dossiers(
            [firm("A", "15")],
            spec=RunSpec.of([CHUYING], year=YEAR, as_of=AS_OF, overrides={f"{CHUYING}.revenue_min": value}),
        )
    assert info.value.code == "bad_override"
    assert len(str(info.value)) < 400  # a 5 000-digit value is not echoed whole


def test_hnte_work_guide_items_are_cited_to_the_work_guide_in_records() -> None:
    ev = evaluate_dossiers([firm("A", "15")], spec=RunSpec.of(["national.hnte.2016"], year=YEAR, as_of=AS_OF))
    crit = {c["id"]: c for c in record(ev, "A", "national.hnte.2016")["criteria"]}
    growth = crit["growth_points_in_range"]
    assert growth["document"] == "国科发火〔2016〕195号" and growth["article"] == "创新能力评价（四）"
    assert growth["explanation"].endswith("（国科发火〔2016〕195号 创新能力评价（四））")
    assert crit["tech_staff"]["document"] == "国科发火〔2016〕32号"
