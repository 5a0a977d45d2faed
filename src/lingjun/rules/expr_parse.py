"""Parsing and checking policy expressions (规则表达式的解析与校验).

An expression is parsed with :mod:`ast` and checked against the white lists below: functions,
namespaces, fields, count filters and their allowed values (from the dossier schema). Anything
else is a load-time :class:`~lingjun.rules.errors.PolicyError` naming file, line, key and the
allowed names. The vocabulary is described in :mod:`lingjun.rules.expr`, which holds the tree.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lingjun.dossier import schema
from lingjun.rules.errors import PolicyError, names
from lingjun.rules.expr import (
    ENTERPRISE_FIELDS,
    PRIZE_ORDER,
    AgeYears,
    AllOf,
    AnnualAt,
    AnyOf,
    AppYear,
    Arith,
    AsOf,
    AtLeast,
    Cagr,
    Cmp,
    Const,
    Count,
    EntField,
    HnteGrowth,
    InList,
    InputRef,
    Kind,
    MaxOf,
    Neg,
    Node,
    Not,
    ParamRef,
    Ref,
    ScaleOf,
    YearDate,
    YearsAgg,
    YearsBefore,
)

# --- the white lists --------------------------------------------------------------------------


#: annual fields usable with a relative year, plus the derived ``net_assets``
ANNUAL_FIELDS: tuple[str, ...] = (*(f for f in schema.ANNUAL.field_names if f != "year"), "net_assets")

_STR_OR_LIST = "str_or_list"
#: list tables that can be counted, and the filters each count accepts
COUNT_FILTERS: dict[str, dict[str, str]] = {
    "ip": {
        "ip_class": "ip_class",
        "kind": _STR_OR_LIST,
        "core": "bool",
        "acquired_by": _STR_OR_LIST,
        "valid": "bool",
    },
    "qualifications": {"kind": _STR_OR_LIST, "level": _STR_OR_LIST, "valid": "bool"},
    "awards": {
        "kind": _STR_OR_LIST,
        "level": _STR_OR_LIST,
        "max_rank": "int",
        "min_prize": "prize",
        "since": "offset",
        "until": "offset",
    },
    "standards": {"level": _STR_OR_LIST, "role": _STR_OR_LIST, "since": "offset", "until": "offset"},
    "projects": {"level": _STR_OR_LIST, "since": "offset", "until": "offset"},
    "financing": {
        "kind": _STR_OR_LIST,
        "min_amount": "num",
        "low_risk": "bool",
        "min_daily_avg_balance": "num",
        "since": "offset",
        "until": "offset",
    },
    "conversions": {"since": "offset", "until": "offset"},
    "credit_events": {"kind": _STR_OR_LIST, "since": "offset", "until": "offset"},
    "premises": {"kind": _STR_OR_LIST, "since": "offset", "until": "offset"},
}
COUNT_FUNCTIONS = {f"count_{t}": t for t in COUNT_FILTERS}

#: the allowed enum values of string filters, from the dossier schema
_FILTER_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("ip", "kind"): schema.IP.field("kind").choice_values,
    ("ip", "acquired_by"): schema.IP.field("acquired_by").choice_values,
    ("qualifications", "kind"): schema.QUALIFICATIONS.field("kind").choice_values,
    ("qualifications", "level"): schema.QUALIFICATIONS.field("level").choice_values,
    ("awards", "kind"): schema.AWARDS.field("kind").choice_values,
    ("awards", "level"): schema.AWARDS.field("level").choice_values,
    ("standards", "level"): schema.STANDARDS.field("level").choice_values,
    ("standards", "role"): schema.STANDARDS.field("role").choice_values,
    ("projects", "level"): schema.PROJECTS.field("level").choice_values,
    ("financing", "kind"): schema.FINANCING.field("kind").choice_values,
    ("credit_events", "kind"): tuple(c.value for c in schema.CREDIT_EVENT_KINDS),
    ("premises", "kind"): schema.PREMISES.field("kind").choice_values,
}

_SCALE_FUNCTIONS = ("points", "points_min", "points_max", "band", "lookup")
_YEAR_FUNCTIONS = ("sum_years", "avg_years", "cagr")
FUNCTIONS: tuple[str, ...] = (
    "all_of",
    "any_of",
    "at_least",
    "max_of",
    *_SCALE_FUNCTIONS,
    *_YEAR_FUNCTIONS,
    "hnte_growth",
    "age_years",
    "years_before",
    "year_end",
    "year_start",
    *COUNT_FUNCTIONS,
)
NAMESPACES = ("param", "input", "metric", "indicator")

_CMP_OPS: dict[type[ast.cmpop], str] = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
}
_BIN_OPS: dict[type[ast.operator], str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


@dataclass
class Scope:
    """What an expression may refer to (filled by the policy loader as it reads the file)."""

    params: dict[str, str] = field(default_factory=dict)  # name -> "num"|"bool"|"str"|"date"|"scale"
    scale_outputs: dict[str, set[str]] = field(default_factory=dict)  # scale -> {"points","band",…}
    inputs: dict[str, Kind] = field(default_factory=dict)
    criteria: dict[str, Kind] = field(default_factory=dict)
    metrics: dict[str, Kind] = field(default_factory=dict)
    indicators: dict[str, Kind] = field(default_factory=dict)
    has_score: bool = False


@dataclass(frozen=True)
class Where:
    file: str
    line: int
    key: str

    def error(self, code: str, **params: Any) -> PolicyError:
        return PolicyError(code, file=self.file, line=self.line, key=self.key, **params)


def parse(text: str, scope: Scope, where: Where) -> tuple[Node, Kind]:
    """Parse and check one expression; return its tree and its kind."""
    wrapped = f"(\n{text.strip()}\n)"  # parentheses let an expression span lines
    try:
        tree = ast.parse(wrapped, mode="eval")
    except SyntaxError as exc:
        raise where.error("expr_syntax", detail=exc.msg) from None
    return _Parser(scope, where, wrapped).node(tree.body)


class _Parser:
    def __init__(self, scope: Scope, where: Where, text: str) -> None:
        self.scope = scope
        self.where = where
        self.text = text

    # -- helpers
    def err(self, code: str, **params: Any) -> PolicyError:
        return self.where.error(code, **params)

    def unsupported(self, node: ast.AST) -> PolicyError:
        segment = ast.get_source_segment(self.text, node) or type(node).__name__
        return self.err("unsupported_syntax", node=segment)

    def expect(self, got: Kind, want: tuple[Kind, ...], what: str) -> None:
        if got not in want:
            raise self.err("type_mismatch", detail=f"{what}应为{'/'.join(want)}，实际为{got}")

    # -- dispatch
    def node(self, n: ast.expr) -> tuple[Node, Kind]:
        if isinstance(n, ast.Constant):
            return self.constant(n)
        if isinstance(n, ast.Name):
            return self.name(n)
        if isinstance(n, ast.Attribute):
            return self.attribute(n)
        if isinstance(n, ast.Subscript):
            return self.subscript(n)
        if isinstance(n, ast.BinOp) and type(n.op) in _BIN_OPS:
            left, lk = self.node(n.left)
            right, rk = self.node(n.right)
            self.expect(lk, ("num",), "运算数")
            self.expect(rk, ("num",), "运算数")
            return Arith(_BIN_OPS[type(n.op)], left, right), "num"  # type: ignore[arg-type]
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            if isinstance(n.operand, ast.Constant):
                node, kind = self.constant(n.operand)
                self.expect(kind, ("num",), "负号后")
                return Const(-node.value), "num"
            operand, kind = self.node(n.operand)
            self.expect(kind, ("num",), "负号后")
            return Neg(operand), "num"
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.Not):
            operand, kind = self.node(n.operand)
            self.expect(kind, ("bool",), "not 之后")
            return Not(operand), "bool"
        if isinstance(n, ast.BoolOp):
            items = []
            for v in n.values:
                item, kind = self.node(v)
                self.expect(kind, ("bool",), "and/or 的运算数")
                items.append(item)
            return (AllOf if isinstance(n.op, ast.And) else AnyOf)(tuple(items)), "bool"
        if isinstance(n, ast.Compare):
            return self.compare(n)
        if isinstance(n, ast.Call):
            return self.call(n)
        raise self.unsupported(n)

    def constant(self, n: ast.Constant) -> tuple[Const, Kind]:
        v = n.value
        if isinstance(v, bool):
            return Const(v), "bool"
        if isinstance(v, int):
            return Const(v), "num"
        if isinstance(v, float):
            text = ast.get_source_segment(self.text, n) or repr(v)
            return Const(Decimal(text)), "num"
        if isinstance(v, str):
            return Const(v), "str"
        raise self.unsupported(n)

    def name(self, n: ast.Name) -> tuple[Node, Kind]:
        s = self.scope
        if n.id in s.criteria:
            return Ref("criterion", n.id), s.criteria[n.id]
        if n.id in ENTERPRISE_FIELDS:
            return EntField(n.id), ENTERPRISE_FIELDS[n.id]
        if n.id == "as_of":
            return AsOf(), "date"
        if n.id == "year":
            return AppYear(), "num"
        if n.id == "score" and s.has_score:
            return Ref("score", "score"), "num"
        if n.id in ANNUAL_FIELDS:
            raise self.err(
                "bad_argument",
                name=n.id,
                detail=f"年度字段须注明年度，如 {n.id}[-1]（上年度）或用 sum_years()",
            )
        allowed = [*ENTERPRISE_FIELDS, "as_of", "year", *s.criteria, *(["score"] if s.has_score else [])]
        raise self.err("unknown_field", name=n.id, allowed=names(allowed))

    def attribute(self, n: ast.Attribute) -> tuple[Node, Kind]:
        if not isinstance(n.value, ast.Name) or n.value.id not in NAMESPACES:
            raise self.unsupported(n)
        ns, name = n.value.id, n.attr
        tables: dict[str, Mapping[str, str]] = {
            "param": self.scope.params,
            "input": self.scope.inputs,
            "metric": self.scope.metrics,
            "indicator": self.scope.indicators,
        }
        table = tables[ns]
        if name not in table:
            kind_label = {"param": "参数", "input": "政策输入", "metric": "指标值", "indicator": "评分指标"}[
                ns
            ]
            raise self.err(
                "unknown_reference", kind=kind_label, name=f"{ns}.{name}", allowed=names(table) or "（无）"
            )
        kind = table[name]
        if ns == "param":
            if kind == "scale":
                raise self.err(
                    "type_mismatch", detail=f"分档表 param.{name} 只能用在 points()/band()/lookup() 中"
                )
            return ParamRef(name), kind  # type: ignore[return-value]
        if ns == "input":
            return InputRef(name), kind  # type: ignore[return-value]
        return Ref("metric" if ns == "metric" else "indicator", name), kind  # type: ignore[return-value]

    def subscript(self, n: ast.Subscript) -> tuple[Node, Kind]:
        if not isinstance(n.value, ast.Name):
            raise self.unsupported(n)
        if n.value.id not in ANNUAL_FIELDS:
            raise self.err("unknown_field", name=n.value.id, allowed=names(ANNUAL_FIELDS))
        return AnnualAt(n.value.id, self.offset(n.slice, "年度下标")), "num"

    def offset(self, n: ast.expr, what: str) -> int:
        value: Any = None
        if isinstance(n, ast.Constant):
            value = n.value
        elif (
            isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub) and isinstance(n.operand, ast.Constant)
        ):
            value = -n.operand.value if isinstance(n.operand.value, int) else None
        if not isinstance(value, int) or isinstance(value, bool) or value > 0:
            raise self.err("type_mismatch", detail=f"{what}应为 0 或负整数（相对申报年度），如 -1 表示上年度")
        return value

    def compare(self, n: ast.Compare) -> tuple[Node, Kind]:
        if len(n.ops) != 1:
            raise self.err("type_mismatch", detail="不支持连写比较（a < b < c），请用 and 连接两个比较")
        op = n.ops[0]
        left, lk = self.node(n.left)
        if isinstance(op, ast.In | ast.NotIn):
            values = self.string_list(n.comparators[0])
            self.expect(lk, ("str",), "in 左边")
            return InList(left, values, isinstance(op, ast.NotIn)), "bool"
        if type(op) not in _CMP_OPS:
            raise self.unsupported(n)
        right, rk = self.node(n.comparators[0])
        sym = _CMP_OPS[type(op)]
        if lk == "root" or rk == "root":
            if lk != "root" or not isinstance(right, Const | ParamRef) or rk != "num":
                raise self.err("type_mismatch", detail="cagr() 只能放在比较左边，并与常数或参数比较")
        elif lk != rk:
            raise self.err("type_mismatch", detail=f"比较两边类型不同（{lk} 与 {rk}）")
        elif lk in ("str", "bool") and sym not in ("==", "!="):
            raise self.err("type_mismatch", detail=f"{lk} 只能用 == 或 != 比较")
        return Cmp(sym, left, right), "bool"  # type: ignore[arg-type]

    def string_list(self, n: ast.expr) -> tuple[str, ...]:
        if isinstance(n, ast.List | ast.Tuple) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in n.elts
        ):
            return tuple(e.value for e in n.elts)  # type: ignore[attr-defined]
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            return (n.value,)
        raise self.err("type_mismatch", detail='这里应为字符串或字符串列表，如 ["national", "provincial"]')

    # -- calls
    def call(self, n: ast.Call) -> tuple[Node, Kind]:
        if not isinstance(n.func, ast.Name):
            raise self.unsupported(n)
        fname = n.func.id
        if fname not in FUNCTIONS:
            raise self.err("unknown_function", name=fname, allowed=names(FUNCTIONS))
        if fname in COUNT_FUNCTIONS:
            return self.count(fname, n)
        if n.keywords:
            raise self.err("bad_argument", name=fname, detail="该函数不接受关键字参数")
        args = n.args
        if fname in ("all_of", "any_of", "at_least"):
            if fname == "at_least":
                if not args:
                    raise self.err("bad_argument", name=fname, detail="第一个参数应为正整数 n")
                first = args[0]
                if not (isinstance(first, ast.Constant) and isinstance(first.value, int) and first.value > 0):
                    raise self.err("bad_argument", name=fname, detail="第一个参数应为正整数 n")
                args = args[1:]
            if not args:
                raise self.err("bad_argument", name=fname, detail="至少需要一个条件")
            items = tuple(self.typed(a, "bool", fname) for a in args)
            if fname == "all_of":
                return AllOf(items), "bool"
            if fname == "any_of":
                return AnyOf(items), "bool"
            return AtLeast(n.args[0].value, items), "bool"  # type: ignore[attr-defined]
        if fname == "max_of":
            if len(args) < 2:
                raise self.err("bad_argument", name=fname, detail="至少需要两个数")
            return MaxOf(tuple(self.typed(a, "num", fname) for a in args)), "num"
        if fname in _SCALE_FUNCTIONS:
            return self.scale(fname, args)
        if fname in _YEAR_FUNCTIONS:
            if len(args) != 3:
                raise self.err(
                    "bad_argument",
                    name=fname,
                    detail="应为 (年度字段, since, until)，如 (rd_expense, -3, -1)",
                )
            fld = self.annual_name(args[0], fname)
            since, until = self.offset(args[1], "since"), self.offset(args[2], "until")
            if since > until:
                raise self.err("bad_argument", name=fname, detail="since 不能晚于 until")
            if fname == "cagr":
                if since == until:
                    raise self.err("bad_argument", name=fname, detail="复合增长率至少需要两个年度")
                return Cagr(fld, since, until), "root"
            return YearsAgg("sum" if fname == "sum_years" else "avg", fld, since, until), "num"
        if fname == "hnte_growth":
            if len(args) != 1:
                raise self.err(
                    "bad_argument", name=fname, detail="应为一个年度字段，如 hnte_growth(net_assets)"
                )
            return HnteGrowth(self.annual_name(args[0], fname)), "num"
        if fname == "age_years":
            if len(args) != 1:
                raise self.err("bad_argument", name=fname, detail="应为一个日期，如 age_years(year_end(-1))")
            return AgeYears(self.typed(args[0], "date", fname)), "num"
        if fname == "years_before":
            detail = "应为 (固定日期, 年数)，如 years_before(year_end(-1), param.max_age)"
            if len(args) != 2:
                raise self.err("bad_argument", name=fname, detail=detail)
            at = self.typed(args[0], "date", fname)
            years = self.typed(args[1], "num", fname)
            if not isinstance(at, AsOf | YearDate) or not isinstance(years, Const | ParamRef):
                raise self.err("bad_argument", name=fname, detail=detail)
            if isinstance(years, Const) and (years.value != int(years.value) or years.value < 0):
                raise self.err("bad_argument", name=fname, detail="年数应为不小于0的整数")
            return YearsBefore(at, years), "date"
        # year_end / year_start
        if len(args) != 1:
            raise self.err("bad_argument", name=fname, detail="应为一个相对年度，如 year_end(-1)")
        return YearDate("end" if fname == "year_end" else "start", self.offset(args[0], fname)), "date"

    def typed(self, a: ast.expr, kind: Kind, fname: str) -> Node:
        node, k = self.node(a)
        if k != kind:
            raise self.err("bad_argument", name=fname, detail=f"参数应为{kind}，实际为{k}")
        return node

    def annual_name(self, a: ast.expr, fname: str) -> str:
        if not isinstance(a, ast.Name) or a.id not in ANNUAL_FIELDS:
            got = a.id if isinstance(a, ast.Name) else ast.dump(a)
            raise self.err("unknown_field", name=got, allowed=names(ANNUAL_FIELDS))
        return a.id

    def scale(self, fname: str, args: list[ast.expr]) -> tuple[Node, Kind]:
        if len(args) != 2:
            raise self.err("bad_argument", name=fname, detail="应为 (数值, param.分档表)")
        operand = self.typed(args[0], "num", fname)
        ref = args[1]
        if not (
            isinstance(ref, ast.Attribute) and isinstance(ref.value, ast.Name) and ref.value.id == "param"
        ):
            raise self.err("bad_argument", name=fname, detail="第二个参数应为分档表参数 param.NAME")
        scales = [p for p, k in self.scope.params.items() if k == "scale"]
        if ref.attr not in scales:
            raise self.err(
                "unknown_reference",
                kind="分档表",
                name=f"param.{ref.attr}",
                allowed=names(scales) or "（无）",
            )
        out = "value" if fname == "lookup" else ("band" if fname == "band" else "points")
        if out not in self.scope.scale_outputs.get(ref.attr, set()):
            raise self.err("bad_argument", name=fname, detail=f"分档表 param.{ref.attr} 没有 {out} 列")
        return ScaleOf(fname, operand, ref.attr), "str" if fname == "band" else "num"  # type: ignore[arg-type]

    def count(self, fname: str, n: ast.Call) -> tuple[Node, Kind]:
        table = COUNT_FUNCTIONS[fname]
        allowed = COUNT_FILTERS[table]
        if n.args:
            raise self.err("bad_argument", name=fname, detail=f"只接受关键字参数：{names(allowed)}")
        filters: list[tuple[str, Any]] = []
        for kw in n.keywords:
            if kw.arg is None or kw.arg not in allowed:
                raise self.err(
                    "bad_argument", name=fname, detail=f"未知筛选条件“{kw.arg}”；可用：{names(allowed)}"
                )
            filters.append((kw.arg, self.filter_value(table, kw.arg, allowed[kw.arg], kw.value, fname)))
        return Count(table, tuple(sorted(filters))), "num"

    def filter_value(self, table: str, key: str, kind: str, v: ast.expr, fname: str) -> Any:
        bad = self.err("bad_argument", name=fname, detail=f"筛选条件 {key} 的取值无效")
        if isinstance(v, ast.Attribute):
            node, k = self.attribute(v)
            if not isinstance(node, ParamRef) or (kind in ("num", "int") and k != "num"):
                raise bad
            return node
        if kind == "offset":
            return self.offset(v, key)
        if kind == _STR_OR_LIST:
            values = self.string_list(v)
            choices = _FILTER_CHOICES.get((table, key), ())
            for s in values:
                if s not in choices:
                    raise self.err(
                        "bad_argument", name=fname, detail=f"{key}=“{s}”不在可选值中：{names(choices)}"
                    )
            return values
        if not isinstance(v, ast.Constant):
            raise bad
        value = v.value
        if kind == "bool" and isinstance(value, bool):
            return value
        if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
            return value
        if kind == "num" and isinstance(value, int | float) and not isinstance(value, bool):
            return Decimal(ast.get_source_segment(self.text, v) or repr(value))
        if kind == "ip_class" and value in ("I", "II"):
            return value
        if kind == "prize" and value in PRIZE_ORDER:
            return value
        raise bad
