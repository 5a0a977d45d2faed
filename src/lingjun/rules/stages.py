"""Staging a run's query (分阶段计算): what is computed once, in which stage, in which column.

Engines cannot share work inside ``CASE``, so every value read more than once (a multi-year sum,
the HNTE growth rate, a scale row, a criterion's measured value) is a column of its own stage, and
every stage is compiled to SQL on its own (:class:`Chain`). :class:`Columns` keeps each distinct
expression once per stage and in the result; :class:`ValueSpec` says how a value is read back.
Used by :func:`lingjun.rules.evaluation.build_query`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir

from lingjun.rules import expr as E
from lingjun.rules.compiler import (
    BIG_DUCKDB,
    BIG_SQL,
    Num,
    PolicyCompiler,
    Root,
    add,
    approximation,
    is_big,
)
from lingjun.rules.facts import FactSet
from lingjun.rules.plan import PolicyPlan, ValueSpec
from lingjun.rules.policy import Policy


@dataclass
class Columns:
    """The new columns of one stage (or of the result), each distinct expression once.

    A value asked for again (the same criterion in several policies, a metric that is a
    criterion's measured value, the score of a one-indicator policy) is read back from the
    columns that already hold it: the engine computes it once and the result carries it once.
    Whole values are shared, never single columns of different values, so every column keeps
    one meaning (the reference evaluator fills rows by these names).
    """

    cols: dict[str, ir.Value] = field(default_factory=dict)
    _seen: dict[tuple[Any, ...], ValueSpec] = field(default_factory=dict)

    def _add(self, spec: ValueSpec, values: Sequence[ir.Value], extra: ir.Value | None = None) -> ValueSpec:
        key = (spec.kind, spec.periods, spec.k, spec.approx is not None, *(v.op() for v in values))
        if key in self._seen:
            return self._seen[key]
        self.cols.update(zip(spec.columns, values, strict=True))
        if spec.approx is not None and extra is not None:
            self.cols[spec.approx] = extra
        self._seen[key] = spec
        return spec

    def column(self, name: str, value: ir.Value) -> str:
        """One column (a criterion's result, a band); returns the name that holds it."""
        return self._add(ValueSpec("raw", (name,)), [value]).columns[0]

    def store(self, base: str, v: Any, *, approx: bool = False) -> ValueSpec | None:
        """Add the columns of a value; return how to read it back. With ``approx`` (stages, not
        the result) a 128-bit n/d also gets its double (:func:`~lingjun.rules.compiler.guarded_compare`)."""
        if isinstance(v, Num):
            if v.d is None:
                return self._add(ValueSpec("num", (f"{base}n",), k=v.k), [v.n])
            if approx and is_big(v):
                spec = ValueSpec("num", (f"{base}n", f"{base}d"), k=v.k, approx=f"{base}a")
                return self._add(
                    spec, [v.n, v.d], extra=v.approx if v.approx is not None else approximation(v)
                )
            return self._add(ValueSpec("num", (f"{base}n", f"{base}d"), k=v.k), [v.n, v.d])
        if isinstance(v, Root):
            return self._add(ValueSpec("root", (f"{base}x0", f"{base}x1"), v.periods), [v.x0, v.x1])
        if isinstance(v, ir.Value):
            return self._add(ValueSpec("raw", (f"{base}v",)), [v])
        return None


def load(t: ir.Table, spec: ValueSpec) -> Any:
    """A stored value read back from its columns."""
    cols = [t[c] for c in spec.columns]
    if spec.kind == "root":
        return Root(cols[0], cols[1], spec.periods)
    if spec.kind == "num":
        approx = t[spec.approx] if spec.approx is not None else None
        return Num(cols[0], cols[1] if len(cols) == 2 else None, spec.k, approx)
    return cols[0]


#: sub-expressions computed once per enterprise, in a stage of their own, however often they
#: are read: engines cannot share work inside ``CASE`` (DuckDB's common-subexpression pass stops
#: there), and a multi-year sum or the HNTE growth rate inlined into every criterion, band and
#: displayed value that reads it made HNTE by far the costliest policy
HEAVY = (E.YearsAgg, E.HnteGrowth)
#: nodes that already are a column (or a constant): never worth a stage column of their own
LEAVES = (
    E.Const,
    E.ParamRef,
    E.EntField,
    E.AnnualAt,
    E.Count,
    E.InputRef,
    E.Ref,
    E.AppYear,
    E.AsOf,
    E.YearDate,
    E.YearsBefore,
)


def row_of(node: E.Node) -> E.ScaleOf | None:
    """The shared row of a scale output (``points(x, scale)`` reads ``index(x, scale)``)."""
    if isinstance(node, E.ScaleOf) and node.fn != "index":
        return E.ScaleOf("index", node.operand, node.scale)
    return None


def shared_nodes(policy: Policy) -> list[E.Node]:
    """The sub-expressions of ``policy`` to compute once: every multi-year aggregate and growth
    rate, the row of every scale and the value it looks up (compared with every bracket), and the
    measured value (and a computed threshold) of every comparison criterion, which the criterion
    tests and the output displays."""
    roots: list[E.Node] = [c.test for c in policy.criteria]
    roots += [m.expr for m in policy.metrics] + [i.points for i in policy.indicators]
    roots += [E.ScaleOf("band", b.of, b.scale) for b in policy.bands]
    out: dict[E.Node, None] = {}
    for root in roots:
        for n in E.walk(root):
            if isinstance(n, HEAVY):
                out.setdefault(n)
            elif (row := row_of(n)) is not None:  # shared by a scale's points, range and band
                if not isinstance(row.operand, LEAVES):  # the row reads it once per bracket
                    out.setdefault(row.operand)
                out.setdefault(row)
    for c in policy.criteria:
        if isinstance(c.test, E.Cmp):
            for side in (c.test.left, c.test.right):
                if not isinstance(side, LEAVES):
                    out.setdefault(side)
    return list(out)


def named_nodes(policy: Policy) -> dict[tuple[str, str], E.Node | None]:
    """Every named value of a policy and its expression (the score has none: Σ indicators), and
    the shared sub-expressions of :func:`shared_nodes` as ``("shared", "<k>")``."""
    out: dict[tuple[str, str], E.Node | None] = {}
    out.update({("metric", m.id): m.expr for m in policy.metrics})
    out.update({("indicator", i.id): i.points for i in policy.indicators})
    if policy.indicators:
        out[("score", "score")] = None
    out.update({("criterion", c.id): c.test for c in policy.criteria})
    out.update({("shared", str(k)): node for k, node in enumerate(shared_nodes(policy))})
    return out


def shared_keys(nodes: Mapping[tuple[str, str], E.Node | None]) -> dict[E.Node, tuple[str, str]]:
    """Shared sub-expression → its key in ``nodes`` (what :class:`PolicyCompiler` looks up)."""
    return {node: key for key, node in nodes.items() if key[0] == "shared" and node is not None}


def levels_of(
    policy: Policy,
    nodes: Mapping[tuple[str, str], E.Node | None],
    shared: Mapping[E.Node, tuple[str, str]],
) -> dict[tuple[str, str], int]:
    """Stage of each named value: one more than the deepest named or shared value it reads."""
    levels: dict[tuple[str, str], int] = {}

    def deps(key: tuple[str, str], node: E.Node | None) -> set[tuple[str, str]]:
        if node is None:
            return {("indicator", i.id) for i in policy.indicators}
        inner = {shared[m] for n in E.walk(node) for m in (n, row_of(n)) if m is not None and m in shared}
        return (E.refs_used(node) | inner) - {key}

    def level(key: tuple[str, str]) -> int:
        if key not in levels:
            levels[key] = 1 + max((level(d) for d in deps(key, nodes[key])), default=-1)
        return levels[key]

    for key in nodes:
        level(key)
    return levels


@dataclass
class Chain:
    """Cuts the query into named stages (SQL CTEs), each compiled on its own.

    Ibis compiles one deeply nested query slowly (its select-merging rewrite dominates); a chain of
    flat stages compiles in a fraction of the time and runs the same in every engine.
    """

    dialect: str | None
    ctes: list[tuple[str, str]] = field(default_factory=list)

    def cut(self, t: ir.Table) -> ir.Table:
        if self.dialect is None:  # no SQL wanted (the reference evaluator only needs the plan)
            return t
        name = f"lj_stage{len(self.ctes)}"
        self.ctes.append((name, to_sql(t, self.dialect)))
        return ibis.table(t.schema(), name=name)

    def extend(self, t: ir.Table, cols: Mapping[str, ir.Value]) -> ir.Table:
        """A stage of ``t``'s columns and ``cols`` (new names), as ``SELECT t0.*, <cols> FROM …``.

        Only the new expressions go through Ibis (``t.select``): listing the ~150 columns a stage
        passes on would cost compiling time and the engines' binding time for nothing.
        """
        if self.dialect is None:
            return t.mutate(**cols)
        sql = to_sql(t.select(**cols), self.dialect)
        found = _SELECT_FROM.fullmatch(sql)
        if found is None:  # pragma: no cover - Ibis changed its SQL: fall back to the full list
            return self.cut(t.mutate(**cols))
        exprs, source, alias = found.groups()
        name = f"lj_stage{len(self.ctes)}"
        self.ctes.append((name, f"SELECT {alias}.*, {exprs} FROM {source} AS {alias}"))
        return ibis.table(ibis.schema({**t.schema(), **{k: v.type() for k, v in cols.items()}}), name=name)

    def sql(self, final: ir.Table) -> str:
        assert self.dialect is not None
        body = to_sql(final, self.dialect)
        if not self.ctes:
            return body
        return "WITH " + ",\n".join(f"{name} AS (\n{sql}\n)" for name, sql in self.ctes) + "\n" + body


#: a flat select of one table, as Ibis writes it in every dialect (names quoted with " or `)
_SELECT_FROM = re.compile(r"SELECT (.*) FROM ([\"`]\w+[\"`]) AS ([\"`]t\d+[\"`])", re.S)


def to_sql(t: ir.Table, dialect: str) -> str:
    sql = str(ibis.to_sql(t, dialect=dialect, pretty=False))
    return sql.replace(BIG_SQL, BIG_DUCKDB) if dialect == "duckdb" else sql


def stage_all(
    plans: Sequence[PolicyPlan],
    facts: FactSet,
    t: ir.Table,
    chain: Chain,
    literals: Mapping[str, ir.Value],
) -> tuple[ir.Table, list[dict[tuple[str, str], ValueSpec]], list[dict[E.Node, tuple[str, str]]]]:
    """Add every policy's named and shared values to ``t``, one stage per dependency level;
    returns the stage table, how each value is stored, and each policy's shared nodes."""
    work = []
    for plan in plans:
        nodes = named_nodes(plan.policy)
        shared = shared_keys(nodes)
        index = {key: k for k, key in enumerate(nodes)}
        work.append((plan, nodes, shared, levels_of(plan.policy, nodes, shared), index))
    stored: list[dict[tuple[str, str], ValueSpec]] = [{} for _ in plans]
    top = max((max(levels.values(), default=0) for _, _, _, levels, _ in work), default=0)
    for level in range(top + 1):
        cols = Columns()
        for (plan, nodes, shared, levels, index), done in zip(work, stored, strict=True):
            named = {k: load(t, spec) for k, spec in done.items()}
            comp = PolicyCompiler(plan.policy, plan.params, facts, t, named, shared, literals)
            for key, node in nodes.items():
                if levels[key] != level:
                    continue
                if node is None:  # the score
                    value: Any = None
                    for ind in plan.policy.indicators:
                        pts = comp.named[("indicator", ind.id)]
                        value = pts if value is None else add(value, pts)
                else:
                    value = comp.value(node)
                spec = cols.store(f"{plan.prefix}s{index[key]}_", value, approx=True)
                assert spec is not None
                done[key] = spec
        if cols.cols:
            t = chain.extend(t, cols.cols)
    return t, stored, [shared for _, _, shared, _, _ in work]
