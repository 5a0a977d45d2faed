"""Whole-pool evaluation: facts table → per-criterion columns → :class:`Evaluation` (批量评价).

``evaluate`` builds one Ibis query for all policies of a run and executes it once on the backend
that holds the input tables (DuckDB, PostgreSQL or Spark). The engine returns exact decimals and
nullable booleans; everything shown to people (result words, values as numbers, missing fields,
Chinese explanations) is derived from that result in Arrow / Python by the same code for every
engine, so the three engines agree exactly.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeAlias

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pyarrow as pa

from lingjun.rules import expr as E
from lingjun.rules.compiler import PolicyCompiler, lit
from lingjun.rules.facts import (
    UNIT,
    AnnualFact,
    FactSet,
    InputFact,
    bind_filters,
    build_facts,
    check_tables,
    collect,
    units,
)
from lingjun.rules.plan import CriterionPlan, PolicyPlan, Query
from lingjun.rules.querycache import PLANS, QUERIES
from lingjun.rules.result import Evaluation
from lingjun.rules.spec import RunSpec, input_value
from lingjun.rules.stages import Chain, Columns, load, stage_all

_MASK_BITS = 62


# --- inputs -----------------------------------------------------------------------------------

#: policy inputs given per enterprise: a table of ``uscc`` and one column per input (``name`` or
#: ``<policy id>.<name>``); inputs confirmed for every enterprise are part of the :class:`RunSpec`
InputsTable: TypeAlias = pa.Table | ir.Table | None


def _input_constant(kind: str, value: Any) -> ir.Value:
    """A scalar input as a constant of the query. A missing one is a *cast* NULL: Ibis rewrites a
    comparison with its own null literal (``null == x`` becomes ``x IS NULL``), which would turn
    an unknown input into a failed criterion."""
    ty = "boolean" if kind == "bool" else "int64"
    if value is None:
        return ibis.null().cast(ty)
    return ibis.literal(value if kind == "bool" else int(value * UNIT), type=ty)


def _input_columns(
    plans: Sequence[PolicyPlan],
    facts: FactSet,
    spec: RunSpec,
    inputs_table: InputsTable,
    tables: Mapping[str, ir.Table],
) -> tuple[dict[str, ir.Value], set[str], ir.Table | None]:
    """Inputs confirmed for every enterprise as constants (input column → constant), with the set
    of those missing; per-enterprise inputs as a joinable table. An input the table gives is
    read from the table; the confirmed ones set the rest."""
    used = {plan.policy.id: plan for plan in plans}

    def targets(key: str) -> list[tuple[InputFact, str]]:
        """The input facts a key sets that some criterion of the run reads, with their kind."""
        out: list[tuple[InputFact, str]] = []
        for policy, name in spec.input_targets(key):
            fact = InputFact(policy.id, name)
            if policy.id in used and fact in facts.inputs:
                out.append((fact, policy.inputs[name].kind))
        return out

    literals: dict[str, ir.Value] = {}
    missing: set[str] = set()
    table: ir.Table | None = None
    provided: set[InputFact] = set()
    if inputs_table is not None:
        if isinstance(inputs_table, pa.Table):
            from lingjun.rules.engines import upload_table

            t = upload_table(tables["enterprise"], spec.checked_inputs_table(inputs_table))
        else:
            t = inputs_table
        cols: dict[str, ir.Value] = {"uscc": t.uscc}
        for key in t.columns:
            if key == "uscc":
                continue
            for fact, kind in targets(key):
                col = t[key].cast("boolean") if kind == "bool" else units(t[key].cast(dt.Decimal(18, 4)))
                cols[facts.inputs[fact]] = col
                provided.add(fact)
        table = t.select(**cols)
    given = set(provided)
    # a bare name first, so that "<policy id>.<name>" wins for its policy (as in the reference evaluator)
    for key, value in sorted(spec.inputs, key=lambda item: "." in item[0]):
        for fact, kind in targets(key):
            if fact in given:  # the per-enterprise table's value
                continue
            v = input_value(kind, value, key)
            literals[facts.inputs[fact]] = _input_constant(kind, v)
            if v is None:
                missing.add(facts.inputs[fact])
            provided.add(fact)
    for fact, col in facts.inputs.items():
        if fact not in provided:
            kind = used[fact.policy].policy.inputs[fact.name].kind
            literals[col] = _input_constant(kind, None)
            missing.add(col)
    return literals, missing, table


# --- facts read by a criterion (for the missing list) -------------------------------------------


def _fact_columns(
    node: E.Node, plan: PolicyPlan, year: int, facts: FactSet, seen: set[tuple[str, str]]
) -> set[str]:
    policy = plan.policy
    out: set[str] = set()
    for n in E.walk(node):
        if isinstance(n, E.EntField):
            out.add(n.name)
        elif isinstance(n, E.AnnualAt):
            out.add(AnnualFact(n.field, year + n.offset).column)
        elif isinstance(n, E.YearsAgg | E.Cagr):
            out.update(AnnualFact(n.field, year + k).column for k in range(n.since, n.until + 1))
            out.add("registered_on")
        elif isinstance(n, E.HnteGrowth):
            out.update(AnnualFact(n.field, year + k).column for k in (-3, -2, -1))
            out.add("registered_on")
        elif isinstance(n, E.AgeYears):
            out.add("registered_on")
        elif isinstance(n, E.InputRef):
            out.add(facts.inputs[InputFact(policy.id, n.name)])
        elif isinstance(n, E.Count):
            fact = bind_filters(n, plan.params)
            if facts.open_bit(fact) is not None:  # an uncertain count: unknown while open
                out.add(facts.counts[fact])
        elif isinstance(n, E.Ref) and (n.kind, n.name) not in seen:
            seen.add((n.kind, n.name))
            if n.kind == "criterion":
                out |= _fact_columns(policy.criterion(n.name).test, plan, year, facts, seen)
            elif n.kind == "metric":
                m = next(m for m in policy.metrics if m.id == n.name)
                out |= _fact_columns(m.expr, plan, year, facts, seen)
            else:
                inds = (
                    policy.indicators
                    if n.kind == "score"
                    else [i for i in policy.indicators if i.id == n.name]
                )
                for ind in inds:
                    out |= _fact_columns(ind.points, plan, year, facts, seen)
    return out


# --- the query --------------------------------------------------------------------------------


def _constant(node: E.Node, params: Mapping[str, Any], year: int, as_of: date) -> tuple[bool, Any]:
    if isinstance(node, E.YearDate):
        return True, E.year_date(node.which, year + node.offset)
    if isinstance(node, E.AsOf):
        return True, as_of
    if isinstance(node, E.YearsBefore):
        return True, node.day(year, as_of, params)
    if isinstance(node, E.Const):
        return True, node.value
    if isinstance(node, E.ParamRef):
        return True, params[node.name]
    return False, None


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a query is built.

    Building one creates some hundred thousand short-lived objects (Ibis and sqlglot nodes, freed
    by reference counting); each full collection they trigger scans every object of the process,
    which in a web server or after loading a pool costs more than the building itself (measured:
    0.29-0.32 s paused against 0.38-0.64 s with a large heap)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@gc_paused()
def build_query(
    tables: Mapping[str, ir.Table],
    spec: RunSpec,
    *,
    inputs_table: InputsTable = None,
    compile_sql: bool = True,
) -> Query:
    """The single query of a run (exposed for tests and the benchmark); ``compile_sql=False``
    builds only the plan (the reference evaluator's use)."""
    check_tables(tables)
    year, as_of = spec.year, spec.as_of
    facts = FactSet.empty(year, as_of)
    plans: list[PolicyPlan] = []
    for i, policy in enumerate(spec.policies):
        params = dict(spec.params[policy.id])
        collect(policy, params, facts)
        plans.append(PolicyPlan(policy, f"p{i}_", params, spec.overrides_of(policy), f"p{i}_ok"))
    literals, missing_inputs, input_table = _input_columns(plans, facts, spec, inputs_table, tables)
    backend = tables["enterprise"].get_backend() if compile_sql else None
    strategy = "union" if backend is not None and backend.name == "pyspark" else "join"
    chain = Chain(None if backend is None else backend.name)
    t = chain.cut(build_facts(tables, facts, input_table, strategy=strategy))
    t, stored_by_plan, shared_by_plan = stage_all(plans, facts, t, chain, literals)
    cols = Columns({"uscc": t.uscc})
    for plan, stored, shared in zip(plans, stored_by_plan, shared_by_plan, strict=True):
        named = {k: load(t, s) for k, s in stored.items()}
        comp = PolicyCompiler(plan.policy, plan.params, facts, t, named, shared, literals)
        pre = plan.prefix
        overall: ir.BooleanValue = ibis.literal(True)
        for c in plan.policy.criteria:
            if c.mandatory:
                overall = overall & named[("criterion", c.id)]
        plan.result_column = cols.column(plan.result_column, overall)
        for j, c in enumerate(plan.policy.criteria):
            cp = CriterionPlan(c, cols.column(f"{pre}c{j}", named[("criterion", c.id)]))
            cp.facts = frozenset(_fact_columns(c.test, plan, year, facts, set()))
            if isinstance(c.test, E.Cmp):
                cp.op = c.test.op
                cp.value = cols.store(f"{pre}c{j}_v", comp.value(c.test.left))
                const, cp.threshold = _constant(c.test.right, plan.params, year, as_of)
                if not const:
                    cp.threshold_spec = cols.store(f"{pre}c{j}_t", comp.value(c.test.right))
            plan.criteria.append(cp)
        for k, ind in enumerate(plan.policy.indicators):
            value_spec = cols.store(f"{pre}i{k}_", named[("indicator", ind.id)])
            assert value_spec is not None
            plan.indicators[ind.id] = value_spec
        if plan.policy.indicators:
            plan.score = cols.store(f"{pre}score_", named[("score", "score")])
        for k, m in enumerate(plan.policy.metrics):
            value_spec = cols.store(f"{pre}m{k}_", named[("metric", m.id)])
            assert value_spec is not None
            plan.metrics[m.id] = value_spec
        for k, b in enumerate(plan.policy.bands):
            # the scale row (a stage column already): the letters are added in Arrow and in the
            # records, which spares the engine a CASE and a string column per band
            plan.bands[b.id] = cols.column(f"{pre}b{k}", comp.value(E.ScaleOf("index", b.of, b.scale)))
    masks: list[tuple[str, list[tuple[str, str]]]] = []
    nullable = facts.nullable()
    for start in range(0, len(nullable), _MASK_BITS):
        chunk = nullable[start : start + _MASK_BITS]
        name = f"miss{start // _MASK_BITS}"
        # an input given for everyone or for no one is missing for all rows or none: a constant
        constant = sum(1 << bit for bit, (col, _) in enumerate(chunk) if col in missing_inputs)
        total: ir.IntegerValue = lit(constant)
        for bit, (col, _) in enumerate(chunk):  # CASE of constants: 3× faster than a cast × bit in DuckDB
            if col not in literals:
                total = total + ibis.ifelse(t[col].isnull(), lit(1 << bit), lit(0))
        cols.cols[name] = total
        masks.append((name, chunk))
    for word, chunk in facts.open_names().items():  # the uncertain counts' bits, as the facts hold them
        cols.cols[word] = t[word]
        masks.append((word, chunk))
    final = t.select(**cols.cols)
    sql = chain.sql(final) if backend is not None else ""
    return Query(sql, final.schema().to_pyarrow(), backend, plans, facts, masks, spec)


# --- the entry point --------------------------------------------------------------------------


def evaluate(
    *, tables: Mapping[str, ir.Table], spec: RunSpec, inputs_table: InputsTable = None
) -> Evaluation:
    """Evaluate the run ``spec`` for every enterprise of ``tables``.

    ``tables`` maps every name of :data:`lingjun.dossier.schema.TABLES` to an Ibis table on one
    backend; ``spec`` says which policies, year, date, what-ifs and confirmed inputs
    (:meth:`RunSpec.of <lingjun.rules.spec.RunSpec.of>`); ``inputs_table`` gives inputs per
    enterprise (``uscc`` and one column per input, ``name`` or ``<policy id>.<name>``). The
    compiled query is reused when the same run is asked again on the same tables
    (:mod:`lingjun.rules.querycache`).
    """
    query = QUERIES.get(
        lambda: build_query(tables, spec, inputs_table=inputs_table),
        tables=tables,
        spec=spec,
        inputs_table=inputs_table,
    )
    return Evaluation(
        run_query(query), query, spec.year, spec.as_of, spec.overrides_dict(), query.backend.name
    )


_SHAPES: dict[str, ir.Table] | None = None


def _shapes() -> dict[str, ir.Table]:
    """The table form's columns without data and without a backend: all a plan needs."""
    global _SHAPES
    if _SHAPES is None:
        from lingjun.dossier.tables import empty_tables

        _SHAPES = {name: ibis.memtable(t) for name, t in empty_tables().items()}
    return _SHAPES


def build_plan(spec: RunSpec, *, inputs_table: InputsTable = None) -> Query:
    """The plan of a run without SQL or data (what every result column means), as the reference
    evaluator, an explanation page or a run's validation need it. Building it costs about 0.3 s
    for all seven policies, so it is kept like a compiled query (:data:`PLANS`)."""
    shapes = _shapes()
    return PLANS.get(
        lambda: build_query(shapes, spec, inputs_table=inputs_table, compile_sql=False),
        tables=shapes,
        spec=spec,
        inputs_table=inputs_table,
    )


def run_query(query: Query) -> pa.Table:
    """Execute a run's SQL on its backend; rows in the engine's order (see :meth:`Evaluation.sorted`)."""
    from lingjun.rules.engines import execute_sql

    # memory Arrow keeps from tables freed since (an earlier run's results) goes back to the system
    # first: the engine allocates with its own allocator and cannot reuse it
    pa.default_memory_pool().release_unused()
    return execute_sql(query.backend, query.sql, query.schema)


__all__ = ["Evaluation", "InputsTable", "build_plan", "build_query", "evaluate"]
