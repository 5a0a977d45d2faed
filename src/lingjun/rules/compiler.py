"""Compile a policy's expressions to Ibis column expressions over the facts table (编译器).

Three-valued logic is SQL's own: a criterion is a nullable boolean (true = pass, false = fail,
null = unknown), so ``all_of``/``any_of`` are Kleene AND/OR in every engine.

Numbers are exact rationals in integer arithmetic: a :class:`Num` is ``n / (d·k)`` with ``n`` and
``d`` integer columns (``d`` > 0) and ``k`` a constant fraction. Money and other decimal facts are
integers of 1/10000 (``k`` = 10000), thresholds are fractions (0.03 = 3/100), and a comparison such
as ``rd / sales >= 0.03`` becomes ``100·rd >= 3·sales`` — band edges are exact, BIGINT arithmetic
is fast, and DuckDB, PostgreSQL and Spark agree to the digit. Only the HNTE growth rate multiplies
two amounts; it uses DECIMAL(38,0). Any node the compiler cannot translate raises at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from lingjun.rules import expr as E
from lingjun.rules.facts import (
    REG_MMDD,
    REG_YEAR,
    UNIT,
    AnnualFact,
    FactSet,
    InputFact,
    bind_filters,
    open_flag,
)
from lingjun.rules.policy import Policy, Scale

#: integers too large for BIGINT (products of two amounts); DuckDB runs them as HUGEINT (see
#: :data:`BIG_SQL`)
BIG = dt.Decimal(38, 0)
#: how :data:`BIG` is written in SQL, and its DuckDB replacement: the same exact 128-bit
#: integers, with HUGEINT arithmetic some 40 % faster than DECIMAL(38,0) there
BIG_SQL, BIG_DUCKDB = "AS DECIMAL(38, 0))", "AS HUGEINT)"
ONE = Fraction(1)


@dataclass(frozen=True)
class Num:
    """The exact value ``n / (d · k)``: integer columns ``n`` and ``d`` (> 0; None for 1), constant ``k``.

    ``approx``: the value as a double, stored beside a 128-bit n/d (the HNTE growth rates) so that
    a scale's brackets compare it first (:func:`guarded_compare`).
    """

    n: ir.Value
    d: ir.Value | None = None
    k: Fraction = ONE
    approx: ir.Value | None = None


def is_big(x: Num) -> bool:
    """Whether n or d is a 128-bit integer (``DECIMAL(38,0)``)."""
    return any(v is not None and v.type().is_decimal() for v in (x.n, x.d))


def approximation(x: Num) -> ir.Value:
    """n / (d · k) as a double: within a few units in the last place of the exact value."""
    den = x.d.cast("float64") if x.d is not None else ibis.literal(1.0)
    if x.k != 1:
        den = den * float(x.k)
    return x.n.cast("float64") / den


@dataclass(frozen=True)
class Root:
    """A compound growth rate (x1/x0)^(1/periods) − 1 of two amounts: only compared with constants."""

    x0: ir.Value
    x1: ir.Value
    periods: int


class CompileError(NotImplementedError):
    """The compiler met a node it cannot translate (a bug: the loader should have refused it)."""


def lit(value: int) -> ir.Value:
    """An integer constant, explicitly BIGINT: DuckDB types a bare ``1000000`` as INTEGER, so
    ``1000000 * 10000`` overflowed INT32 (a what-if threshold of 1 000 000 万元 failed)."""
    if abs(value) < 2**62:
        return ibis.literal(value).cast("int64")
    return ibis.literal(value, type=BIG)


def flag(cond: ir.BooleanValue) -> ir.IntegerValue:
    """A non-null condition as 1 or 0: a cast, cheaper than ``CASE`` in every engine (INT, since
    PostgreSQL casts booleans to INTEGER only)."""
    return cond.cast("int32")


def constant(value: Decimal | int | Fraction) -> Num:
    f = Fraction(value)
    return Num(lit(f.numerator), None, Fraction(f.denominator))


def _scaled(x: ir.Value, c: int) -> ir.Value:
    return x if c == 1 else x * lit(c)


def _times(a: ir.Value | None, b: ir.Value | None) -> ir.Value | None:
    if a is None:
        return b
    return a if b is None else a * b


def _flcm(a: Fraction, b: Fraction) -> Fraction:
    """The least common multiple of two positive fractions (both divide it to an integer)."""
    return Fraction(math.lcm(a.numerator, b.numerator), math.gcd(a.denominator, b.denominator))


def common(a: Num, b: Num) -> tuple[ir.Value, ir.Value, ir.Value | None, Fraction]:
    """a and b over one denominator ``d·K``: (a's numerator, b's numerator, d, K)."""
    k = _flcm(a.k, b.k)
    ca, cb = k / a.k, k / b.k
    assert ca.denominator == 1 and cb.denominator == 1
    na = _scaled(a.n if b.d is None else a.n * b.d, ca.numerator)
    nb = _scaled(b.n if a.d is None else b.n * a.d, cb.numerator)
    return na, nb, _times(a.d, b.d), k


def add(a: Num, b: Num, sign: int = 1) -> Num:
    na, nb, d, k = common(a, b)
    return Num(na + nb if sign > 0 else na - nb, d, k)


def divide(a: Num, b: Num) -> Num:
    """a / b with a positive denominator; a divisor ≤ 0 makes the ratio unknown."""
    d = b.n if a.d is None else a.d * b.n
    return Num(a.n if b.d is None else a.n * b.d, ibis.ifelse(b.n > 0, d, ibis.null(d.type())), a.k / b.k)


def compare(op: str, a: Num, b: Num) -> ir.BooleanValue:
    """a op b  ⇔  a.n·b.d·b.k op b.n·a.d·a.k, cleared of fractions (all d and k are positive)."""
    left = a.n if b.d is None else a.n * b.d
    right = b.n if a.d is None else b.n * a.d
    ratio = b.k / a.k  # left·(b.k) op right·(a.k)  ⇔  left·num op right·den
    return plain_compare(op, _scaled(left, ratio.numerator), _scaled(right, ratio.denominator))


#: how far from a bound a stored double approximation must be to decide a comparison alone:
#: its error is a few units in the last place (~10⁻¹⁵ relative), this is a million times more
GUARD = 1e-9


def guarded_compare(op: str, x: Num, bound: Decimal | int | Fraction) -> ir.BooleanValue:
    """``x op bound``, exact. With a stored ``approx`` the double decides unless it lies within
    :data:`GUARD` of the bound, where the exact 128-bit products decide: engines evaluate the
    right side of ``OR``/``AND`` only for the rows the left side left open, so the products run
    for the few enterprises next to a band edge instead of twice per bracket for everyone."""
    exact = compare(op, x, constant(bound))
    if x.approx is None or op not in ("<", "<=", ">", ">="):
        return exact
    t = float(Fraction(bound))
    eps = GUARD * max(1.0, abs(t))
    hi, lo = ibis.literal(t + eps), ibis.literal(t - eps)
    if op in (">", ">="):
        return (x.approx > hi) | ((x.approx >= lo) & exact)
    return (x.approx < lo) | ((x.approx <= hi) & exact)


def plain_compare(op: str, left: Any, right: Any) -> ir.BooleanValue:
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    if op == ">=":
        return left >= right
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    raise CompileError(op)  # pragma: no cover


@dataclass
class PolicyCompiler:
    """Translates one policy's expressions over the facts table ``t``.

    Named values (metrics, indicators, the score, criteria) and shared sub-expressions are
    computed in stages (see :func:`lingjun.rules.evaluation.build_query`): a reference to one
    reads the column that an earlier stage stored, listed in ``named``, so no expression is ever
    inlined twice.
    """

    policy: Policy
    params: Mapping[str, Any]
    facts: FactSet
    t: ir.Table
    named: Mapping[tuple[str, str], Any] = field(default_factory=dict)
    #: sub-expressions stored by an earlier stage: node → its key in ``named``
    shared: Mapping[E.Node, tuple[str, str]] = field(default_factory=dict)
    #: inputs given once for every enterprise (or not at all): input column → its constant, read
    #: in place so that the engine folds what depends on it
    literals: Mapping[str, ir.Value] = field(default_factory=dict)

    @property
    def year(self) -> int:
        return self.facts.year

    # -- typed entry points
    def boolean(self, node: E.Node) -> ir.BooleanValue:
        v = self.value(node)
        if not isinstance(v, ir.BooleanValue):
            raise CompileError(f"expected a condition, got {node}")
        return v

    def num(self, node: E.Node) -> Num:
        v = self.value(node)
        if not isinstance(v, Num):
            raise CompileError(f"expected a number, got {node}")
        return v

    def value(self, node: E.Node) -> Any:
        key = self.shared.get(node)
        if key is not None and key in self.named:
            return self.named[key]
        method: Callable[[Any], Any] | None = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            raise CompileError(f"no Ibis translation for {type(node).__name__}")
        return method(node)

    # -- leaves
    def visit_Const(self, node: E.Const) -> Any:
        v = node.value
        if isinstance(v, int | Decimal) and not isinstance(v, bool):
            return constant(v)
        if isinstance(v, bool | str | date):
            return ibis.literal(v)
        raise CompileError(f"literal {v!r}")

    def visit_ParamRef(self, node: E.ParamRef) -> Any:
        return self.visit_Const(E.Const(self.params[node.name]))

    def visit_EntField(self, node: E.EntField) -> Any:
        col = self.t[node.name]
        if E.ENTERPRISE_FIELDS[node.name] == "num":  # pragma: no cover - no numeric enterprise field yet
            raise CompileError(f"numeric enterprise field {node.name}")
        return col

    def visit_InputRef(self, node: E.InputRef) -> Any:
        name = self.facts.inputs[InputFact(self.policy.id, node.name)]
        col = self.literals[name] if name in self.literals else self.t[name]
        return Num(col, None, Fraction(UNIT)) if self.policy.inputs[node.name].kind == "num" else col

    def annual(self, fieldname: str, offset: int) -> ir.Value:
        return self.t[AnnualFact(fieldname, self.year + offset).column]

    def visit_AnnualAt(self, node: E.AnnualAt) -> Num:
        return Num(self.annual(node.field, node.offset), None, Fraction(UNIT))

    def visit_Count(self, node: E.Count) -> Num:
        """The count; an uncertain one is unknown while it is open (some row may count)."""
        bounds = self.count_bounds(node)
        if bounds is None:
            return Num(self.t[self.facts.counts[bind_filters(node, self.params)]])
        surely, is_open = bounds
        return Num(ibis.ifelse(is_open, ibis.null("int64"), surely))

    def count_bounds(self, node: E.Node) -> tuple[ir.IntegerValue, ir.BooleanValue] | None:
        """(rows that surely count, whether more may) of an uncertain count; None otherwise."""
        if not isinstance(node, E.Count):
            return None
        fact = bind_filters(node, self.params)
        where = self.facts.open_bit(fact)
        if where is None:
            return None
        return self.t[self.facts.counts[fact]], open_flag(self.t, where)

    def visit_AsOf(self, node: E.AsOf) -> ir.Value:
        return ibis.literal(self.facts.as_of)

    def visit_AppYear(self, node: E.AppYear) -> Num:
        return constant(self.year)

    def visit_YearDate(self, node: E.YearDate) -> ir.Value:
        return ibis.literal(E.year_date(node.which, self.year + node.offset))

    def visit_YearsBefore(self, node: E.YearsBefore) -> ir.Value:
        return ibis.literal(node.day(self.year, self.facts.as_of, self.params))

    def visit_Ref(self, node: E.Ref) -> Any:
        try:
            return self.named[(node.kind, node.name)]
        except KeyError:
            raise CompileError(f"{node.kind} {node.name} is used before it is computed") from None

    # -- arithmetic
    def visit_Arith(self, node: E.Arith) -> Num:
        a, b = self.num(node.left), self.num(node.right)
        if node.op == "+":
            return add(a, b)
        if node.op == "-":
            return add(a, b, -1)
        if node.op == "*":
            return Num(a.n * b.n, _times(a.d, b.d), a.k * b.k)
        return divide(a, b)

    def visit_Neg(self, node: E.Neg) -> Num:
        a = self.num(node.operand)
        return Num(-a.n, a.d, a.k)

    def visit_MaxOf(self, node: E.MaxOf) -> Num:
        items = [self.num(i) for i in node.items]
        if all(i.d is None for i in items):  # e.g. points: greatest over one denominator
            k = items[0].k
            for i in items[1:]:
                k = _flcm(k, i.k)
            scaled = [_scaled(i.n, int(k / i.k)) for i in items]
            missing = scaled[0].isnull()
            for s in scaled[1:]:
                missing = missing | s.isnull()
            best = ibis.greatest(*scaled)  # engines skip nulls here: unknown if any is, …
            top = upper_bound(node, self.params)
            if top is None or (top * k).denominator != 1:
                return Num(ibis.ifelse(missing, ibis.null("int64"), best), None, k)
            # … unless a known alternative already has the most any alternative can have
            reached = [(s == lit(int(top * k))).fill_null(False) for s in scaled]
            at_top = reached[0]
            for r in reached[1:]:
                at_top = at_top | r
            return Num(
                ibis.cases((at_top, lit(int(top * k))), (missing, ibis.null("int64")), else_=best), None, k
            )
        best = items[0]
        for other in items[1:]:
            na, nb, d, k = common(best, other)
            ge = na >= nb
            # both over d·k: keep the larger numerator, and the shared denominator
            best = Num(ibis.cases((ge, na), (~ge, nb)), d, k)
        return best

    # -- comparisons and logic
    def visit_Cmp(self, node: E.Cmp) -> ir.BooleanValue:
        if (self.count_bounds(node.left) is None) != (self.count_bounds(node.right) is None):
            return self.uncertain_count_compare(node)
        left = self.value(node.left)
        right = self.value(node.right)
        if isinstance(left, Root):
            return _root_compare(node.op, left, self.constant_of(node.right))
        if isinstance(left, Num):
            return compare(node.op, left, right)
        return plain_compare(node.op, left, right)

    def uncertain_count_compare(self, node: E.Cmp) -> ir.BooleanValue:
        """``count op x`` for an uncertain count: at least the rows that surely count, and any
        number above when it is open. Decided when every such count decides alike (``>= 1``
        with a row that surely counts, or with no row that may), unknown otherwise."""
        op: str = node.op
        count, other = node.left, node.right
        if self.count_bounds(count) is None:  # x op count  ⇔  count op' x
            op, count, other = FLIPPED[op], other, count
        bounds = self.count_bounds(count)
        assert bounds is not None
        surely, is_open = bounds
        at_lo = compare(op, Num(surely), self.num(other))
        if op in (">", ">="):  # true at the lowest count: true for every count above
            return ibis.cases((at_lo, ibis.literal(True)), (is_open, ibis.null("boolean")), else_=at_lo)
        if op in ("<", "<="):  # false at the lowest count: false for every count above
            return ibis.cases((~at_lo, ibis.literal(False)), (is_open, ibis.null("boolean")), else_=at_lo)
        # == and !=: once the lowest count is above x, no count from there up equals it
        above = compare(">", Num(surely), self.num(other))
        return ibis.cases((~is_open, at_lo), (above, ibis.literal(op == "!=")), else_=ibis.null("boolean"))

    def constant_of(self, node: E.Node) -> Fraction:
        if isinstance(node, E.ParamRef):
            return Fraction(self.params[node.name])
        if isinstance(node, E.Const):
            return Fraction(node.value)
        raise CompileError("cagr() compares with a constant or a parameter only")

    def visit_InList(self, node: E.InList) -> ir.BooleanValue:
        col = self.value(node.operand)
        return col.notin(list(node.values)) if node.negate else col.isin(list(node.values))

    def visit_Not(self, node: E.Not) -> ir.BooleanValue:
        return ~self.boolean(node.operand)

    def visit_AllOf(self, node: E.AllOf) -> ir.BooleanValue:
        out = self.boolean(node.items[0])
        for item in node.items[1:]:
            out = out & self.boolean(item)
        return out

    def visit_AnyOf(self, node: E.AnyOf) -> ir.BooleanValue:
        out = self.boolean(node.items[0])
        for item in node.items[1:]:
            out = out | self.boolean(item)
        return out

    def visit_AtLeast(self, node: E.AtLeast) -> ir.BooleanValue:
        items = [self.boolean(i) for i in node.items]
        passes: ir.Value = lit(0)
        unknown: ir.Value = lit(0)
        for item in items:
            passes = passes + flag(item.fill_null(False))
            unknown = unknown + flag(item.isnull())
        return ibis.cases(
            (passes >= node.n, ibis.literal(True)),
            (passes + unknown < node.n, ibis.literal(False)),
            else_=ibis.null("boolean"),
        )

    # -- scales
    def visit_ScaleOf(self, node: E.ScaleOf) -> Any:
        """A scale's output for the operand: the row it falls in (``index``, a shared value read
        by every output of the same scale and operand), mapped to its band, points or value."""
        scale: Scale = self.params[node.scale]
        if node.fn == "index":
            return self.scale_index(node.operand, scale)
        row = self.value(E.ScaleOf("index", node.operand, node.scale))
        if node.fn == "band":
            return ibis.cases(
                *[(row == k, ibis.literal(b.band, type="string")) for k, b in enumerate(scale.brackets)],
                else_=ibis.null("string"),
            )
        outputs = scale_outputs(scale, node.fn)
        den = math.lcm(*(f.denominator for f in outputs))
        value = ibis.cases(
            *[(row == k, lit(int(f * den))) for k, f in enumerate(outputs)], else_=ibis.null("int64")
        )
        return Num(value, None, Fraction(den))

    def scale_index(self, operand: E.Node, scale: Scale) -> ir.IntegerValue:
        """The first row of ``scale`` whose bound the operand meets (0-based; the last row has no
        bound); null when the operand is unknown."""
        x = self.num(operand)
        missing = x.n.isnull() if x.d is None else (x.n.isnull() | x.d.isnull())
        conds = [
            guarded_compare(b.op, x, b.bound)
            for b in scale.brackets
            if b.op is not None and b.bound is not None
        ]
        rows = [(c, ibis.literal(k, type="int32")) for k, c in enumerate(conds)]
        return ibis.cases((missing, ibis.null("int32")), *rows, else_=ibis.literal(len(conds), type="int32"))

    # -- dates
    def visit_AgeYears(self, node: E.AgeYears) -> Num:
        at = node.at
        if isinstance(at, E.AsOf):
            day = self.facts.as_of
        elif isinstance(at, E.YearDate):
            day = E.year_date(at.which, self.year + at.offset)
        else:
            raise CompileError("age_years() needs a fixed date (as_of, year_end(k), year_start(k))")
        before = self.t[REG_MMDD] > (day.month * 100 + day.day)
        return Num(lit(day.year) - self.t[REG_YEAR] - flag(before))

    # -- years
    def reg_year(self) -> ir.IntegerValue:
        return self.t[REG_YEAR]

    def visit_YearsAgg(self, node: E.YearsAgg) -> Num:
        """Sum or average over years; years before registration are left out (actual period).

        One ``CASE`` on the registration year: registered in or before the i-th year of the
        range, the years from the i-th on count (five times cheaper on DuckDB than one ``CASE``
        per year); registered after the last year, or not known, nothing counts (null).
        """
        reg = self.reg_year()
        offsets = list(range(node.since, node.until + 1))
        values = [self.annual(node.field, k) for k in offsets]
        none = reg.isnull() | (reg > self.year + offsets[-1])

        def from_year(i: int) -> ir.Value:
            total = values[i]
            for v in values[i + 1 :]:
                total = total + v
            return total

        early = [(reg <= self.year + k, i) for i, k in enumerate(offsets[:-1])]
        total = ibis.cases(
            (none, ibis.null("int64")),
            *[(c, from_year(i)) for c, i in early],
            else_=from_year(len(offsets) - 1),
        )
        if node.fn == "sum":
            return Num(total, None, Fraction(UNIT))
        count = ibis.cases(
            (none, ibis.null("int64")), *[(c, lit(len(offsets) - i)) for c, i in early], else_=lit(1)
        )
        return Num(total, count, Fraction(UNIT))

    def visit_HnteGrowth(self, node: E.HnteGrowth) -> Num:
        """高企成长性：½·(V₂/V₁ + V₃/V₂) − 1, V₁=0 → V₃/V₂ − 1, V₂=0 → 0, actual period if younger.

        As n/d with d > 0: the sign of each branch's denominator is folded into its numerator
        (net assets can be negative), so every expression appears once. Products of two amounts
        need DECIMAL(38,0); the rest stays BIGINT until the branches meet. n = V₂·(V₂ − 2V₁) + V₁·V₃
        and d = 2|V₁|·|V₂| take three such products (V₂ − 2V₁ and 2|V₁| fit BIGINT: amounts are
        below 10¹⁸ units, see :func:`lingjun.rules.facts.units`); the sign is a branch, not a product.
        """
        v1, v2, v3 = (self.annual(node.field, k) for k in (-3, -2, -1))
        reg = self.reg_year()
        y = self.year
        zero = (reg >= y - 1) | (v2 == 0)
        use_two = (reg == y - 2) | (v1 == 0)
        b1, b2, b3 = (v.cast(BIG) for v in (v1, v2, v3))
        growth = (v2 - v1 * 2).cast(BIG) * b2 + b1 * b3

        def big(x: Any) -> ir.Value:
            return ibis.literal(x, type=BIG) if isinstance(x, int) else x.cast(BIG)

        n = ibis.cases(
            (reg.isnull(), ibis.null(BIG)),
            (zero, big(0)),
            (use_two, big(ibis.ifelse(v2 < 0, v2 - v3, v3 - v2))),
            # signs by comparison: PostgreSQL's sign() returns a float
            else_=ibis.ifelse((v1 < 0) == (v2 < 0), growth, -growth),
        )
        d = ibis.cases(
            (reg.isnull(), ibis.null(BIG)),
            (zero, big(1)),
            (use_two, big(v2.abs())),
            else_=(v1.abs() * 2).cast(BIG) * b2.abs(),
        )
        return Num(n, d)

    def visit_Cagr(self, node: E.Cagr) -> Root:
        return Root(
            self.annual(node.field, node.since), self.annual(node.field, node.until), node.until - node.since
        )


def scale_outputs(scale: Scale, fn: str) -> list[Fraction]:
    """A scale's output in each row: its points (``points``/``points_min`` the lower end of a
    range, ``points_max`` the upper) or its value (``lookup``)."""
    out: list[Fraction] = []
    for b in scale.brackets:
        if fn == "lookup":
            assert b.value is not None
            out.append(Fraction(b.value))
        else:
            assert b.points is not None
            out.append(Fraction(b.points[1] if fn == "points_max" else b.points[0]))
    return out


#: ``a op b`` ⇔ ``b FLIPPED[op] a``
FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def upper_bound(node: E.Node, params: Mapping[str, Any]) -> Fraction | None:
    """The most a number can be, when the policy fixes it (a scale's points or values, a constant,
    the higher of such alternatives); None when it is not bounded. ``max_of`` is known as soon as
    one alternative reaches the bound, whatever the others (the reference evaluator agrees)."""
    if (
        isinstance(node, E.Const)
        and isinstance(node.value, int | Decimal)
        and not isinstance(node.value, bool)
    ):
        return Fraction(node.value)
    if isinstance(node, E.ScaleOf) and node.fn not in ("band", "index"):
        return max(scale_outputs(params[node.scale], node.fn))
    if isinstance(node, E.MaxOf):
        bounds = [upper_bound(i, params) for i in node.items]
        return None if any(b is None for b in bounds) else max(b for b in bounds if b is not None)
    return None


def _root_compare(op: str, r: Root, t: Fraction) -> ir.BooleanValue:
    """(x1/x0)^(1/p) − 1 op t  ⇔  Q·x1 op P·x0 for x0 > 0, where (1+t)^p = P/Q exactly."""
    factor = (1 + t) ** r.periods
    left = r.x1.cast(BIG) * ibis.literal(factor.denominator, type=BIG)
    right = r.x0.cast(BIG) * ibis.literal(factor.numerator, type=BIG)
    return ibis.ifelse(r.x0 > 0, plain_compare(op, left, right), ibis.null("boolean"))
