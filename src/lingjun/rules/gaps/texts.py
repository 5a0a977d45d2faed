"""Texts: the Chinese wording of the gaps, in the dossier's own terms and units.

The templates (``T_*``) say what is missing (``上年营业收入 8 万元，需达到 10 万元：需再增加 2 万元``);
the helpers show amounts in 1/10000 units, ratios and growth rates, the years of an amount, and the
rows a count asks for (:func:`count_words`; :func:`count_row` makes such a row for the what-if
dossier). The texts are made only for the enterprises someone reads.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pyarrow as pa

from lingjun.dossier import schema
from lingjun.rules.explain import number
from lingjun.rules.facts import _IP_CLASSES, UNIT, CountFact
from lingjun.rules.gaps.leaves import Leaf, Term

T_RAISE = "{measure} {value}，需{cmp} {threshold}：需再增加 {delta}"
T_LOWER = "{measure} {value}，{cmp} {threshold}：需减少 {delta}"
T_RATIO = "{measure} {value}，需{cmp} {threshold}：按{den}约需再增加{num} {delta}"
T_GROWTH = "{measure} {value}，需{cmp} {threshold}：{target}需达到 {needed}（再增加 {delta}）"
T_COUNT = "{label}：现有 {have} 项，再需 {need} 项{what}"
T_MISSING = "{label}：需补充 {missing}"
T_MISSING_VALUE = "{label}：需补充 {missing}（需{cmp} {threshold}）"
T_SCORE = "{measure} {value} 分，需{cmp} {threshold} 分，差 {delta}：宜优先提升「{indicator}」（现 {have} 分，满分 {max} 分）"
T_CONDITION = "需满足：{label}"
T_CONFIRM = "需经确认：{label}"
T_UNQUANTIFIABLE = "不可量化：{label}"
_CMP_WORDS = {">=": "达到", ">": "高于", "<=": "不超过", "<": "低于"}
_LIST_NOUNS = {
    "ip": "知识产权",
    "qualifications": "资质",
    "awards": "奖项",
    "standards": "标准",
    "projects": "项目",
    "financing": "融资",
    "conversions": "成果转化",
    "credit_events": "信用记录",
    "premises": "场地",
}
_FIELD_LABELS: dict[str, str] = {f.name: f.label for s in schema.SECTIONS for f in s.fields}
_FIELD_UNITS: dict[str, str] = {f.name: f.unit for s in schema.SECTIONS for f in s.fields}


def _dec(x: Fraction) -> Decimal:
    return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(Decimal("0.0001"))


def _amount(units: int) -> Decimal:
    return (Decimal(int(units)) / UNIT).quantize(Decimal("0.0001"))


def _num(x: float) -> str:
    return number(Fraction(x).limit_denominator(10000), "")


def _show_units(units: int, unit: str) -> str:
    """An amount in 1/10000 units: two decimals, or four where two would read 0 (9.9999 → 10 is
    fine for a value, but a shortfall of 0.0001 must not read 0)."""
    x = Fraction(int(units), UNIT)
    if x != 0 and abs(x) < Fraction(1, 100):
        text = f"{(Decimal(int(units)) / UNIT).normalize():f}"
        return f"{text} {unit}" if unit and unit != "%" else text
    return number(x, unit)


def _show_value(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _threshold_units(leaf: Leaf) -> int:
    k = leaf.plan.value.k if leaf.plan.value is not None else Fraction(1)
    return int(Fraction(leaf.plan.threshold) * k * UNIT / k) if leaf.plan.threshold is not None else 0


def _fmt(x: Any, unit: str) -> str:
    if x is None:
        return "（空）"
    return number(Fraction(x) if not isinstance(x, float) else Fraction(x).limit_denominator(10**8), unit)


def _ratio(t: pa.Table, spec: Any, row: int) -> Fraction | None:
    n = t[spec.columns[0]][row].as_py()
    d = t[spec.columns[1]][row].as_py() if len(spec.columns) > 1 else 1
    if n is None or not d:
        return None
    return Fraction(int(n), int(d) * spec.k)


def _growth(t: pa.Table, spec: Any, row: int) -> float | None:
    x0, x1 = (t[c][row].as_py() for c in spec.columns)
    if not x0 or x1 is None or x0 <= 0 or x1 < 0:
        return None
    return float(Fraction(int(x1), int(x0))) ** (1.0 / spec.periods) - 1.0


def _term_words(term: Term) -> str:
    label = _FIELD_LABELS.get(term.field, term.field)
    if len(term.years) == 1:
        return f"{term.years[0]}年{label}"
    return f"{term.years[0]}–{term.years[-1]}年{label}合计"


def count_words(fact: CountFact) -> str:
    f = dict(fact.filters)
    parts = []
    if "ip_class" in f:
        parts.append(f"{'Ⅰ' if f['ip_class'] == 'I' else 'Ⅱ'}类")
    if "level" in f:
        levels = f["level"] if isinstance(f["level"], list | tuple) else [f["level"]]
        parts.append(
            "/".join(
                {
                    "national": "国家级",
                    "provincial": "省部级",
                    "municipal": "市级",
                    "international": "国际",
                    "industry": "行业",
                }.get(str(x), str(x))
                for x in levels
            )
        )
    noun = _LIST_NOUNS.get(fact.table, fact.table)
    if "kind" in f:
        section = next((s for s in schema.LIST_SECTIONS if s.key == fact.table), None)
        kinds = f["kind"] if isinstance(f["kind"], list | tuple) else [f["kind"]]
        if section is not None:
            labels = {c.value: c.label for c in section.field("kind").choices}
            noun = "或".join(str(labels.get(k, k)) for k in kinds)
    if f.get("core"):
        parts.append("核心")
    return "".join(parts) + noun


def count_row(fact: CountFact, year: int, as_of: date) -> dict[str, Any]:
    """A list row that the count ``fact`` counts (to close a count gap in a simulated dossier)."""
    f = dict(fact.filters)

    def first(key: str, default: Any = None) -> Any:
        v = f.get(key, default)
        return v[0] if isinstance(v, list | tuple) else v

    y = year + int(f.get("until", 0))
    t = fact.table
    if t == "ip":
        kind = _IP_CLASSES[f["ip_class"]][0] if "ip_class" in f else first("kind", "invention_patent")
        row: dict[str, Any] = {"kind": kind, "valid": True, "granted_on": as_of, "expires_on": None}
        if "core" in f:
            row["core"] = f["core"]
        if "acquired_by" in f:
            row["acquired_by"] = first("acquired_by")
        return row
    if t == "qualifications":
        return {
            "kind": first("kind"),
            "level": first("level", "national"),
            "issued_on": as_of,
            "expires_on": None,
        }
    if t == "awards":
        return {
            "kind": first("kind", "st_award"),
            "level": first("level", "national"),
            "year": y,
            "rank": int(f.get("max_rank", 1)),
            "prize": f.get("min_prize", "first"),
        }
    if t == "standards":
        return {"level": first("level", "national"), "role": first("role", "lead"), "year": y}
    if t == "projects":
        return {"level": first("level", "national"), "year": y}
    if t == "financing":
        amount = Decimal(str(f.get("min_amount", 100)))
        row = {
            "kind": first("kind", "venture"),
            "date": date(y, 1, 1) if y < as_of.year else as_of,
            "amount": amount,
        }
        if "low_risk" in f:
            row["low_risk"] = f["low_risk"]
        if "min_daily_avg_balance" in f:
            row["daily_avg_balance_12m"] = Decimal(str(f["min_daily_avg_balance"]))
        return row
    if t == "conversions":
        return {"year": y}
    if t == "premises":
        return {"kind": first("kind"), "year": y}
    return {"kind": first("kind"), "year": y}
