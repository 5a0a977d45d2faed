"""The closed expression vocabulary of policy files (规则表达式): the tree.

A criterion's ``test`` (and a metric's ``expr``, an indicator's ``points``) is a small, safe subset
of Python expressions, parsed with :mod:`ast` and checked against white lists: anything else is a
load-time :class:`~lingjun.rules.errors.PolicyError` naming file, line, key and the allowed names.

Vocabulary (Y is the application year; offsets are relative years, ``-1`` = last year):

* literals: numbers (read as exact decimals), ``"strings"``, ``True``/``False``, lists of strings;
* arithmetic ``+ - * /``; comparisons ``< <= > >= == !=`` and ``x in [...]``; ``and or not``;
* ``all_of(a, …)``, ``any_of(a, …)``, ``at_least(n, a, …)`` (three-valued), ``max_of(a, …)``;
* enterprise fields by name (``registered_on``, ``province``, ``abnormal_operation`` …);
* annual fields by relative year: ``operating_revenue[-1]``; ``sum_years(f, since, until)``,
  ``avg_years(f, since, until)`` (actual period: years before registration are left out);
  ``hnte_growth(f)`` (½·(V₂/V₁+V₃/V₂)−1 over Y-3…Y-1 with the HNTE zero-base rules);
  ``cagr(f, since, until)``; ``sales_revenue`` falls back to ``operating_revenue``;
  ``net_assets`` = ``total_assets − total_liabilities``;
* counts over related lists with filters: ``count_ip(ip_class="I")``, ``count_qualifications``,
  ``count_awards``, ``count_standards``, ``count_projects``, ``count_financing``,
  ``count_conversions``, ``count_credit_events`` (see :data:`lingjun.rules.expr_parse.COUNT_FILTERS`);
* dates: ``as_of``, ``year_end(k)``, ``year_start(k)``, ``age_years(date)`` (completed years),
  ``years_before(date, n)`` (the same day n years earlier; 29 February → 28 February): "registered
  at most n years before D" is ``registered_on >= years_before(D, n)``, exact to the day;
* scales (分档表 parameters): ``points(x, param.s)``, ``points_min``, ``points_max``,
  ``band(x, param.s)``, ``lookup(x, param.s)``;
* references: ``param.NAME``, ``input.NAME``, ``metric.NAME``, ``indicator.NAME``, ``score``,
  ``year`` and the ids of criteria defined earlier in the same policy.

This module holds the tree the compiler and the reference evaluator walk;
:mod:`lingjun.rules.expr_parse` parses the text and checks it against the white lists.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from lingjun.dossier.tables import ENTERPRISE_COLUMNS
from lingjun.rules.errors import RulesError

Kind = Literal["bool", "num", "date", "str", "root"]

# --- the tree ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Const:
    value: Any  # Decimal | int | bool | str | date | tuple[str, ...]


@dataclass(frozen=True)
class EntField:
    name: str


@dataclass(frozen=True)
class AnnualAt:
    field: str
    offset: int


@dataclass(frozen=True)
class YearsAgg:
    fn: Literal["sum", "avg"]
    field: str
    since: int
    until: int


@dataclass(frozen=True)
class HnteGrowth:
    field: str


@dataclass(frozen=True)
class Cagr:
    field: str
    since: int
    until: int


@dataclass(frozen=True)
class Count:
    table: str
    filters: tuple[tuple[str, Any], ...]  # values: Const-like python values or ParamRef


@dataclass(frozen=True)
class ParamRef:
    name: str


@dataclass(frozen=True)
class InputRef:
    name: str


@dataclass(frozen=True)
class Ref:
    kind: Literal["criterion", "indicator", "metric", "score"]
    name: str


@dataclass(frozen=True)
class Arith:
    op: Literal["+", "-", "*", "/"]
    left: Node
    right: Node


@dataclass(frozen=True)
class Neg:
    operand: Node


@dataclass(frozen=True)
class Cmp:
    op: Literal["<", "<=", ">", ">=", "==", "!="]
    left: Node
    right: Node


@dataclass(frozen=True)
class InList:
    operand: Node
    values: tuple[str, ...]
    negate: bool


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class AllOf:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class AtLeast:
    n: int
    items: tuple[Node, ...]


@dataclass(frozen=True)
class MaxOf:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class ScaleOf:
    #: ``index`` (the row the operand falls in) is the compiler's own, never parsed from a file
    fn: Literal["points", "points_min", "points_max", "band", "lookup", "index"]
    operand: Node
    scale: str  # parameter name


@dataclass(frozen=True)
class AgeYears:
    at: Node


@dataclass(frozen=True)
class YearDate:
    which: Literal["start", "end"]
    offset: int


@dataclass(frozen=True)
class YearsBefore:
    """The day ``years`` years before the fixed date ``at`` (a constant of the run)."""

    at: AsOf | YearDate
    years: Const | ParamRef  # a whole number ≥ 0

    def day(self, year: int, as_of: date, params: Mapping[str, Any]) -> date:
        """The day in a run (application year, as-of date, parameter values)."""
        years = params[self.years.name] if isinstance(self.years, ParamRef) else self.years.value
        name = f"param.{self.years.name}" if isinstance(self.years, ParamRef) else "years_before"
        return years_before(fixed_date(self.at, year, as_of), years, name)


@dataclass(frozen=True)
class AsOf:
    pass


@dataclass(frozen=True)
class AppYear:
    pass


Node = (
    Const
    | EntField
    | AnnualAt
    | YearsAgg
    | HnteGrowth
    | Cagr
    | Count
    | ParamRef
    | InputRef
    | Ref
    | Arith
    | Neg
    | Cmp
    | InList
    | Not
    | AllOf
    | AnyOf
    | AtLeast
    | MaxOf
    | ScaleOf
    | AgeYears
    | YearDate
    | YearsBefore
    | AsOf
    | AppYear
)

_ENT_KINDS = {"str": "str", "enum": "str", "date": "date", "decimal": "num", "int": "num", "bool": "bool"}
#: enterprise fields usable by name, with their kind
ENTERPRISE_FIELDS: dict[str, Kind] = {
    f.name: _ENT_KINDS[f.type]  # type: ignore[misc]
    for f in ENTERPRISE_COLUMNS
    if f.name not in ("uscc", "name")
}
#: prizes from the highest down (``min_prize`` counts a prize and every higher one)
PRIZE_ORDER = ("special", "first", "second", "third", "excellence", "finalist")


# --- walking ----------------------------------------------------------------------------------


def children(node: Node) -> Iterator[Node]:
    """The direct sub-expressions of ``node``."""
    if isinstance(node, Arith | Cmp):
        yield node.left
        yield node.right
    elif isinstance(node, Neg | Not | InList | ScaleOf):
        yield node.operand
    elif isinstance(node, AllOf | AnyOf | AtLeast | MaxOf):
        yield from node.items
    elif isinstance(node, AgeYears):
        yield node.at
    elif isinstance(node, YearsBefore):
        yield node.at
        yield node.years


def walk(node: Node) -> Iterator[Node]:
    yield node
    for child in children(node):
        yield from walk(child)


def params_used(node: Node) -> set[str]:
    out: set[str] = set()
    for n in walk(node):
        if isinstance(n, ParamRef):
            out.add(n.name)
        elif isinstance(n, ScaleOf):
            out.add(n.scale)
        elif isinstance(n, Count):
            out.update(v.name for _, v in n.filters if isinstance(v, ParamRef))
    return out


def refs_used(node: Node) -> set[tuple[str, str]]:
    return {(n.kind, n.name) for n in walk(node) if isinstance(n, Ref)}


def year_date(which: str, y: int) -> date:
    return date(y, 1, 1) if which == "start" else date(y, 12, 31)


def fixed_date(node: Node, year: int, as_of: date) -> date:
    """The day a fixed-date node names in a run (``as_of``, ``year_end(k)``, ``year_start(k)``)."""
    if isinstance(node, AsOf):
        return as_of
    if isinstance(node, YearDate):
        return year_date(node.which, year + node.offset)
    raise TypeError(f"not a fixed date: {node!r}")  # pragma: no cover - the parser allows no other


def years_before(day: date, years: Any, name: str = "years_before") -> date:
    """The same day ``years`` years before ``day`` (29 February → 28 February of a common year).

    ``years`` is a whole number ≥ 0 (a parameter a what-if may change: anything else is
    ``bad_years`` naming it)."""
    from decimal import Decimal

    if isinstance(years, bool) or not isinstance(years, int | Decimal) or years != int(years) or years < 0:
        raise RulesError("bad_years", name=name, value=years)
    y = day.year - int(years)
    if y < 1:
        raise RulesError("bad_years", name=name, value=years)
    if day.month == 2 and day.day == 29 and not (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)):
        return date(y, 2, 28)
    return day.replace(year=y)
