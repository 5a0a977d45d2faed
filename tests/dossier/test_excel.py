"""Excel: the template, export/import round trips, tolerant reading and located errors."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.utils.datetime import to_excel

from lingjun.dossier.errors import DossierError
from lingjun.dossier.excel import (
    LEGEND_HEADER,
    LEGEND_SHEET,
    MSG_DUPLICATE_COLUMN,
    MSG_MISSING_COLUMN,
    MSG_MISSING_SHEET,
    MSG_NOT_WORKBOOK,
    MSG_UNKNOWN_COLUMN,
    MSG_UNKNOWN_USCC,
    MSG_USCC_AS_NUMBER,
    columns,
    excel_serial,
    header_label,
    read_workbook,
    write_template,
    write_workbook,
)
from lingjun.dossier.schema import ANNUAL, ENTERPRISE, IP, SECTIONS
from lingjun.dossier.validate import (
    MSG_DUPLICATE_USCC,
    MSG_ENUM,
    MSG_FUTURE_DATE,
    MSG_NEGATIVE,
    MSG_REQUIRED,
    MSG_TECH_STAFF,
    MSG_USCC,
    format_allowed,
)

TODAY = date(2025, 6, 30)
SHEETS = [s.sheet for s in SECTIONS]


def _xlsx(dossiers: Any = (), **kwargs: Any) -> io.BytesIO:
    out = io.BytesIO()
    write_workbook(dossiers, out, **kwargs)
    out.seek(0)
    return out


def _read(source: Any, **kwargs: Any) -> Any:
    if isinstance(source, io.BytesIO):
        source.seek(0)
    return read_workbook(source, today=TODAY, **kwargs)


def _edit(data: io.BytesIO, change: Callable[[Workbook], None]) -> io.BytesIO:
    """Open with openpyxl (as a clerk's Excel would), change, save with shared strings."""
    data.seek(0)
    wb = load_workbook(data)
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def _locations(errors: list[DossierError]) -> list[tuple[str, int | None, str, str]]:
    return [(e.sheet, e.row, e.column, e.code) for e in errors]


# ----------------------------------------------------------------------------------- template


def test_template_layout(tmp_path: Path, towns: tuple[str, ...]) -> None:
    path = tmp_path / "template.xlsx"
    write_template(path, towns=towns)
    wb = load_workbook(path)
    assert wb.sheetnames == [*SHEETS, LEGEND_SHEET]
    for section in SECTIONS:
        ws = wb[section.sheet]
        specs = columns(section)
        assert [c.value for c in ws[1]] == [header_label(s) for s in specs]
        assert [c.value for c in ws[2]] == [s.name for s in specs]
        assert ws.max_row == 2  # no data
        assert ws.freeze_panes in ("B3", "C3")
        assert all(ws.column_dimensions[c.column_letter].width >= 10 for c in ws[1])
        assert ws[1][0].font.bold
    annual = wb[ANNUAL.sheet]
    assert annual["A1"].value == "*统一社会信用代码" and annual["A2"].value == "uscc"
    assert annual["C1"].value == "营业收入（万元）" and annual["M1"].value == "职工总数（人）"
    assert wb[ENTERPRISE.sheet]["C1"].value == "*成立日期"


def test_template_has_dropdowns_for_enums_booleans_and_towns(tmp_path: Path, towns: tuple[str, ...]) -> None:
    path = tmp_path / "template.xlsx"
    write_template(path, towns=towns)
    wb = load_workbook(path)
    ws = wb[ENTERPRISE.sheet]
    by_column = {
        str(dv.sqref).split(":")[0].rstrip("0123456789"): dv for dv in ws.data_validations.dataValidation
    }
    letters = {s.name: chr(ord("A") + i) for i, s in enumerate(columns(ENTERPRISE))}
    assert by_column[letters["independent_legal_person"]].formula1 == '"是,否"'
    assert (
        by_column[letters["listing_status"]].formula1 == '"未上市,新三板,主板,科创板,创业板,北交所,境外上市"'
    )
    assert "杨村街道" in by_column[letters["town"]].formula1
    assert str(by_column[letters["town"]].sqref) == f"{letters['town']}3:{letters['town']}1048576"
    ip = wb[IP.sheet]
    assert any("发明专利" in (dv.formula1 or "") for dv in ip.data_validations.dataValidation)


def test_legend_lists_every_sheet_and_field(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    write_template(path)
    ws = load_workbook(path)[LEGEND_SHEET]
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    header_at = rows.index(LEGEND_HEADER)
    table = rows[header_at + 1 :]
    assert [(r[0], r[2]) for r in table] == [(s.sheet, f.name) for s in SECTIONS for f in columns(s)]
    kind = next(r for r in table if r[0] == "知识产权" and r[2] == "kind")
    assert kind[1] == "类别" and kind[3] == "选项" and kind[5] == "是"
    assert kind[6] == format_allowed(IP.field("kind")) and "发明专利（invention_patent）" in kind[6]
    revenue = next(r for r in table if r[2] == "operating_revenue")
    assert revenue[4] == "万元" and "不能为负数" in revenue[7]
    assert any("请勿修改或删除前两行" in (r[0] or "") for r in rows[:header_at])


def test_empty_template_reads_as_nothing(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    write_template(path)
    result = read_workbook(path, today=TODAY)
    assert result.ok and result.dossiers == []


# --------------------------------------------------------------------------------- round trip


def test_rich_round_trip(
    many_dossiers: Callable[..., Iterator[dict[str, Any]]], towns: tuple[str, ...]
) -> None:
    dossiers = list(many_dossiers(30))
    result = _read(_xlsx(dossiers, towns=towns), towns=towns)
    assert result.errors == []
    assert result.dossiers == dossiers


def test_written_cells_are_typed_for_excel(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    d = rich_dossier(3)
    wb = load_workbook(_xlsx([d]))
    ent = wb[ENTERPRISE.sheet]
    names = [c.value for c in ent[2]]
    row = {n: c for n, c in zip(names, ent[3], strict=True)}
    assert row["registered_on"].value == datetime.combine(d["registered_on"], datetime.min.time())
    assert row["registered_on"].number_format == "yyyy-mm-dd"
    assert row["listing_status"].value == ENTERPRISE.field("listing_status").choice_label(d["listing_status"])
    assert row["independent_legal_person"].value == "是" and row["abnormal_operation"].value == "否"
    assert row["research_misconduct_years"].value == "无"
    assert row["major_accident_years"].value == ",".join(str(y) for y in d["credit"]["major_accident_years"])
    annual = wb[ANNUAL.sheet]
    assert annual["A3"].value == d["uscc"]
    assert annual["C3"].value == pytest.approx(float(d["annual"][0]["operating_revenue"]))
    assert isinstance(annual["C3"].value, float) and isinstance(annual["B3"].value, int)
    ip = wb[IP.sheet]
    titles = [ip.cell(row=r, column=4).value for r in range(3, 6)]
    assert "'=领军管理软件V1.0" in titles  # text, not a formula (lingjun.cellsafe)
    assert all(ip.cell(row=r, column=4).data_type == "s" for r in range(3, 6))


HOSTILE_TEXT = ['=HYPERLINK("http://example.com","点击")', "+86-22-1234", "-1+2", "@SUM(A1)", "'=1", "'plain"]


def test_text_that_a_spreadsheet_would_run_is_written_as_text_and_read_back(
    rich_dossier: Callable[..., dict[str, Any]],
) -> None:
    dossiers = []
    for n, text in enumerate(HOSTILE_TEXT):
        d = rich_dossier(n)
        d["name"] = text
        d["key_industry"] = text
        d["ip"][0]["title"] = text
        dossiers.append(d)
    data = _xlsx(dossiers)
    with zipfile.ZipFile(data) as book:
        parts = {n: book.read(n) for n in book.namelist() if n.startswith("xl/worksheets/")}
    assert parts and not any(b"<f>" in p or b"<f " in p for p in parts.values())
    wb = load_workbook(data)
    ent = wb[ENTERPRISE.sheet]
    names = [c.value for c in ent[2]]
    written = [dict(zip(names, (c.value for c in row), strict=True)) for row in ent.iter_rows(min_row=3)]
    assert [w["name"] for w in written] == [
        '\'=HYPERLINK("http://example.com","点击")',
        "'+86-22-1234",
        "'-1+2",
        "'@SUM(A1)",
        "''=1",
        "'plain",
    ]
    assert all(c.data_type != "f" for row in ent.iter_rows(min_row=3) for c in row)
    result = _read(data)
    assert result.errors == []
    assert result.dossiers == dossiers


def test_the_template_has_no_formula(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    write_template(path)
    with zipfile.ZipFile(path) as book:
        assert not any(b"<f>" in book.read(n) for n in book.namelist() if n.startswith("xl/worksheets/"))


def test_writer_refuses_what_is_not_a_dossier(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    d = rich_dossier(1)
    with pytest.raises(ValueError, match="unknown key 'revenue'"):
        write_workbook([{**d, "revenue": 1}], io.BytesIO())
    with pytest.raises(ValueError, match="unknown key 'revnue'"):
        write_workbook([{**d, "annual": [{"year": 2024, "revnue": 1}]}], io.BytesIO())
    with pytest.raises(TypeError):
        write_workbook([{**d, "registered_on": "2020-01-01"}], io.BytesIO())
    with pytest.raises(ValueError, match="control characters"):
        write_workbook([{**d, "name": "甲\x01"}], io.BytesIO())


def test_excel_serial_matches_openpyxl() -> None:
    for d in (date(1900, 1, 1), date(1900, 2, 28), date(1900, 3, 1), date(2024, 2, 29), date(9999, 12, 31)):
        assert excel_serial(d) == to_excel(d)
    with pytest.raises(TypeError):
        excel_serial(datetime(2024, 1, 1, 12, 0))


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_round_trip_property(
    data: st.DataObject, dossier_strategy: st.SearchStrategy[dict[str, Any]]
) -> None:
    items = data.draw(st.lists(dossier_strategy, max_size=3))
    unique = list({d["uscc"]: d for d in items}.values())
    result = _read(_xlsx(unique))
    assert result.errors == []
    assert result.dossiers == unique


# ---------------------------------------------------------------------------- tolerant reading


def _clerk_workbook(uscc: str) -> Workbook:
    """A workbook as a clerk might fill it: own column order, codes and labels, text numbers."""
    wb = Workbook()
    ent = wb.active
    ent.title = ENTERPRISE.sheet
    ent.append(
        ["名称", "代码", "成立", "上市", "领域", "独立法人", "异常", "失信", "事故年度", "备注列无字段名"]
    )
    ent.append(["name", "uscc", "registered_on", "listing_status", "hightech_field", "independent_legal_person",
                "abnormal_operation", "serious_dishonesty", "major_accident_years", None])  # fmt: skip
    ent.append(
        [
            " 天津甲科技有限公司 ",
            uscc.lower(),
            date(2017, 4, 12),
            "star",
            "电子信息",
            "是",
            "FALSE",
            False,
            2019,
            "x",
        ]
    )
    ent.append([])  # fully empty rows are skipped
    ent.append([None, "   ", None])  # so are rows of blanks
    annual = wb.create_sheet(ANNUAL.sheet)
    annual.append(["年度", "代码", "营业收入", "职工", "科技人员"])
    annual.append(["year", "uscc", "operating_revenue", "employees", "tech_staff"])
    annual.append([2023, uscc, 3200.5, "86", "19.5"])
    annual.append(["2024", uscc, "4100.25", 90, 20])
    ip = wb.create_sheet(IP.sheet)
    ip.append(["类别", "代码", "授权日期", "有效"])
    ip.append(["kind", "uscc", "granted_on", "valid"])
    ip.append(["发明专利", uscc, "2022-03-01", True])
    ip.append(["utility_model", uscc, datetime(2023, 5, 6), "否"])
    wb.create_sheet("我的备注").append(["随便写点什么"])
    return wb


def test_clerk_workbook_is_read(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    uscc = rich_dossier(5)["uscc"]
    out = io.BytesIO()
    _clerk_workbook(uscc).save(out)
    result = _read(out)
    assert result.errors == []
    assert result.dossiers == [
        {
            "uscc": uscc,
            "name": "天津甲科技有限公司",
            "registered_on": date(2017, 4, 12),
            "independent_legal_person": True,
            "hightech_field": "电子信息",
            "listing_status": "star",
            "credit": {
                "abnormal_operation": False,
                "serious_dishonesty": False,
                "major_accident_years": [2019],
            },
            "annual": [
                {
                    "year": 2023,
                    "operating_revenue": Decimal("3200.5"),
                    "employees": Decimal(86),
                    "tech_staff": Decimal("19.5"),
                },
                {
                    "year": 2024,
                    "operating_revenue": Decimal("4100.25"),
                    "employees": Decimal(90),
                    "tech_staff": Decimal(20),
                },
            ],
            "ip": [
                {"kind": "invention_patent", "granted_on": date(2022, 3, 1), "valid": True},
                {"kind": "utility_model", "granted_on": date(2023, 5, 6), "valid": False},
            ],
        }
    ]
    assert str(result.dossiers[0]["annual"][0]["operating_revenue"]) == "3200.5"


def test_computed_floats_keep_excel_precision(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    d = rich_dossier(1)

    def change(wb: Workbook) -> None:
        wb[ANNUAL.sheet]["C3"].value = 0.1 + 0.2  # 0.30000000000000004, as a formula result would be

    result = _read(_edit(_xlsx([d]), change))
    assert result.ok and result.dossiers[0]["annual"][0]["operating_revenue"] == Decimal("0.3")


def test_planted_errors_are_all_reported_where_they_are(
    many_dossiers: Callable[..., Iterator[dict[str, Any]]],
) -> None:
    dossiers = list(many_dossiers(4))
    bad_uscc = dossiers[1]["uscc"][:17] + ("0" if dossiers[1]["uscc"][17] != "0" else "1")

    def plant(wb: Workbook) -> None:
        ent, annual, ip = wb[ENTERPRISE.sheet], wb[ANNUAL.sheet], wb[IP.sheet]
        # enterprise rows: 3..6 for dossiers 0..3; name is column B, registered_on column C
        for ws in wb.worksheets[: len(SHEETS)]:  # a wrong check character, consistently typed everywhere
            for row in ws.iter_rows(min_row=3):
                if row[0].value == dossiers[1]["uscc"]:
                    row[0].value = bad_uscc
        ent["B4"].value = None  # missing required name (row 4 = dossier 1)
        ent["C5"].value = date(2026, 1, 1)  # future date (dossier 2)
        # annual rows: 3 per enterprise, dossier 0 → rows 3..5; C = operating_revenue; M/N = employees/tech_staff
        annual["C4"].value = -5
        annual["N6"].value = 500  # dossier 1's first year: tech_staff > employees
        # ip rows: 3 per enterprise; A = uscc, B = kind
        ip["B9"].value = "发明"  # dossier 2's first patent: unknown enum
        annual.append([dossiers[3]["uscc"][:17] + "X", 2024, 100])  # orphan row → row 15

    result = _read(_edit(_xlsx(dossiers), plant))
    assert _locations(result.errors) == [
        ("企业基本信息", 4, "A", "uscc_check"),
        ("企业基本信息", 4, "B", "required"),
        ("企业基本信息", 5, "C", "future_date"),
        ("年度数据", 4, "C", "negative"),
        ("年度数据", 6, "N", "tech_staff_exceeds_employees"),
        ("年度数据", 15, "A", "unknown_uscc"),
        ("知识产权", 9, "B", "enum"),
    ]
    messages = {(e.sheet, e.row, e.column): e for e in result.errors}
    assert messages[("企业基本信息", 4, "A")].message.startswith(
        MSG_USCC.split("{")[0] + "统一社会信用代码校验位错误"
    )
    assert messages[("企业基本信息", 4, "B")].message == MSG_REQUIRED.format(label="企业名称")
    assert messages[("企业基本信息", 5, "C")].message == MSG_FUTURE_DATE.format(today="2025-06-30")
    assert messages[("年度数据", 4, "C")].message == MSG_NEGATIVE.format(what="金额")
    assert messages[("年度数据", 4, "C")].value == -5
    year = dossiers[1]["annual"][0]["year"]
    employees = dossiers[1]["annual"][0]["employees"]
    assert messages[("年度数据", 6, "N")].message == MSG_TECH_STAFF.format(
        tech_staff="500", employees=employees, year=f"{year}年度"
    )
    assert messages[("年度数据", 15, "A")].message == MSG_UNKNOWN_USCC.format(sheet="企业基本信息")
    assert messages[("知识产权", 9, "B")].message == MSG_ENUM.format(allowed=format_allowed(IP.field("kind")))
    assert str(messages[("年度数据", 4, "C")]) == (
        "工作表“年度数据”第4行C列（营业收入）：“-5”——金额不能为负数，请填写0或正数。"
    )
    # only the untouched enterprise survives
    assert result.dossiers == [dossiers[3]]


def test_duplicate_uscc_rows(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    a, b = rich_dossier(1), rich_dossier(2)
    second = {"uscc": a["uscc"], "name": "重复的企业", "registered_on": date(2020, 1, 1)}  # no list rows
    result = _read(_xlsx([a, b, second]))
    assert _locations(result.errors) == [("企业基本信息", 5, "A", "duplicate_uscc")]
    assert result.errors[0].message == MSG_DUPLICATE_USCC.format(first=3)
    assert result.dossiers == [b]


def test_list_row_without_uscc_is_required(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    def change(wb: Workbook) -> None:
        wb[ANNUAL.sheet]["A4"].value = None

    result = _read(_edit(_xlsx([rich_dossier(1)]), change))
    assert _locations(result.errors) == [("年度数据", 4, "A", "required")]


def test_uscc_stored_as_a_number(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    d, other = rich_dossier(1), rich_dossier(2)

    def change(wb: Workbook) -> None:  # the column was formatted as a number everywhere
        for ws in wb.worksheets[: len(SHEETS)]:
            for row in ws.iter_rows(min_row=3):
                if row[0].value == d["uscc"]:
                    row[0].value = 9.1120114e17 if ws.title == ANNUAL.sheet else 911201140000000000

    result = _read(_edit(_xlsx([d, other]), change))
    got = _locations(result.errors)
    assert got[:4] == [
        ("企业基本信息", 3, "A", "type"),
        ("年度数据", 3, "A", "type"),
        ("年度数据", 4, "A", "type"),
        ("年度数据", 5, "A", "type"),
    ]
    assert len(got) == 16  # the enterprise row and each of its 15 list rows, nothing else
    assert all(e.message == MSG_USCC_AS_NUMBER for e in result.errors)
    assert result.errors[0].value == 911201140000000000
    assert result.dossiers == [other]


# ---------------------------------------------------------------------------- structural errors


def _delete_column(sheet: str, letter: str) -> Callable[[Workbook], None]:
    def change(wb: Workbook) -> None:
        ws = wb[sheet]
        ws.delete_cols(ord(letter) - ord("A") + 1)

    return change


def test_missing_required_column_is_one_error(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    result = _read(_edit(_xlsx([rich_dossier(1), rich_dossier(2)]), _delete_column(ENTERPRISE.sheet, "B")))
    assert _locations(result.errors) == [("企业基本信息", 2, "", "missing_column")]
    assert result.errors[0].message == MSG_MISSING_COLUMN.format(label="企业名称", name="name")
    assert result.dossiers == []


def test_missing_optional_column_is_fine(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    d = rich_dossier(1)
    result = _read(_edit(_xlsx([d]), _delete_column(ANNUAL.sheet, "C")))  # operating_revenue
    assert result.ok
    assert all("operating_revenue" not in row for row in result.dossiers[0]["annual"])


def test_column_order_is_free(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    d = rich_dossier(1)

    def move(wb: Workbook) -> None:
        ws = wb[ANNUAL.sheet]
        ws.move_range("A1:A5", cols=20)  # uscc to column U
        ws.move_range("N1:N5", rows=0, cols=-13)  # tech_staff into the emptied column A

    result = _read(_edit(_xlsx([d]), move))
    assert result.ok and result.dossiers == [d]


def test_duplicate_and_unknown_columns(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    def change(wb: Workbook) -> None:
        ws = wb[ANNUAL.sheet]
        ws["O2"].value = "year"
        wb[IP.sheet]["J2"].value = "备注"

    result = _read(_edit(_xlsx([rich_dossier(1)]), change))
    assert _locations(result.errors) == [
        ("年度数据", 2, "O", "duplicate_column"),
        ("知识产权", 2, "J", "unknown_field"),
    ]
    assert result.errors[0].message == MSG_DUPLICATE_COLUMN.format(name="year", first="B", second="O")
    assert result.errors[1].message.startswith(MSG_UNKNOWN_COLUMN.split("，")[0].format(name="备注"))
    assert result.dossiers == []


def test_unknown_column_alone_keeps_the_good_dossiers(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    def change(wb: Workbook) -> None:
        wb[IP.sheet]["J2"].value = "备注"

    result = _read(_edit(_xlsx([rich_dossier(1)]), change))
    assert [e.code for e in result.errors] == ["unknown_field"] and len(result.dossiers) == 1


def test_missing_enterprise_sheet() -> None:
    wb = Workbook()
    wb.active.title = "Sheet1"
    out = io.BytesIO()
    wb.save(out)
    result = _read(out)
    assert _locations(result.errors) == [("企业基本信息", None, "", "missing_sheet")]
    assert result.errors[0].message == MSG_MISSING_SHEET.format(sheet="企业基本信息")


def test_missing_list_sheet_means_no_rows(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    d = rich_dossier(1)

    def change(wb: Workbook) -> None:
        del wb[IP.sheet]

    result = _read(_edit(_xlsx([d]), change))
    assert result.ok and "ip" not in result.dossiers[0]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a workbook",
        b"PK\x03\x04" + b"\x00" * 40,
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
    ],
    ids=["empty", "text", "broken-zip", "xls"],
)
def test_not_a_workbook(data: bytes) -> None:
    result = read_workbook(io.BytesIO(data), today=TODAY, name="上传.xlsx")
    assert _locations(result.errors) == [("上传.xlsx", None, "", "not_workbook")]
    assert result.errors[0].message == MSG_NOT_WORKBOOK and result.dossiers == []
    assert str(result.errors[0]).startswith("文件“上传.xlsx”：无法作为Excel工作簿打开。")


def test_truncated_workbook(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    data = _xlsx([rich_dossier(n) for n in range(20)]).getvalue()
    result = read_workbook(io.BytesIO(data[: len(data) // 2]), today=TODAY)
    assert [e.code for e in result.errors] == ["not_workbook"]


def test_zip_without_workbook_parts() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hi")
    assert [e.code for e in _read(out).errors] == ["not_workbook"]


# ------------------------------------------------------------------------------ the xlsx reader


def _hand_made_xlsx(
    sheet_xml: str, *, shared: str = "", styles: str = "", date1904: bool = False
) -> io.BytesIO:
    """A minimal .xlsx written by hand: prefixed namespaces, rich text, odd cell forms."""
    out = io.BytesIO()
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<x:workbook xmlns:x="{main}" xmlns:r="{rel}">'
            + ('<x:workbookPr date1904="1"/>' if date1904 else "")
            + '<x:sheets><x:sheet name="企业基本信息" sheetId="1" r:id="rId7"/></x:sheets></x:workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId7" Type="{rel}/worksheet" Target="/xl/worksheets/data.xml"/>'
            f'<Relationship Id="rId8" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId9" Type="{rel}/styles" Target="styles.xml"/></Relationships>',
        )
        z.writestr("xl/sharedStrings.xml", f'<sst xmlns="{main}">{shared}</sst>')
        z.writestr("xl/styles.xml", f'<styleSheet xmlns="{main}">{styles}</styleSheet>')
        z.writestr(
            "xl/worksheets/data.xml",
            f'<x:worksheet xmlns:x="{main}"><x:sheetData>{sheet_xml}</x:sheetData></x:worksheet>',
        )
    out.seek(0)
    return out


def test_hand_made_xlsx_cell_forms(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    d = rich_dossier(7)
    shared = (
        "<si><t>uscc</t></si><si><t>name</t></si><si><t>registered_on</t></si>"
        f"<si><r><t>{d['uscc'][:9]}</t></r><r><rPr><b/></rPr><t>{d['uscc'][9:]}</t></r></si>"
        "<si><t>天津</t><rPh sb='0' eb='2'><t>TIANJIN</t></rPh></si>"
        "<si><t>independent_legal_person</t></si><si><t>listing_status</t></si><si><t>town</t></si>"
    )
    styles = (
        '<numFmts count="1"><numFmt numFmtId="170" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>'
        '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="31"/><xf numFmtId="170"/></cellXfs>'
    )
    serial = to_excel(date(2017, 4, 12))
    sheet = (
        '<x:row r="2"><x:c r="A2" t="s"><x:v>0</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c><x:c t="s"><x:v>2</x:v></x:c>'
        '<x:c r="E2" t="s"><x:v>5</x:v></x:c><x:c t="s"><x:v>6</x:v></x:c><x:c t="s"><x:v>7</x:v></x:c></x:row>'
        '<x:row r="3"><x:c r="A3" t="s"><x:v>3</x:v></x:c>'
        '<x:c r="B3" t="inlineStr"><x:is><x:r><x:t>天津</x:t></x:r><x:r><x:t xml:space="preserve">乙 &amp; 丙</x:t></x:r></x:is></x:c>'
        f'<x:c r="C3" s="1"><x:v>{serial}</x:v></x:c>'
        '<x:c r="E3" t="b"><x:v>1</x:v></x:c>'
        '<x:c r="F3" t="str"><x:f>LOWER("STAR")</x:f><x:v>star</x:v></x:c>'
        '<x:c r="G3" t="s"><x:v>4</x:v></x:c></x:row>'
        '<x:row><x:c r="A4" t="s"><x:v>3</x:v></x:c><x:c r="B4" t="inlineStr"><x:is><x:t>丁</x:t></x:is></x:c>'
        f'<x:c r="C4" s="2"><x:v>{serial}</x:v></x:c><x:c r="F4" t="e"><x:v>#N/A</x:v></x:c></x:row>'
    )
    result = _read(_hand_made_xlsx(sheet, shared=shared, styles=styles), towns=["天津"])
    assert _locations(result.errors) == [
        ("企业基本信息", 3, "F", "formula"),  # formulas are refused (their cached result: "star")
        ("企业基本信息", 4, "A", "duplicate_uscc"),
        ("企业基本信息", 4, "F", "enum"),
    ]
    assert result.errors[0].value == "star"
    assert result.errors[2].value == "#N/A"
    # row 3 itself is fine, but its USCC occurs twice: nothing is imported
    assert result.dossiers == []


def test_hand_made_xlsx_values(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    d = rich_dossier(8)
    sheet = (
        '<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>uscc</x:t></x:is></x:c>'
        '<x:c r="B2" t="inlineStr"><x:is><x:t>name</x:t></x:is></x:c>'
        '<x:c r="C2" t="inlineStr"><x:is><x:t>registered_on</x:t></x:is></x:c>'
        '<x:c r="D2" t="inlineStr"><x:is><x:t>town</x:t></x:is></x:c></x:row>'
        f'<x:row r="3"><x:c r="A3" t="inlineStr"><x:is><x:t>{d["uscc"]}</x:t></x:is></x:c>'
        '<x:c r="B3" t="s"><x:v>0</x:v></x:c><x:c r="C3" s="1"><x:v>41740</x:v></x:c>'
        '<x:c r="D3" t="s"><x:v>1</x:v></x:c></x:row>'
    )
    shared = "<si><r><t>天津</t></r><r><t>戊</t></r><rPh><t>ignored</t></rPh></si><si><t>杨村街道</t></si>"
    styles = '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>'
    result = _read(_hand_made_xlsx(sheet, shared=shared, styles=styles, date1904=True))
    assert result.errors == []
    # 41740 in the 1904 date system
    assert result.dossiers == [
        {"uscc": d["uscc"], "name": "天津戊", "registered_on": date(2018, 4, 12), "town": "杨村街道"}
    ]


# ----------------------------------------------------------------------------------- performance


@pytest.mark.slow
def test_ten_thousand_enterprises(
    tmp_path: Path, many_dossiers: Callable[..., Iterator[dict[str, Any]]]
) -> None:
    dossiers = list(many_dossiers(10_000))
    rows = len(dossiers) + sum(len(d.get(s.key) or ()) for d in dossiers for s in SECTIONS[1:])
    path = tmp_path / "big.xlsx"
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    write_workbook(dossiers, path)
    write_wall, write_cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    result = read_workbook(path, today=TODAY)
    read_wall, read_cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
    print(
        f"\n10 000 enterprises, {rows} rows, {path.stat().st_size / 1e6:.1f} MB: "
        f"write {write_wall:.1f} s wall / {write_cpu:.1f} s CPU, read {read_wall:.1f} s wall / {read_cpu:.1f} s CPU"
    )
    assert rows > 150_000
    assert result.ok and len(result.dossiers) == 10_000
    assert result.dossiers[-1] == dossiers[-1]
    # speed is measured by bench/bench_import.py (docs/benchmarks.md), not asserted here


def test_too_long_and_invisible_text_is_located(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    first, second = rich_dossier(1), rich_dossier(2)
    first["name"] = "甲" * 300
    second["ip"][1]["title"] = "软件\u202e名称"
    result = _read(_xlsx([first, second]))
    assert result.dossiers == []
    located = _locations(result.errors)
    assert (ENTERPRISE.sheet, 3, "B", "too_long") in located
    assert (IP.sheet, 3 + len(first["ip"]) + 1, "D", "invisible_char") in located
    too_long = next(e for e in result.errors if e.code == "too_long")
    assert "企业名称" in str(too_long) and "最多200个字符" in str(too_long)
