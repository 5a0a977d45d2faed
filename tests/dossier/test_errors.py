"""DossierError's one-line Chinese text, DossierFileRefused and ParseResult."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from decimal import Decimal

import pytest

from lingjun.dossier.errors import (
    MSG_FILE_REFUSED,
    DossierError,
    DossierFileRefused,
    ParseResult,
    display_value,
)
from lingjun.dossier.validate import MSG_NEGATIVE, MSG_REQUIRED

NEGATIVE = MSG_NEGATIVE.format(what="金额")


def _excel(**kw: object) -> DossierError:
    values: dict[str, object] = dict(
        sheet="年度数据",
        row=12,
        column="C",
        field="operating_revenue",
        label="营业收入",
        value="-5",
        message=NEGATIVE,
        code="negative",
    )
    values.update(kw)
    return DossierError(**values)  # type: ignore[arg-type]


def test_excel_error_reads_as_one_chinese_line() -> None:
    assert str(_excel()) == "工作表“年度数据”第12行C列（营业收入）：“-5”——金额不能为负数，请填写0或正数。"


def test_missing_value_is_not_quoted() -> None:
    e = _excel(
        sheet="企业基本信息", row=5, column="B", field="name", label="企业名称", value=None,
        message=MSG_REQUIRED.format(label="企业名称"), code="required",
    )  # fmt: skip
    assert str(e) == "工作表“企业基本信息”第5行B列（企业名称）：此项为必填项，请填写企业名称。"


def test_sheet_level_error_has_no_row_or_column() -> None:
    e = _excel(
        row=None, column="", field="", label="", value=None, message="缺少工作表。", code="missing_sheet"
    )
    assert str(e) == "工作表“年度数据”：缺少工作表。"


def test_jsonl_error_names_file_line_and_json_path() -> None:
    e = _excel(
        sheet="dossiers.jsonl",
        row=3,
        column="annual[2].operating_revenue",
        value=Decimal("-5.50"),
        source="jsonl",
    )
    assert str(e) == "文件“dossiers.jsonl”第3行 annual[2].operating_revenue（营业收入）：“-5.50”——" + NEGATIVE


def test_file_level_error() -> None:
    e = _excel(
        sheet="a.xlsx", row=None, column="", field="", label="", value=None, message="打不开。", source="file"
    )
    assert str(e) == "文件“a.xlsx”：打不开。"


def test_unknown_field_without_label_shows_the_field_name() -> None:
    e = _excel(field="revenue", label="", value=1, message="不认识。", code="unknown_field")
    assert str(e) == "工作表“年度数据”第12行C列（revenue）：“1”——不认识。"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (True, "是"),
        (False, "否"),
        (Decimal("1E+2"), "100"),
        (date(2024, 3, 1), "2024-03-01"),
        ([2021, 2022], "[2021, 2022]"),
        ({"a": "天"}, '{"a": "天"}'),
        ("多行\n文本", "多行 文本"),
        ("长" * 100, "长" * 59 + "…"),
    ],
)
def test_display_value(value: object, shown: str) -> None:
    assert display_value(value) == shown


def test_errors_are_frozen_and_comparable() -> None:
    e = _excel()
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.row = 3  # type: ignore[misc]
    assert e == _excel() and hash(e) == hash(_excel())


def test_as_dict_is_json_serialisable() -> None:
    d = _excel(value=date(2030, 1, 1)).as_dict()
    assert json.loads(json.dumps(d, ensure_ascii=False))["value"] == "2030-01-01"
    assert d["text"].startswith("工作表“年度数据”第12行C列")
    assert d["code"] == "negative" and d["source"] == "excel"


def test_refused_file_lists_the_errors() -> None:
    errors = [_excel(row=i) for i in range(3, 28)]
    exc = DossierFileRefused(errors)
    assert exc.errors == errors
    lines = str(exc).splitlines()
    assert lines[0] == MSG_FILE_REFUSED.format(count=25)
    assert lines[1] == str(errors[0])
    assert lines[-1] == "……另有5处错误未列出。"


def test_parse_result() -> None:
    ok = ParseResult(dossiers=[{"uscc": "x"}])
    assert ok.ok
    ok.raise_for_errors()
    bad = ParseResult(errors=[_excel()])
    assert not bad.ok
    with pytest.raises(DossierFileRefused) as info:
        bad.raise_for_errors()
    assert info.value.errors == [_excel()]
