"""The per-record reference evaluator (逐条参考实现), in plain Python with exact fractions.

It interprets the same expression trees one dossier at a time, independently of Ibis, and writes
its results in the engine's column layout, so that :func:`lingjun.rules.records.build_records`
turns both into the same records. The parity tests compare the two paths on random dossiers; the
benchmark times it as the "per-record" baseline. It is slow by design: never use it for a pool.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pyarrow as pa

from lingjun.dossier import schema
from lingjun.dossier.tables import CREDIT_EVENT_FIELDS
from lingjun.rules import expr as E
from lingjun.rules.compiler import FLIPPED, upper_bound
from lingjun.rules.evaluation import build_plan
from lingjun.rules.facts import AnnualFact, CountFact, InputFact, bind_filters, uncertain_fields
from lingjun.rules.plan import PolicyPlan, Query, ValueSpec
from lingjun.rules.policy import Policy, Scale
from lingjun.rules.records import build_records
from lingjun.rules.spec import RunSpec, input_value

_Q = Decimal("0.0001")
_IP_CLASSES = {"I": schema.IP_CLASS_I, "II": schema.IP_CLASS_II}


def _num(v: Any) -> Fraction | None:
    if v is None:
        return None
    return Fraction(Decimal(v).quantize(_Q)) if isinstance(v, Decimal | float) else Fraction(v)


def _and(values: Iterable[bool | None]) -> bool | None:
    vals = list(values)
    if any(v is False for v in vals):
        return False
    return None if any(v is None for v in vals) else True


def _or(values: Iterable[bool | None]) -> bool | None:
    vals = list(values)
    if any(v is True for v in vals):
        return True
    return None if any(v is None for v in vals) else False


def _open_cmp(op: str, surely: Fraction, is_open: bool, x: Any) -> bool | None:
    """``count op x`` for an uncertain count: ``surely`` or, when open, any number above."""
    if x is None:
        return None
    at_lo = _cmp(op, surely, x)
    if not is_open:
        return at_lo
    if op in (">", ">="):
        return True if at_lo else None
    if op in ("<", "<="):
        return False if not at_lo else None
    if surely > x:  # == or !=: no count from here up equals x
        return op == "!="
    return None


def _cmp(op: str, a: Any, b: Any) -> bool | None:
    if a is None or b is None:
        return None
    return {
        "<": lambda: a < b,
        "<=": lambda: a <= b,
        ">": lambda: a > b,
        ">=": lambda: a >= b,
        "==": lambda: a == b,
        "!=": lambda: a != b,
    }[op]()


@dataclass(frozen=True)
class _Root:
    x0: Fraction | None
    x1: Fraction | None
    periods: int


class _Dossier:
    """Facts of one normalised dossier, computed on demand."""

    def __init__(self, d: Mapping[str, Any], year: int, as_of: date, inputs: Mapping[str, Any]) -> None:
        self.d = d
        self.year = year
        self.as_of = as_of
        self.inputs = inputs
        self.annual: dict[int, list[Mapping[str, Any]]] = {}
        for row in d.get("annual") or ():
            self.annual.setdefault(row["year"], []).append(row)
        self._counts: dict[CountFact, tuple[int, int]] = {}

    def field(self, name: str) -> Any:
        if name in schema.CREDIT_FIELDS:
            return (self.d.get("credit") or {}).get(name)
        value = self.d.get(name)
        if name == "independent_legal_person" and value is None:
            return True
        return _num(value) if isinstance(value, Decimal) else value

    def annual_value(self, name: str, y: int) -> Fraction | None:
        values = []
        for row in self.annual.get(y, ()):
            if name == "sales_revenue":
                v = row.get("sales_revenue")
                v = row.get("operating_revenue") if v is None else v
            elif name == "net_assets":
                a, b = row.get("total_assets"), row.get("total_liabilities")
                v = None if a is None or b is None else Decimal(a).quantize(_Q) - Decimal(b).quantize(_Q)
            else:
                v = row.get(name)
            if v is not None:
                values.append(_num(v))
        return max(values) if values else None  # type: ignore[type-var]

    def rows(self, table: str) -> list[Mapping[str, Any]]:
        if table == "credit_events":
            credit = self.d.get("credit") or {}
            return [
                {"kind": k, "year": y} for f, k in CREDIT_EVENT_FIELDS.items() for y in credit.get(f) or ()
            ]
        return list(self.d.get(table) or ())

    def count(self, fact: CountFact) -> tuple[int, int]:
        """(rows that count, rows that may count: an attribute the filter reads is empty)."""
        if fact not in self._counts:
            matches = [_matches(r, fact, self.year, self.as_of) for r in self.rows(fact.table)]
            self._counts[fact] = sum(1 for m in matches if m is True), sum(1 for m in matches if m is None)
        return self._counts[fact]


def _valid_on(start: date | None, end: date | None, on: date) -> bool:
    return (start is None or start <= on) and (end is None or end >= on)


def _in_set(value: Any, allowed: Sequence[Any]) -> bool | None:
    return None if value is None else value in allowed


def _at_least(value: Any, bound: Any) -> bool | None:
    return None if value is None else _num(value) >= bound


def _matches(r: Mapping[str, Any], fact: CountFact, y: int, on: date) -> bool | None:
    """Whether row ``r`` counts: true, false, or None when an attribute the filter reads is empty
    (the row may count), as SQL's three-valued ``AND`` of the engine's row filter."""
    f = dict(fact.filters)
    conds: list[bool | None] = []
    for key in ("kind", "level", "role", "acquired_by"):
        if key in f:
            conds.append(_in_set(r.get(key), f[key]))
    if fact.table == "ip":
        if "ip_class" in f:
            conds.append(_in_set(r.get("kind"), _IP_CLASSES[f["ip_class"]]))
        if "core" in f:
            conds.append(None if r.get("core") is None else r["core"] is f["core"])
        valid = r.get("valid") is not False and _valid_on(r.get("granted_on"), r.get("expires_on"), on)
        conds.append(valid == f.get("valid", True))
    elif fact.table == "qualifications":
        conds.append(_valid_on(r.get("issued_on"), r.get("expires_on"), on) == f.get("valid", True))
    elif fact.table == "awards":
        if "max_rank" in f:
            conds.append(None if r.get("rank") is None else r["rank"] <= f["max_rank"])
        if "min_prize" in f:
            conds.append(_in_set(r.get("prize"), E.PRIZE_ORDER[: E.PRIZE_ORDER.index(f["min_prize"]) + 1]))
    elif fact.table == "financing":
        if "min_amount" in f:
            conds.append(_at_least(r.get("amount"), f["min_amount"]))
        if "low_risk" in f:
            conds.append(None if r.get("low_risk") is None else r["low_risk"] is f["low_risk"])
        if "min_daily_avg_balance" in f:
            conds.append(_at_least(r.get("daily_avg_balance_12m"), f["min_daily_avg_balance"]))
    if fact.table == "financing":
        if "since" in f or "until" in f:
            when = r.get("date")
            conds.append(None if when is None else _in_years(when.year, f, y))
    elif fact.table in ("awards", "standards", "projects") or "since" in f or "until" in f:
        yr = r.get("year")
        conds.append(None if yr is None else _in_years(yr, f, y))
    return _and(conds)


def _in_years(yr: int, f: Mapping[str, Any], y: int) -> bool:
    return ("since" not in f or yr >= y + f["since"]) and yr <= y + f.get("until", 0)


class _Interpreter:
    def __init__(self, policy: Policy, params: Mapping[str, Any], dossier: _Dossier) -> None:
        self.policy = policy
        self.params = params
        self.x = dossier
        self.memo: dict[tuple[str, str], Any] = {}

    def eval(self, node: E.Node) -> Any:
        return getattr(self, f"v_{type(node).__name__}")(node)

    def v_Const(self, n: E.Const) -> Any:
        v = n.value
        return Fraction(v) if isinstance(v, int | Decimal) and not isinstance(v, bool) else v

    def v_ParamRef(self, n: E.ParamRef) -> Any:
        return self.v_Const(E.Const(self.params[n.name]))

    def v_EntField(self, n: E.EntField) -> Any:
        return self.x.field(n.name)

    def v_InputRef(self, n: E.InputRef) -> Any:
        key = f"{self.policy.id}.{n.name}"
        raw = self.x.inputs.get(key, self.x.inputs.get(n.name))
        # the forms the engines accept (a bool or "true"/"false", a number or its text); anything
        # else is an error naming the input, never a crash in Decimal
        v = input_value(self.policy.inputs[n.name].kind, raw, key)
        if v is None or isinstance(v, bool):
            return v
        return Fraction(v)

    def v_AnnualAt(self, n: E.AnnualAt) -> Any:
        return self.x.annual_value(n.field, self.x.year + n.offset)

    def v_Count(self, n: E.Count) -> Fraction | None:
        surely, maybe = self.x.count(bind_filters(n, self.params))
        return Fraction(surely) if maybe == 0 else None

    def count_open(self, node: E.Node) -> tuple[Fraction, bool] | None:
        """(rows that surely count, whether more may) of an uncertain count node; None otherwise."""
        if not isinstance(node, E.Count):
            return None
        fact = bind_filters(node, self.params)
        if not uncertain_fields(fact):
            return None
        surely, maybe = self.x.count(fact)
        return Fraction(surely), maybe > 0

    def v_AsOf(self, n: E.AsOf) -> date:
        return self.x.as_of

    def v_AppYear(self, n: E.AppYear) -> Fraction:
        return Fraction(self.x.year)

    def v_YearDate(self, n: E.YearDate) -> date:
        return E.year_date(n.which, self.x.year + n.offset)

    def v_YearsBefore(self, n: E.YearsBefore) -> date:
        return n.day(self.x.year, self.x.as_of, self.params)

    def v_Ref(self, n: E.Ref) -> Any:
        key = (n.kind, n.name)
        if key not in self.memo:
            p = self.policy
            if n.kind == "criterion":
                self.memo[key] = self.eval(p.criterion(n.name).test)
            elif n.kind == "metric":
                self.memo[key] = self.eval(next(m.expr for m in p.metrics if m.id == n.name))
            elif n.kind == "indicator":
                self.memo[key] = self.eval(next(i.points for i in p.indicators if i.id == n.name))
            else:
                pts = [self.v_Ref(E.Ref("indicator", i.id)) for i in p.indicators]
                self.memo[key] = None if any(v is None for v in pts) else sum(pts, Fraction(0))
        return self.memo[key]

    def v_Arith(self, n: E.Arith) -> Fraction | None:
        a, b = self.eval(n.left), self.eval(n.right)
        if a is None or b is None:
            return None
        if n.op == "+":
            return a + b
        if n.op == "-":
            return a - b
        if n.op == "*":
            return a * b
        return None if b <= 0 else a / b  # a ratio needs a positive divisor (else unknown)

    def v_Neg(self, n: E.Neg) -> Fraction | None:
        a = self.eval(n.operand)
        return None if a is None else -a

    def v_MaxOf(self, n: E.MaxOf) -> Fraction | None:
        vals = [self.eval(i) for i in n.items]
        top = upper_bound(n, self.params)
        if top is not None and top in vals:  # an alternative has the most any can have
            return top
        return None if any(v is None for v in vals) else max(vals)

    def v_Cmp(self, n: E.Cmp) -> bool | None:
        op: str = n.op
        left_node, right_node = n.left, n.right
        if self.count_open(left_node) is None and self.count_open(right_node) is not None:
            op, left_node, right_node = FLIPPED[op], right_node, left_node  # x op count ⇔ count op' x
        counted = self.count_open(left_node)
        if counted is not None and self.count_open(right_node) is None:
            return _open_cmp(op, *counted, self.eval(right_node))
        left = self.eval(n.left)
        right = self.eval(n.right)
        if isinstance(left, _Root):
            if left.x0 is None or left.x1 is None or right is None or left.x0 <= 0:
                return None
            return _cmp(n.op, left.x1, (1 + right) ** left.periods * left.x0)
        return _cmp(n.op, left, right)

    def v_InList(self, n: E.InList) -> bool | None:
        v = self.eval(n.operand)
        if v is None:
            return None
        return (v not in n.values) if n.negate else (v in n.values)

    def v_Not(self, n: E.Not) -> bool | None:
        v = self.eval(n.operand)
        return None if v is None else not v

    def v_AllOf(self, n: E.AllOf) -> bool | None:
        return _and(self.eval(i) for i in n.items)

    def v_AnyOf(self, n: E.AnyOf) -> bool | None:
        return _or(self.eval(i) for i in n.items)

    def v_AtLeast(self, n: E.AtLeast) -> bool | None:
        vals = [self.eval(i) for i in n.items]
        passes = sum(1 for v in vals if v is True)
        unknown = sum(1 for v in vals if v is None)
        if passes >= n.n:
            return True
        return False if passes + unknown < n.n else None

    def v_ScaleOf(self, n: E.ScaleOf) -> Any:
        x = self.eval(n.operand)
        if x is None:
            return None
        scale: Scale = self.params[n.scale]
        b = scale.pick(x)
        if n.fn == "index":
            return next(k for k, row in enumerate(scale.brackets) if row is b)
        if n.fn == "band":
            return b.band
        if n.fn == "lookup":
            return Fraction(b.value)  # type: ignore[arg-type]
        assert b.points is not None
        return Fraction(b.points[1] if n.fn == "points_max" else b.points[0])

    def v_AgeYears(self, n: E.AgeYears) -> Fraction | None:
        day = self.eval(n.at)
        reg = self.x.field("registered_on")
        if reg is None:
            return None
        return Fraction(day.year - reg.year - (1 if (reg.month, reg.day) > (day.month, day.day) else 0))

    def v_YearsAgg(self, n: E.YearsAgg) -> Fraction | None:
        reg = self.x.field("registered_on")
        if reg is None:
            return None
        years = [self.x.year + k for k in range(n.since, n.until + 1) if self.x.year + k >= reg.year]
        if not years:
            return None
        vals = [self.x.annual_value(n.field, y) for y in years]
        total = Fraction(0)
        for v in vals:
            if v is None:
                return None
            total += v
        return total if n.fn == "sum" else total / len(years)

    def v_HnteGrowth(self, n: E.HnteGrowth) -> Fraction | None:
        reg = self.x.field("registered_on")
        if reg is None:
            return None
        y = self.x.year
        v1, v2, v3 = (self.x.annual_value(n.field, y + k) for k in (-3, -2, -1))
        if reg.year >= y - 1 or v2 == 0:
            return Fraction(0)
        if v2 is None or v3 is None:
            return None
        if reg.year == y - 2 or v1 == 0:
            return v3 / v2 - 1
        if v1 is None:
            return None
        return (v2 / v1 + v3 / v2) / 2 - 1

    def v_Cagr(self, n: E.Cagr) -> _Root:
        y = self.x.year
        return _Root(
            self.x.annual_value(n.field, y + n.since),
            self.x.annual_value(n.field, y + n.until),
            n.until - n.since,
        )


def _put(row: dict[str, Any], spec: ValueSpec | None, value: Any) -> None:
    if spec is None:
        return
    if spec.kind == "root":
        assert isinstance(value, _Root)
        row[spec.columns[0]], row[spec.columns[1]] = value.x0, value.x1
    elif spec.kind == "raw":
        row[spec.columns[0]] = value
    else:  # the engine stores n / (d · k): store value · k over 1
        row[spec.columns[0]] = None if value is None else value * spec.k
        if len(spec.columns) == 2:
            row[spec.columns[1]] = None if value is None else Fraction(1)


def _row(query: Query, d: _Dossier, sources: Mapping[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"uscc": d.d["uscc"]}
    for plan in query.plans:
        _policy_row(row, plan, d)
    for name, chunk in query.mask_columns:
        mask = 0
        for bit, (col, _) in enumerate(chunk):
            if _fact_value(sources[col], d) is None:
                mask |= 1 << bit
        row[name] = mask
    return row


def _fact_sources(query: Query) -> dict[str, Any]:
    """Fact column → what it holds: an enterprise field's name, an annual, input or count fact."""
    facts = query.facts
    out: dict[str, Any] = {col: col for col in facts.enterprise}
    out |= {a.column: a for a in facts.annual}
    out |= {col: f for f, col in facts.inputs.items()}
    out |= {facts.counts[f]: f for f in facts.uncertain()}
    return out


def _fact_value(source: Any, d: _Dossier) -> Any:
    if isinstance(source, str):
        return d.field(source)
    if isinstance(source, AnnualFact):
        return d.annual_value(source.field, source.year)
    if isinstance(source, InputFact):
        return d.inputs.get(f"{source.policy}.{source.name}", d.inputs.get(source.name))
    surely, maybe = d.count(source)  # an uncertain count: unknown while some row may count
    return None if maybe else surely


def _policy_row(row: dict[str, Any], plan: PolicyPlan, d: _Dossier) -> None:
    it = _Interpreter(plan.policy, plan.params, d)
    results = {}
    for cp in plan.criteria:
        c = cp.criterion
        results[c.id] = it.v_Ref(E.Ref("criterion", c.id))
        row[cp.column] = results[c.id]
        if isinstance(c.test, E.Cmp):
            _put(row, cp.value, it.eval(c.test.left))
            _put(row, cp.threshold_spec, it.eval(c.test.right))
    row[plan.result_column] = _and(results[c.id] for c in plan.policy.criteria if c.mandatory)
    for iid, spec in plan.indicators.items():
        _put(row, spec, it.v_Ref(E.Ref("indicator", iid)))
    if plan.score is not None:
        _put(row, plan.score, it.v_Ref(E.Ref("score", "score")))
    for mid, spec in plan.metrics.items():
        _put(row, spec, it.v_Ref(E.Ref("metric", mid)))
    for b in plan.policy.bands:  # the scale row, as the engines store it
        row[plan.bands[b.id]] = it.eval(E.ScaleOf("index", b.of, b.scale))


@dataclass
class ReferenceEvaluation:
    rows: list[dict[str, Any]]
    query: Query
    year: int
    as_of: date

    def to_records(self) -> list[dict[str, Any]]:
        return build_records(self.rows, self.query, self.year, self.as_of)


def _per_enterprise_inputs(inputs_table: pa.Table | None, spec: RunSpec) -> dict[str, dict[str, Any]]:
    """uscc → the inputs the table gives that enterprise (a null cell is an unknown input, as in
    the engines, where the table's column wins over an input confirmed for everyone), checked as
    the engines check them."""
    if inputs_table is None:
        return {}
    if not isinstance(inputs_table, pa.Table):
        raise TypeError("the reference evaluator takes per-enterprise inputs as a pyarrow table")
    by = {}
    for r in spec.checked_inputs_table(inputs_table).to_pylist():
        uscc = r.pop("uscc")
        by[uscc] = r
    return by


def evaluate_reference(
    dossiers: Sequence[Mapping[str, Any]], *, spec: RunSpec, inputs_table: pa.Table | None = None
) -> ReferenceEvaluation:
    """Evaluate normalised dossiers one by one (same arguments as :func:`lingjun.rules.evaluate`)."""
    scalar = spec.inputs_dict()
    per = _per_enterprise_inputs(inputs_table, spec)
    query = build_plan(spec, inputs_table=inputs_table)
    year, as_of = spec.year, spec.as_of
    ordered = sorted(dossiers, key=lambda d: d["uscc"].encode("utf-8"))  # the engines' order
    sources = _fact_sources(query)
    rows = [
        _row(query, _Dossier(d, year, as_of, {**scalar, **per.get(d["uscc"], {})}), sources) for d in ordered
    ]
    return ReferenceEvaluation(rows, query, year, as_of)


__all__ = ["evaluate_reference", "ReferenceEvaluation", "AnnualFact", "InputFact"]
