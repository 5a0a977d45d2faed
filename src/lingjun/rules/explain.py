"""Chinese explanations a clerk can read aloud (说明), and the gap to a threshold (差距).

``不通过：研发费用占比 2.1% < 3%（津科规〔2021〕3号 条件三）`` and, for self-evaluation,
``研发费用占比 2.1%，需达到 3%，差 0.9 个百分点``; a criterion missing data says what to supply
first: ``需补充：营业收入（2023年），方可判断“上年度营业收入不低于10万元”（…）``.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from lingjun.dossier import schema
from lingjun.rules.outcome import FAIL, PASS, WORDS

PASSED = WORDS[PASS] + "：{what}（{cite}）"
FAILED = WORDS[FAIL] + "：{what}（{cite}）"
#: read aloud: "需补充：营业收入（2023年），方可判断“上年度营业收入不低于10万元”（…）"
UNKNOWN = "需补充：{missing}，方可判断“{what}”（{cite}）"
UNDECIDABLE = "无法判断：{what}（{cite}）"
PROVISIONAL = "【暂定，未核实：{reason}】"

GAP_AT_LEAST = "{measure} {value}，需达到 {threshold}，差 {gap}"
GAP_ABOVE = "{measure} {value}，需高于 {threshold}，差 {gap}以上"
GAP_AT_MOST = "{measure} {value}，不得超过 {threshold}，超出 {gap}"
GAP_BELOW = "{measure} {value}，需低于 {threshold}，超出 {gap}"
GAP_EQUAL = "{measure} {value}，应为 {threshold}"

_SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "!=": "≠"}
_NEGATED = {">=": "<", ">": "≤", "<=": ">", "<": "≥", "==": "≠", "!=": "="}

_FIELD_LABELS: dict[str, str] = {f.name: f.label for s in schema.SECTIONS for f in s.fields}
_FIELD_LABELS["net_assets"] = "净资产"
_LISTS = {s.key: s for s in schema.LIST_SECTIONS}


def exact(value: Any) -> Fraction | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int | Decimal):
        return Fraction(value)
    if isinstance(value, float):  # compound growth rates (irrational in general)
        return Fraction(value)
    return None


def number(x: Fraction, unit: str) -> str:
    """``0.021`` with unit ``%`` → ``2.1%``; ``12.5`` with ``万元`` → ``12.5 万元``."""
    scaled = x * 100 if unit == "%" else x
    d = (Decimal(scaled.numerator) / Decimal(scaled.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    text = f"{d.normalize():f}" if d != 0 else "0"
    if unit == "%":
        return f"{text}%"
    return f"{text} {unit}" if unit else text


def show(value: Any, unit: str) -> str:
    x = exact(value)
    if x is not None:
        return number(x, unit)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    return "（空）" if value is None else str(value)


def gap_unit(unit: str) -> str:
    return "个百分点" if unit == "%" else unit


def gap_text(measure: str, op: str, value: Any, threshold: Any, unit: str) -> str:
    """What is missing to meet a numeric threshold ("" when not applicable)."""
    v, t = exact(value), exact(threshold)
    if v is None or t is None:
        return ""
    args = {"measure": measure, "value": number(v, unit), "threshold": number(t, unit)}
    diff = abs(t - v)
    gap = number(diff * 100, "") + " 个百分点" if unit == "%" else number(diff, unit)
    if op in (">=", ">"):
        return (GAP_AT_LEAST if op == ">=" else GAP_ABOVE).format(gap=gap, **args)
    if op in ("<=", "<"):
        return (GAP_AT_MOST if op == "<=" else GAP_BELOW).format(gap=gap, **args)
    return GAP_EQUAL.format(**args)


def missing_label(name: str) -> str:
    """``operating_revenue[2024]`` → ``营业收入（2024年）``; ``input.x`` → the input name;
    ``awards:rank,year`` (list rows with one of these attributes empty) → ``奖项（完成单位排名、年度）``."""
    table, sep, fields = name.partition(":")
    if sep and table in _LISTS:
        section = _LISTS[table]
        return f"{section.sheet}（{'、'.join(section.field(f).label for f in fields.split(','))}）"
    if name.endswith("]") and "[" in name:
        field, year = name[:-1].split("[")
        return f"{_FIELD_LABELS.get(field, field)}（{year}年）"
    if name.startswith("input."):
        return f"政策输入 {name[6:]}"
    return _FIELD_LABELS.get(name, name)


def explain(
    *,
    result: str,
    label: str,
    measure: str,
    op: str,
    value: Any,
    threshold: Any,
    unit: str,
    cite: str,
    missing: list[str],
    verified: bool,
    reason: str,
) -> str:
    has_cmp = (
        bool(op and measure) and value is not None and threshold is not None and not isinstance(value, bool)
    )
    if result == PASS:
        what = f"{measure} {show(value, unit)} {_SYMBOL[op]} {show(threshold, unit)}" if has_cmp else label
        text = PASSED.format(what=what, cite=cite)
    elif result == FAIL:
        what = f"{measure} {show(value, unit)} {_NEGATED[op]} {show(threshold, unit)}" if has_cmp else label
        text = FAILED.format(what=what, cite=cite)
    elif missing:
        text = UNKNOWN.format(what=label, missing="、".join(missing_label(m) for m in missing), cite=cite)
    else:
        text = UNDECIDABLE.format(what=label, cite=cite)
    if not verified:
        text += PROVISIONAL.format(reason=reason)
    return text
