"""The facts an evaluation needs, and the per-enterprise facts table built from them in Ibis.

Every leaf of every criterion that reads data is a *fact*: an enterprise field, an annual value of
one year, a filtered count over a related list, or a policy input. The facts of all policies of a
run are collected once, then built in one vectorised query: annual values pivoted by year with
filtered aggregates, related lists counted with ``group_by``, everything left-joined onto the
enterprise table. No Python loop ever runs over enterprises.

A list row whose filter reads an attribute left empty (an award without its rank, a patent not
marked core or not) may or may not count: such a count is *uncertain*, at least the rows that
surely count (``n_3``) and open upwards when some row may. Whether it is open is one bit of a
word the facts table keeps for all uncertain counts (``lj_open0``; :func:`open_flag`), so a
criterion such as ``count_awards(max_rank=3) >= 1`` is unknown, not failed, when only rows with
an empty rank could meet it (the data dictionary: a missing value never fails a criterion). One
word for all, not a column per count: every column of the stacked counts costs an aggregate.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from lingjun.dossier import schema
from lingjun.dossier.tables import ARROW_SCHEMAS
from lingjun.rules import expr as E
from lingjun.rules.errors import RulesError, names
from lingjun.rules.policy import Policy

#: decimal facts (万元, persons) become integers of 1/10000: BIGINT arithmetic is exact and fast
UNIT = 10_000
#: the registration date's year and month·100+day, computed once per enterprise in the facts
#: stage (ages and actual periods read them in dozens of criteria)
REG_YEAR, REG_MMDD = "lj_reg_year", "lj_reg_mmdd"
_IP_CLASSES = {"I": schema.IP_CLASS_I, "II": schema.IP_CLASS_II}
#: the words of "some row may count" bits of the uncertain counts: ``lj_open0`` …, 62 bits each
OPEN, OPEN_BITS = "lj_open", 62


@dataclass(frozen=True)
class AnnualFact:
    field: str
    year: int

    @property
    def column(self) -> str:
        return f"a_{self.field}_{self.year}"

    @property
    def label(self) -> str:
        return f"{self.field}[{self.year}]"


@dataclass(frozen=True)
class CountFact:
    table: str
    filters: tuple[tuple[str, Any], ...]  # parameters already bound to values


@dataclass(frozen=True)
class InputFact:
    policy: str
    name: str


@dataclass
class FactSet:
    """The facts of one run: column names, and which facts can be missing (null)."""

    year: int
    as_of: date
    enterprise: set[str]
    annual: set[AnnualFact]
    counts: dict[CountFact, str]
    inputs: dict[InputFact, str]

    @classmethod
    def empty(cls, year: int, as_of: date) -> FactSet:
        return cls(year, as_of, set(), set(), {}, {})

    def count_column(self, fact: CountFact) -> str:
        if fact not in self.counts:
            self.counts[fact] = f"n_{len(self.counts)}"
        return self.counts[fact]

    def uncertain(self) -> list[CountFact]:
        """The counts a row with an empty attribute may join, in a stable order."""
        return [f for f in self.counts if uncertain_fields(f)]

    def open_bits(self) -> dict[str, tuple[str, int]]:
        """Count column → where its "some row may count" flag is (word column, bit), for every
        uncertain count."""
        return {
            self.counts[f]: (f"{OPEN}{k // OPEN_BITS}", k % OPEN_BITS) for k, f in enumerate(self.uncertain())
        }

    def open_bit(self, fact: CountFact) -> tuple[str, int] | None:
        """(word column, bit) of an uncertain count's flag; None for a certain count."""
        return self.open_bits().get(self.counts[fact])

    def input_column(self, fact: InputFact) -> str:
        if fact not in self.inputs:
            self.inputs[fact] = f"in_{len(self.inputs)}"
        return self.inputs[fact]

    def nullable(self) -> list[tuple[str, str]]:
        """(column, missing-field name) of every fact that can be null, in a stable order."""
        out = [(f, f) for f in sorted(self.enterprise)]
        out += [(a.column, a.label) for a in sorted(self.annual, key=lambda a: (a.field, a.year))]
        out += [(col, f"input.{f.name}") for f, col in self.inputs.items()]
        return out

    def open_names(self) -> dict[str, list[tuple[str, str]]]:
        """Per open word, in bit order: (count column, missing-field name) of its uncertain counts,
        named ``table:field,…`` after the attributes whose emptiness leaves them open. The words
        are the result's masks of these facts, as they are (the ``miss`` masks hold the others)."""
        out: dict[str, list[tuple[str, str]]] = {}
        bits = self.open_bits()
        for f in self.uncertain():
            word, _ = bits[self.counts[f]]
            out.setdefault(word, []).append((self.counts[f], f"{f.table}:{','.join(uncertain_fields(f))}"))
        return out


def open_flag(t: ir.Table, where: tuple[str, int]) -> ir.BooleanValue:
    """Whether an uncertain count is open (some row may count): its bit of the word column."""
    column, bit = where
    return (t[column] & ibis.literal(1 << bit, "int64")) != 0


def _year_filtered(table: str, filters: Mapping[str, Any]) -> bool:
    """Whether a count keeps rows by their year (awards, standards and projects up to the
    application year always; other lists with ``since``/``until``)."""
    return table in ("awards", "standards", "projects") or "since" in filters or "until" in filters


#: the attribute each filter reads, where it is not the filter's own name (``kind`` …)
_FILTER_COLUMNS = {
    ("ip", "ip_class"): "kind",
    ("awards", "max_rank"): "rank",
    ("awards", "min_prize"): "prize",
    ("financing", "min_amount"): "amount",
    ("financing", "min_daily_avg_balance"): "daily_avg_balance_12m",
}
_SECTIONS = {s.key: s for s in schema.LIST_SECTIONS}


@functools.cache
def uncertain_fields(fact: CountFact) -> tuple[str, ...]:
    """The attributes a count's filter reads that a row may leave empty (sorted): a row with one of
    them empty may or may not count. Validity dates are not among them: an empty start or end
    date means "not limited" (a patent without an expiry date is valid)."""
    section = _SECTIONS.get(fact.table)
    if section is None:  # credit events: kind and year always known
        return ()
    f = dict(fact.filters)
    read = {
        _FILTER_COLUMNS.get((fact.table, key), key) for key in f if key not in ("since", "until", "valid")
    }
    if _year_filtered(fact.table, f):
        read.add("date" if fact.table == "financing" else "year")
    names = set(section.field_names)
    return tuple(sorted(c for c in read if c in names and not section.field(c).required))


def bind_filters(node: E.Count, params: Mapping[str, Any]) -> CountFact:
    return CountFact(
        node.table, tuple((k, params[v.name] if isinstance(v, E.ParamRef) else v) for k, v in node.filters)
    )


def collect(policy: Policy, params: Mapping[str, Any], facts: FactSet) -> None:
    """Add the facts that ``policy`` reads to ``facts``."""
    nodes: list[E.Node] = [c.test for c in policy.criteria]
    nodes += (
        [m.expr for m in policy.metrics]
        + [i.points for i in policy.indicators]
        + [b.of for b in policy.bands]
    )
    y = facts.year
    for root in nodes:
        for n in E.walk(root):
            if isinstance(n, E.EntField):
                facts.enterprise.add(n.name)
            elif isinstance(n, E.AnnualAt):
                facts.annual.add(AnnualFact(n.field, y + n.offset))
            elif isinstance(n, E.YearsAgg | E.Cagr):
                facts.annual.update(AnnualFact(n.field, y + k) for k in range(n.since, n.until + 1))
                facts.enterprise.add("registered_on")
            elif isinstance(n, E.HnteGrowth):
                facts.annual.update(AnnualFact(n.field, y + k) for k in (-3, -2, -1))
                facts.enterprise.add("registered_on")
            elif isinstance(n, E.AgeYears):
                facts.enterprise.add("registered_on")
            elif isinstance(n, E.Count):
                facts.count_column(bind_filters(n, params))
            elif isinstance(n, E.InputRef):
                facts.input_column(InputFact(policy.id, n.name))


# --- building the table -----------------------------------------------------------------------


def check_tables(tables: Mapping[str, ir.Table]) -> None:
    for name, arrow_schema in ARROW_SCHEMAS.items():
        if name not in tables:
            raise RulesError("missing_table", table=name, allowed=names(ARROW_SCHEMAS))
        have = set(tables[name].columns)
        for col in arrow_schema.names:
            if col not in have:
                raise RulesError("missing_column", table=name, column=col)


def _annual_value(t: ir.Table, name: str) -> ir.Value:
    if name == "sales_revenue":  # data dictionary: null sales revenue equals operating revenue
        return t.sales_revenue.coalesce(t.operating_revenue)
    if name == "net_assets":
        return t.total_assets - t.total_liabilities
    return t[name]


def units(value: ir.Value) -> ir.Value:
    """A decimal amount as an integer of 1/10000 (exact; amounts ≥ 10¹⁴ 万元 overflow loudly).

    The table form's amounts are DECIMAL(18,4) already (64-bit in every engine); the cast keeps
    other sources (a PostgreSQL NUMERIC, an input column) on the same 64-bit path, as a direct
    DECIMAL(20,4) → BIGINT cast is some 20× slower in DuckDB.
    """
    return (value.cast(dt.Decimal(18, 4)) * UNIT).cast("int64")


def _in(col: ir.Value, values: Sequence[str]) -> ir.BooleanValue:
    return col.isin(list(values))


def _year_range(col: ir.IntegerValue, filters: Mapping[str, Any], y: int) -> list[ir.BooleanValue]:
    out = []
    if "since" in filters:
        out.append(col >= y + filters["since"])
    out.append(col <= y + filters.get("until", 0))
    return out


def _valid_on(start: ir.Value, end: ir.Value, on: date) -> ir.BooleanValue:
    day = ibis.literal(on)
    return (start.isnull() | (start <= day)) & (end.isnull() | (end >= day))


def count_filter(t: ir.Table, fact: CountFact, y: int, on: date) -> ir.BooleanValue:
    """The row filter of a count, as an Ibis predicate over the list table ``t``: true for the rows
    that count, null for those that may (an attribute of :func:`uncertain_fields` empty)."""
    f = dict(fact.filters)
    conds: list[ir.BooleanValue] = []
    for key in ("kind", "level", "role", "acquired_by"):
        if key in f:
            conds.append(_in(t[key], f[key]))
    if fact.table == "ip":
        if "ip_class" in f:
            conds.append(_in(t.kind, _IP_CLASSES[f["ip_class"]]))
        if "core" in f:
            conds.append(t.core == f["core"])
        valid = t.valid.coalesce(True) & _valid_on(t.granted_on, t.expires_on, on)
        conds.append(valid if f.get("valid", True) else ~valid)
    elif fact.table == "qualifications":
        valid = _valid_on(t.issued_on, t.expires_on, on)
        conds.append(valid if f.get("valid", True) else ~valid)
    elif fact.table == "awards":
        if "max_rank" in f:
            conds.append(t["rank"] <= f["max_rank"])
        if "min_prize" in f:
            conds.append(_in(t.prize, E.PRIZE_ORDER[: E.PRIZE_ORDER.index(f["min_prize"]) + 1]))
    elif fact.table == "financing":
        if "min_amount" in f:
            conds.append(units(t.amount) >= int(Decimal(f["min_amount"]) * UNIT))
        if "low_risk" in f:
            conds.append(t.low_risk == f["low_risk"])
        if "min_daily_avg_balance" in f:
            conds.append(units(t.daily_avg_balance_12m) >= int(Decimal(f["min_daily_avg_balance"]) * UNIT))
    if fact.table == "financing":
        conds += _year_range(t.date.year(), f, y) if _year_filtered(fact.table, f) else []
    elif "year" in t.columns and _year_filtered(fact.table, f):
        conds += _year_range(t.year, f, y)
    out: ir.BooleanValue = ibis.literal(True)
    for c in conds:
        out = out & c
    return out


def build_facts(
    tables: Mapping[str, ir.Table],
    facts: FactSet,
    inputs: ir.Table | None,
    *,
    strategy: str = "join",
) -> ir.Table:
    """One row per enterprise with a column per fact.

    ``join``: one ``group_by`` per source table (the annual values pivoted by year, the counts of
    each list); the pivot is left-joined onto the enterprise table, and the per-list counts,
    each padded to all count columns, are stacked with one ``UNION ALL`` and joined once. Every
    join copies the columns gathered so far, so one join of the stacked counts costs far less
    than one join per list (on DuckDB about a fifth of the whole run).
    ``union``: every source row projected onto all fact columns, one ``UNION ALL``, one
    ``group_by``, one join (fewer stages: faster on Spark, where each shuffle costs a stage).
    """
    ent = tables["enterprise"]
    derived: dict[str, ir.Value] = {}
    if "registered_on" in facts.enterprise:
        reg = ent.registered_on
        derived[REG_YEAR] = reg.year().cast("int64")
        derived[REG_MMDD] = (reg.month() * 100 + reg.day()).cast("int64")
    out = ent.select("uscc", *sorted(facts.enterprise), **derived)
    flags = strategy == "union"  # Spark, whose Ibis backend has no bit_or: open flags packed after
    parts = _fact_parts(tables, facts, flags=flags)
    if strategy == "union" and len(parts) > 1:
        columns = {col: agg for _, aggs in parts for col, (_, agg) in aggs.items()}
        types = {col: expr.type() for _, aggs in parts for col, (expr, _) in aggs.items()}
        projected = []
        for t, aggs in parts:
            row = {"uscc": t.uscc}
            for col in columns:
                row[col] = aggs[col][0] if col in aggs else ibis.null(types[col])
            projected.append(t.select(**row))
        union = ibis.union(*projected, distinct=False)
        agg = union.group_by("uscc").aggregate(
            **{col: (union[col].max() if how == "max" else union[col].sum()) for col, how in columns.items()}
        )
        out = _join(out, agg)
    else:
        counted: list[ir.Table] = []
        for t, aggs in _fact_parts(tables, facts, filtered=True, flags=flags):
            agg = t.group_by("uscc").aggregate(**{col: e for col, (e, _) in aggs.items()})
            if all(how == "max" for _, how in aggs.values()):  # the annual values by year
                out = _join(out, agg)
            else:
                counted.append(agg)
        out = _join_stacked(out, counted)
    if flags:
        out = _pack_open(out, facts)
    counts = [col for _, aggs in parts for col, (_, how) in aggs.items() if how in ("sum", "bit_or")]
    counts += [w for w in sorted({w for w, _ in facts.open_bits().values()}) if w not in counts]
    if counts:
        out = out.mutate(**{col: out[col].coalesce(0).cast("int64") for col in counts})
    if facts.inputs and inputs is not None:
        out = _join(out, inputs)
    return out


def _fact_parts(
    tables: Mapping[str, ir.Table], facts: FactSet, *, filtered: bool = False, flags: bool = False
) -> list[tuple[ir.Table, dict[str, tuple[ir.Value, str]]]]:
    """Per source table: the fact columns it yields, as (expression, "max" | "sum" | "bit_or").

    With ``filtered`` the expressions are already aggregates (``max(x) FILTER (…)``,
    ``count(*) FILTER (…)``, the open words as ``bit_or`` of each row's bits) for the join
    strategy; otherwise they are row expressions to be aggregated after the union, the open flags
    one column per uncertain count (``flags``; :func:`_pack_open` makes the words: Spark has no
    ``bit_or`` in Ibis).
    """
    y, on = facts.year, facts.as_of
    parts: list[tuple[ir.Table, dict[str, tuple[ir.Value, str]]]] = []
    if facts.annual:
        annual = tables["annual"]
        annual = annual.filter(annual.year.isin(sorted({a.year for a in facts.annual})))
        fields = sorted({a.field for a in facts.annual})
        # filtered: amounts converted to units after the pivot, a third fewer values to convert
        amounts = {f: _annual_value(annual, f) for f in fields}
        annual = annual.select(
            "uscc", "year", **(amounts if filtered else {f: units(v) for f, v in amounts.items()})
        )
        cols: dict[str, tuple[ir.Value, str]] = {}
        for a in sorted(facts.annual, key=lambda a: a.column):
            value, this_year = annual[a.field], annual.year == a.year
            if filtered:
                cols[a.column] = (units(value.max(where=this_year)), "max")
            else:
                cols[a.column] = (ibis.ifelse(this_year, value, ibis.null("int64")), "max")
        parts.append((annual, cols))
    by_table: dict[str, list[tuple[CountFact, str]]] = {}
    for fact, col in facts.counts.items():
        by_table.setdefault(fact.table, []).append((fact, col))
    for table_name, items in sorted(by_table.items()):
        t = tables[table_name]
        counts: dict[str, tuple[ir.Value, str]] = {}
        one, zero = ibis.literal(1, "int64"), ibis.literal(0, "int64")
        row_bits: dict[str, ir.IntegerValue] = {}  # open word → this row's bits
        for fact, col in items:
            cond = count_filter(t, fact, y, on)
            counts[col] = (t.count(where=cond) if filtered else ibis.ifelse(cond, one, zero), "sum")
            where = facts.open_bit(fact)
            if where is None:
                continue
            if flags:
                flag = ibis.ifelse(cond.isnull(), one, zero)
                counts[f"{col}_open"] = (flag.max() if filtered else flag, "max")
            else:
                bit = ibis.ifelse(cond.isnull(), ibis.literal(1 << where[1], "int64"), zero)
                row_bits[where[0]] = row_bits[where[0]] + bit if where[0] in row_bits else bit
        for word, bits in row_bits.items():
            counts[word] = (bits.bit_or() if filtered else bits, "bit_or")
        parts.append((t, counts))
    return parts


def _join_stacked(left: ir.Table, counts: list[ir.Table]) -> ir.Table:
    """Join per-list count tables (one row per ``uscc`` each) onto ``left`` in one join: each is
    padded with nulls to every count column, stacked, and reduced to one row per ``uscc``."""
    if len(counts) <= 1:
        return _join(left, counts[0]) if counts else left
    types = {col: t[col].type() for t in counts for col in t.columns if col != "uscc"}
    padded = [
        t.select("uscc", **{col: t[col] if col in t.columns else ibis.null(ty) for col, ty in types.items()})
        for t in counts
    ]
    stacked = ibis.union(*padded, distinct=False)
    return _join(
        left,
        stacked.group_by("uscc").aggregate(
            **{col: stacked[col].bit_or() if col.startswith(OPEN) else stacked[col].max() for col in types}
        ),
    )


def _pack_open(t: ir.Table, facts: FactSet) -> ir.Table:
    """The union strategy's per-count open flags (``n_3_open``, 0/1) packed into the open words."""
    words: dict[str, ir.IntegerValue] = {}
    for col, (word, bit) in facts.open_bits().items():
        flag = t[f"{col}_open"].coalesce(0) * ibis.literal(1 << bit, "int64")
        words[word] = words[word] + flag if word in words else flag
    return t.mutate(**words).drop(*[f"{col}_open" for col in facts.open_bits()]) if words else t


def _join(left: ir.Table, right: ir.Table) -> ir.Table:
    return left.left_join(right, "uscc").drop("uscc_right")
