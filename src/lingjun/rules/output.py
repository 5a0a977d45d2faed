"""Writers for evaluation results: JSON (one array of records), CSV and xlsx with Chinese headers."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from lingjun.cellsafe import cell_value
from lingjun.rules.errors import RulesError, names
from lingjun.rules.outcome import WORDS

if TYPE_CHECKING:
    from lingjun.rules.result import Evaluation

FORMATS = ("json", "csv", "xlsx")
#: outcome code → the word the files show (:mod:`lingjun.rules.outcome`)
RESULT_LABELS = WORDS

#: one row per enterprise × policy × criterion (the CSV, and the xlsx sheet 条件明细)
DETAIL_HEADERS = (
    ("uscc", "统一社会信用代码"),
    ("policy", "政策"),
    ("policy_label", "政策名称"),
    ("year", "申报年度"),
    ("as_of", "评价日期"),
    ("overall", "总体结果"),
    ("score", "得分"),
    ("id", "条件编号"),
    ("label", "条件"),
    ("mandatory", "必备条件"),
    ("result", "结果"),
    ("value", "测量值"),
    ("threshold", "门槛"),
    ("unit", "单位"),
    ("document", "文件"),
    ("article", "条款"),
    ("verified", "已核实"),
    ("explanation", "说明"),
    ("gap", "差距"),
    ("missing", "缺少材料"),
    ("source", "来源"),
)
#: one row per enterprise × policy (the xlsx sheet 汇总)
SUMMARY_HEADERS = (
    ("uscc", "统一社会信用代码"),
    ("policy", "政策"),
    ("policy_label", "政策名称"),
    ("year", "申报年度"),
    ("result", "总体结果"),
    ("score", "得分"),
    ("indicators", "分项得分"),
    ("bands", "档次"),
    ("metrics", "指标值"),
    ("verified", "条件均已核实"),
    ("missing", "缺少材料"),
    ("overrides", "情景参数"),
)


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}={_plain(v)}" for k, v in value.items())
    return value


def _cell(value: Any) -> Any:
    """A value as a spreadsheet cell: words for booleans and lists, text that is not a formula."""
    return cell_value(_plain(value))


def detail_rows(records: Iterable[dict[str, Any]]) -> Iterable[list[Any]]:
    for rec in records:
        for c in rec["criteria"]:
            row = {
                **c,
                "uscc": rec["uscc"],
                "policy": rec["policy"],
                "policy_label": rec["policy_label"],
                "year": rec["year"],
                "as_of": rec["as_of"],
                "overall": RESULT_LABELS[rec["result"]],
                "score": rec.get("score"),
                "result": RESULT_LABELS[c["result"]],
            }
            yield [_cell(row.get(key)) for key, _ in DETAIL_HEADERS]


def summary_rows(records: Iterable[dict[str, Any]]) -> Iterable[list[Any]]:
    for rec in records:
        row = {**rec, "result": RESULT_LABELS[rec["result"]]}
        yield [_cell(row.get(key)) for key, _ in SUMMARY_HEADERS]


def _binary(out: IO[bytes] | Path | str) -> tuple[IO[bytes], bool]:
    if isinstance(out, str | Path):
        return open(out, "wb"), True  # noqa: SIM115 - closed by the caller below
    return out, False


def write(ev: Evaluation, fmt: str, out: IO[bytes] | Path | str) -> None:
    """Write ``ev``'s records to ``out`` (a path or a binary stream) as json, csv or xlsx."""
    if fmt not in FORMATS:
        raise RulesError("unknown_format", fmt=fmt, allowed=names(FORMATS))
    write_records(ev.to_records(), fmt, out)


def write_records(records: list[dict[str, Any]], fmt: str, out: IO[bytes] | Path | str) -> None:
    stream, close = _binary(out)
    try:
        if fmt == "json":
            stream.write(json.dumps(records, ensure_ascii=False, indent=1).encode("utf-8"))
            stream.write(b"\n")
        elif fmt == "csv":
            text = io.StringIO()
            w = csv.writer(text)
            w.writerow([h for _, h in DETAIL_HEADERS])
            w.writerows(detail_rows(records))
            stream.write(text.getvalue().encode("utf-8-sig"))
        elif fmt == "xlsx":
            from openpyxl import Workbook

            wb = Workbook()
            summary = wb.active
            summary.title = "汇总"
            summary.append([h for _, h in SUMMARY_HEADERS])
            for row in summary_rows(records):
                summary.append(row)
            detail = wb.create_sheet("条件明细")
            detail.append([h for _, h in DETAIL_HEADERS])
            for row in detail_rows(records):
                detail.append(row)
            for ws in (summary, detail):
                ws.freeze_panes = "A2"
            wb.save(stream)
        else:
            raise RulesError("unknown_format", fmt=fmt, allowed=names(FORMATS))
    finally:
        if close:
            stream.close()
