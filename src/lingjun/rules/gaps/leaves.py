"""Leaves: what kind of distance one comparison of a flattened policy has.

Each leaf (one comparison) is classified once per policy by its expression: an amount of the
dossier (shortfall), a ratio of two amounts, a compound growth rate, a count of list rows, a score,
a condition on an enterprise field, an input to confirm — anything else is 不可量化. The amounts it
reads are named as :class:`Term` (a field over years) so that the fixes can change them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lingjun.rules import expr as E
from lingjun.rules.facts import CountFact, bind_filters
from lingjun.rules.gaps.kinds import (
    CONDITION,
    CONFIRM,
    COUNT,
    GROWTH,
    RATIO,
    SCORE,
    SHORTFALL,
    UNQUANTIFIABLE,
)
from lingjun.rules.plan import CriterionPlan
from lingjun.rules.policy import Criterion, Policy


@dataclass(frozen=True)
class Term:
    """An amount of the dossier a value reads: ``field`` over the years ``years`` (summed)."""

    field: str
    years: tuple[int, ...]


def _term(node: E.Node, policy: Policy, year: int) -> Term | None:
    if isinstance(node, E.AnnualAt):
        return Term(node.field, (year + node.offset,))
    if isinstance(node, E.YearsAgg) and node.fn == "sum":
        return Term(node.field, tuple(year + k for k in range(node.since, node.until + 1)))
    if isinstance(node, E.Ref) and node.kind == "metric":
        m = next(m for m in policy.metrics if m.id == node.name)
        return _term(m.expr, policy, year)
    return None


def _resolve(node: E.Node, policy: Policy) -> E.Node:
    if isinstance(node, E.Ref) and node.kind == "metric":
        return _resolve(next(m for m in policy.metrics if m.id == node.name).expr, policy)
    return node


@dataclass
class Leaf:
    cid: str
    owner: Criterion
    shape: str  # SHORTFALL | RATIO | GROWTH | COUNT | SCORE | CONDITION | CONFIRM | UNQUANTIFIABLE
    plan: CriterionPlan
    op: str = ""
    num: Term | None = None  # the amount to change (amount, ratio numerator, growth's last year)
    den: Term | None = None  # a ratio's denominator; a growth's first year
    count: CountFact | None = None
    target: tuple[Any, ...] = ()  # condition: (field, value); confirm: (input, value)
    periods: int = 0


def _leaf(
    cid: str, owner: Criterion, cp: CriterionPlan, policy: Policy, params: Mapping[str, Any], year: int
) -> Leaf:
    test = cp.criterion.test
    leaf = Leaf(cid, owner, UNQUANTIFIABLE, cp)
    if isinstance(test, E.InList) and isinstance(test.operand, E.EntField) and not test.negate:
        leaf.shape, leaf.target = CONDITION, (test.operand.name, test.values[0])
        return leaf
    if not isinstance(test, E.Cmp):
        return leaf
    left, right, op = test.left, test.right, test.op
    leaf.op = op
    if op in ("==", "!="):
        if isinstance(right, E.Const) and op == "==":
            if isinstance(left, E.EntField):
                leaf.shape, leaf.target = CONDITION, (left.name, right.value)
            elif isinstance(left, E.InputRef):
                leaf.shape, leaf.target = CONFIRM, (left.name, right.value)
        return leaf
    if cp.value is None:
        return leaf
    resolved = _resolve(left, policy)
    if isinstance(resolved, E.Count) and op in (">=", ">"):
        leaf.shape, leaf.count = COUNT, bind_filters(resolved, params)
    elif isinstance(resolved, E.AnnualAt | E.YearsAgg) and (term := _term(resolved, policy, year)):
        if resolved.__class__ is E.YearsAgg and op in ("<", "<="):
            return leaf
        leaf.shape, leaf.num = SHORTFALL, term
    elif isinstance(resolved, E.Arith) and resolved.op == "/" and op in (">=", ">"):
        num, den = _term(resolved.left, policy, year), _term(resolved.right, policy, year)
        if num is not None and den is not None:
            leaf.shape, leaf.num, leaf.den = RATIO, num, den
    elif isinstance(resolved, E.Cagr) and op in (">=", ">"):
        leaf.shape = GROWTH
        leaf.num = Term(resolved.field, (year + resolved.until,))
        leaf.den = Term(resolved.field, (year + resolved.since,))
        leaf.periods = resolved.until - resolved.since
    elif isinstance(resolved, E.Ref) and resolved.kind == "score" and op in (">=", ">"):
        leaf.shape = SCORE
    return leaf
