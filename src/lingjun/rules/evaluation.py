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
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeAlias

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pyarrow as pa

from lingjun.rules import expr as E
from lingjun.rules.compiler import PolicyCompiler, lit
from lingjun.rules.errors import RulesError, names
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
from lingjun.rules.loader import load_library
from lingjun.rules.policy import Criterion, Library, Policy
from lingjun.rules.querycache import PLANS, QUERIES
from lingjun.rules.result import Evaluation
from lingjun.rules.stages import Chain, Columns, ValueSpec, load, stage_all

_MASK_BITS = 62


# --- the plan: what each output column means ---------------------------------------------------


@dataclass
class CriterionPlan:
    criterion: Criterion
    column: str
    value: ValueSpec | None = None
    op: str = ""
    threshold: Any = None  # a constant (Decimal, str, date, bool) …
    threshold_spec: ValueSpec | None = None  # … or columns
    facts: frozenset[str] = frozenset()  # fact columns it reads (for the missing list)


@dataclass
class PolicyPlan:
    policy: Policy
    prefix: str
    params: dict[str, Any]
    overrides: dict[str, str]
    result_column: str
    criteria: list[CriterionPlan] = field(default_factory=list)
    indicators: dict[str, ValueSpec] = field(default_factory=dict)
    score: ValueSpec | None = None
    metrics: dict[str, ValueSpec] = field(default_factory=dict)
    #: band id → result column holding the row of the band's scale (0-based; letters by :meth:`band_letters`)
    bands: dict[str, str] = field(default_factory=dict)

    _letters: dict[str, list[str | None]] = field(default_factory=dict, repr=False)

    def band_letters(self, band_id: str) -> list[str | None]:
        """The letters of a band's scale rows, in row order (a what-if may change the scale);
        worked out once per plan, as every record reads them."""
        if band_id not in self._letters:
            band = next(b for b in self.policy.bands if b.id == band_id)
            self._letters[band_id] = [x.band for x in self.params[band.scale].brackets]
        return self._letters[band_id]


# --- inputs -----------------------------------------------------------------------------------

#: policy inputs: ``{name: value}`` for every enterprise, or a table (``uscc`` + one column per input)
Inputs: TypeAlias = Mapping[str, Any] | pa.Table | ir.Table | None


def _input_value(kind: str, value: Any, name: str) -> Any:
    if value is None:
        return None
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
    elif not isinstance(value, bool):
        try:
            return Decimal(str(value))
        except ArithmeticError:
            pass
    raise RulesError("bad_override", name=name, value=value, detail="布尔值应为 true/false，数值应为数字")


def _input_constant(kind: str, value: Any) -> ir.Value:
    """A scalar input as a constant of the query. A missing one is a *cast* NULL: Ibis rewrites a
    comparison with its own null literal (``null == x`` becomes ``x IS NULL``), which would turn
    an unknown input into a failed criterion."""
    ty = "boolean" if kind == "bool" else "int64"
    if value is None:
        return ibis.null().cast(ty)
    return ibis.literal(value if kind == "bool" else int(value * UNIT), type=ty)


def _input_columns(
    plans: Sequence[PolicyPlan], facts: FactSet, inputs: Inputs, tables: Mapping[str, ir.Table]
) -> tuple[dict[str, ir.Value], set[str], ir.Table | None]:
    """Scalar inputs as constants (input column → constant) with the set of those missing; a
    per-enterprise table as a joinable table."""
    known: dict[str, tuple[InputFact, str]] = {}
    for plan in plans:
        for name, spec in plan.policy.inputs.items():
            fact = InputFact(plan.policy.id, name)
            if fact in facts.inputs:
                known[f"{plan.policy.id}.{name}"] = (fact, spec.kind)
    allowed = set(known) | {k.split(".")[-1] for k in known}

    def targets(key: str) -> list[tuple[InputFact, str]]:
        hits = [v for k, v in known.items() if k == key or k.rsplit(".", 1)[-1] == key]
        if not hits and key not in allowed:
            all_inputs = {f"{p.policy.id}.{n}" for p in plans for n in p.policy.inputs}
            if key in all_inputs or key in {k.rsplit(".", 1)[-1] for k in all_inputs}:
                return []  # declared but unused by any criterion of this run
            raise RulesError("unknown_input", name=key, allowed=names(all_inputs) or "（无）")
        return hits

    literals: dict[str, ir.Value] = {}
    missing: set[str] = set()
    table: ir.Table | None = None
    provided: set[InputFact] = set()
    if isinstance(inputs, pa.Table | ir.Table):
        if isinstance(inputs, pa.Table):
            from lingjun.rules.engines import upload_table

            t = upload_table(tables["enterprise"], inputs)
        else:
            t = inputs
        cols: dict[str, ir.Value] = {"uscc": t.uscc}
        for key in t.columns:
            if key == "uscc":
                continue
            for fact, kind in targets(key):
                col = t[key].cast("boolean") if kind == "bool" else units(t[key].cast(dt.Decimal(18, 4)))
                cols[facts.inputs[fact]] = col
                provided.add(fact)
        table = t.select(**cols)
    elif isinstance(inputs, Mapping):
        for key, value in inputs.items():
            for fact, kind in targets(key):
                v = _input_value(kind, value, key)
                literals[facts.inputs[fact]] = _input_constant(kind, v)
                if v is None:
                    missing.add(facts.inputs[fact])
                provided.add(fact)
    for fact, col in facts.inputs.items():
        if fact not in provided:
            kind = next(p.policy.inputs[fact.name].kind for p in plans if p.policy.id == fact.policy)
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
    if isinstance(node, E.Const):
        return True, node.value
    if isinstance(node, E.ParamRef):
        return True, params[node.name]
    return False, None


@dataclass
class Query:
    """The SQL of a run (flat stages as CTEs), its result schema, and what each column means."""

    sql: str
    schema: pa.Schema
    backend: Any
    plans: list[PolicyPlan]
    facts: FactSet
    mask_columns: list[tuple[str, list[tuple[str, str]]]]  # (mask column, [(fact column, name) per bit])


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
    policies: Sequence[Policy],
    *,
    year: int,
    as_of: date,
    overrides: Mapping[str, str] | None = None,
    inputs: Inputs = None,
    compile_sql: bool = True,
) -> Query:
    """The single query of a run (exposed for tests and the benchmark); ``compile_sql=False``
    builds only the plan (the reference evaluator's use)."""
    check_tables(tables)
    by_policy: dict[str, dict[str, str]] = {p.id: {} for p in policies}
    for key, value in (overrides or {}).items():
        pid, _, pname = key.rpartition(".")
        if pid not in by_policy:
            allowed = [f"{p.id}.{n}" for p in policies for n in p.parameters]
            raise RulesError("unknown_override", name=key, allowed=names(allowed))
        by_policy[pid][pname] = value
    facts = FactSet.empty(year, as_of)
    plans: list[PolicyPlan] = []
    for i, policy in enumerate(policies):
        params = policy.parameter_values(as_of, by_policy[policy.id])
        collect(policy, params, facts)
        plans.append(PolicyPlan(policy, f"p{i}_", params, by_policy[policy.id], f"p{i}_ok"))
    literals, missing_inputs, input_table = _input_columns(plans, facts, inputs, tables)
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
            spec = cols.store(f"{pre}i{k}_", named[("indicator", ind.id)])
            assert spec is not None
            plan.indicators[ind.id] = spec
        if plan.policy.indicators:
            plan.score = cols.store(f"{pre}score_", named[("score", "score")])
        for k, m in enumerate(plan.policy.metrics):
            spec = cols.store(f"{pre}m{k}_", named[("metric", m.id)])
            assert spec is not None
            plan.metrics[m.id] = spec
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
    return Query(sql, final.schema().to_pyarrow(), backend, plans, facts, masks)


# --- the entry point --------------------------------------------------------------------------

_LIBRARY: Library | None = None


def default_library() -> Library:
    global _LIBRARY
    if _LIBRARY is None:
        _LIBRARY = load_library()
    return _LIBRARY


def resolve_policies(
    policies: Sequence[Policy | str], year: int, as_of: date, library: Library | None = None
) -> list[Policy]:
    lib = library or default_library()
    out: list[Policy] = []
    for ref in policies:
        policy = lib.resolve(ref, year, as_of)
        if policy not in out:
            out.append(policy)
    return out


def evaluate(
    *,
    tables: Mapping[str, ir.Table],
    policies: Sequence[Policy | str],
    year: int,
    as_of: date,
    overrides: Mapping[str, str] | None = None,
    inputs: Inputs = None,
    library: Library | None = None,
) -> Evaluation:
    """Evaluate ``policies`` for every enterprise of ``tables`` (application year ``year``).

    ``tables`` maps every name of :data:`lingjun.dossier.schema.TABLES` to an Ibis table on one
    backend. ``policies`` are ids (``tianjin.chuying.2021``), family names (``tianjin.chuying``:
    the policy in force on ``as_of``) or :class:`Policy` objects. ``overrides`` maps
    ``<policy id>.<parameter>`` to a YAML value for a what-if run. ``inputs`` gives policy inputs:
    a mapping ``{name: value}`` for every enterprise, or a table with ``uscc`` and one column per
    input (``name`` or ``<policy id>.<name>``). The compiled query is reused when the same run
    is asked again on the same tables (:mod:`lingjun.rules.querycache`).
    """
    resolved = resolve_policies(policies, year, as_of, library)
    query = QUERIES.get(
        lambda: build_query(tables, resolved, year=year, as_of=as_of, overrides=overrides, inputs=inputs),
        tables=tables,
        policies=resolved,
        year=year,
        as_of=as_of,
        overrides=overrides,
        inputs=inputs,
    )
    return Evaluation(run_query(query), query, year, as_of, dict(overrides or {}), query.backend.name)


_SHAPES: dict[str, ir.Table] | None = None


def _shapes() -> dict[str, ir.Table]:
    """The table form's columns without data and without a backend: all a plan needs."""
    global _SHAPES
    if _SHAPES is None:
        from lingjun.dossier.tables import empty_tables

        _SHAPES = {name: ibis.memtable(t) for name, t in empty_tables().items()}
    return _SHAPES


def build_plan(
    policies: Sequence[Policy],
    *,
    year: int,
    as_of: date,
    overrides: Mapping[str, str] | None = None,
    inputs: Inputs = None,
) -> Query:
    """The plan of a run without SQL or data (what every result column means), as the reference
    evaluator, an explanation page or a run's validation need it. Building it costs about 0.3 s
    for all seven policies, so it is kept like a compiled query (:data:`PLANS`); raises the
    engine's :class:`RulesError` for an unknown parameter or input and for a bad value."""
    shapes = _shapes()
    return PLANS.get(
        lambda: build_query(
            shapes, policies, year=year, as_of=as_of, overrides=overrides, inputs=inputs, compile_sql=False
        ),
        tables=shapes,
        policies=policies,
        year=year,
        as_of=as_of,
        overrides=overrides,
        inputs=inputs,
    )


def run_query(query: Query) -> pa.Table:
    """Execute a run's SQL on its backend; rows in the engine's order (see :meth:`Evaluation.sorted`)."""
    from lingjun.rules.engines import execute_sql

    # memory Arrow keeps from tables freed since (an earlier run's results) goes back to the system
    # first: the engine allocates with its own allocator and cannot reuse it
    pa.default_memory_pool().release_unused()
    return execute_sql(query.backend, query.sql, query.schema)


__all__ = ["Evaluation", "evaluate", "build_query", "build_plan", "dt"]
