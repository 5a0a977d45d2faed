"""Distances to a policy and the next rung of the ladder (培育差距), for a whole pool at once.

For every enterprise and a target policy the engine says, per criterion that fails or cannot be
decided, what is missing *in the dossier's own terms*:

* a comparison ``metric op threshold`` of an amount: the shortfall (``上年营业收入 8 万元，需达到
  10 万元：需再增加 2 万元``);
* a ratio (``rd / revenue >= t``): the numerator needed at the current denominator (``研发投入强度
  2.1%，需 2.5%：按营业收入约需再增加研发费用 25 万元``);
* a compound growth rate: the last year's value it takes;
* a count: how many more rows of the list (``再需 1 项Ⅰ类知识产权``);
* missing data: which figures (``需补充 营业收入（2025年）``);
* a score: the points missing and the indicator with the most room (the cheapest to raise);
* an alternative (``any_of``, ``or``): the cheapest branch;
* anything else (an age, a date, a past misconduct) is said to be 不可量化.

How: every policy is *flattened* once — each comparison inside a composite criterion becomes a
criterion of its own (not mandatory), so the engine's single query computes, for every
comparison, its left side (exact ``n/d``), its operator and its right side, exactly as it decides
the criterion. The distances are then derived from those columns with vectorised NumPy, one array
operation per comparison for the whole pool (never a Python loop per enterprise); the Chinese texts
are made only for the enterprises someone reads (:meth:`PolicyGaps.gaps`).

Each gap carries its *fixes* (:class:`Fix`): the changes to the dossier (or the policy inputs) that
close it; :func:`apply_fixes` applies them, and the property test checks that closing exactly the
listed gaps makes the dossier pass. A gap without exact fixes (``exact`` false) is listed honestly.

Ladder (:data:`RUNGS`): 科技型中小企业 → 雏鹰 → 高新技术企业 → 瞪羚 → 科技领军培育 → 科技领军; an enterprise's
next rung is the lowest one above the highest it holds or passes.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lingjun.dossier import schema
from lingjun.rules import expr as E
from lingjun.rules.explain import missing_label, number
from lingjun.rules.facts import _IP_CLASSES, UNIT, CountFact, bind_filters
from lingjun.rules.plan import CriterionPlan, PolicyPlan
from lingjun.rules.policy import Criterion, Library, Policy
from lingjun.rules.result import Evaluation

#: the ladder, lowest first: (policy family, tier code, Chinese name)
RUNGS: tuple[tuple[str, str, str], ...] = (
    ("national.tech_sme", "tech_sme", "科技型中小企业"),
    ("tianjin.chuying", "chuying", "雏鹰企业"),
    ("national.hnte", "hnte", "高新技术企业"),
    ("tianjin.dengling", "dengling", "瞪羚企业"),
    ("tianjin.lingjun_peiyu", "lingjun_peiyu", "科技领军培育企业"),
    ("tianjin.lingjun", "lingjun", "科技领军企业"),
)
RUNG_CODES = tuple(code for _, code, _ in RUNGS)
RUNG_NAMES = {code: name for _, code, name in RUNGS}
FAMILY_OF = {code: family for family, code, _ in RUNGS}
#: dossier qualifications that mean a rung is held
QUALIFICATION_RUNGS = {"tech_sme": "tech_sme", "hnte": "hnte"}

# --- gap kinds and texts -------------------------------------------------------------------------

SHORTFALL, RATIO, GROWTH, COUNT, MISSING, SCORE, CONDITION, CONFIRM, UNQUANTIFIABLE = (
    "shortfall",
    "ratio",
    "growth",
    "count",
    "missing",
    "score",
    "condition",
    "confirm",
    "unquantifiable",
)
KIND_WORDS = {
    SHORTFALL: "数值差距",
    RATIO: "比例差距",
    GROWTH: "增长差距",
    COUNT: "数量差距",
    MISSING: "需补充数据",
    SCORE: "得分差距",
    CONDITION: "需满足条件",
    CONFIRM: "需经确认",
    UNQUANTIFIABLE: "不可量化",
}

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
_WHOLE_FIELDS = {"employees", "tech_staff"}  # persons: a shortfall is rounded up to whole persons
#: an extra amount of one field is an extra amount of another too (extra R&D is taken as domestic)
COMPANIONS = {"rd_expense": ("rd_expense_domestic",)}


@dataclass(frozen=True)
class Fix:
    """One change to a dossier that closes (part of) a gap.

    ``kind``: ``annual_set`` (field, year) → value; ``annual_add`` (field, year) → amount added;
    ``field`` (name,) → value (an enterprise or credit field); ``rows`` (table, row) → count of
    rows to add; ``input`` (policy id, input) → value.
    """

    kind: str
    target: tuple[Any, ...]
    value: Any


@dataclass(frozen=True)
class Gap:
    criterion: str  # the policy's (mandatory) criterion
    label: str
    kind: str
    text: str
    distance: float  # normalised: 0 … (1 = as far as the threshold itself)
    fixes: tuple[Fix, ...]
    exact: bool  # the fixes close the gap (False: said honestly, not computed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "label": self.label,
            "kind": self.kind,
            "kind_word": KIND_WORDS[self.kind],
            "text": self.text,
            "distance": round(self.distance, 6),
            "exact": self.exact,
        }


# --- flattening --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """A criterion's test as a tree of alternatives: ``leaf`` (a criterion id of the flattened
    policy), ``all`` or ``any`` of children."""

    kind: str
    cid: str = ""
    children: tuple[Node, ...] = ()


@dataclass
class Flat:
    policy: Policy  # the original
    derived: Policy  # every inline comparison a criterion of its own
    trees: dict[str, Node]  # mandatory criterion id → tree
    labels: dict[str, Criterion] = field(default_factory=dict)  # leaf id → the criterion it sits in


_FLAT: dict[int, tuple[Policy, Flat]] = {}


def flatten(policy: Policy) -> Flat:
    """The flattened form of ``policy`` (made once per policy object)."""
    hit = _FLAT.get(id(policy))
    if hit is not None and hit[0] is policy:
        return hit[1]
    criteria: list[Criterion] = []
    trees: dict[str, Node] = {}
    owner: dict[str, Criterion] = {}
    by_id = {c.id: c for c in policy.criteria}
    done: dict[str, Node] = {}

    def tree_of(c: Criterion) -> Node:
        if c.id in done:
            return done[c.id]
        counter = [0]

        def walk(node: E.Node, top: bool) -> Node:
            if isinstance(node, E.Ref) and node.kind == "criterion":
                return tree_of(by_id[node.name])
            if isinstance(node, E.AllOf | E.AnyOf):
                kids = tuple(walk(i, False) for i in node.items)
                return Node("all" if isinstance(node, E.AllOf) else "any", children=kids)
            if top:
                owner[c.id] = c
                return Node("leaf", c.id)
            counter[0] += 1
            leaf = dataclasses.replace(c, id=f"{c.id}__{counter[0]}", test=node, mandatory=False)
            criteria.append(leaf)
            owner[leaf.id] = c
            return Node("leaf", leaf.id)

        t = walk(c.test, True)
        criteria.append(c)
        done[c.id] = t
        return t

    for c in policy.criteria:
        t = tree_of(c)
        if c.mandatory:
            trees[c.id] = t
    seen: set[str] = set()
    ordered = []
    for c in criteria:
        if c.id not in seen:
            seen.add(c.id)
            ordered.append(c)
    derived = dataclasses.replace(policy, criteria=tuple(ordered))
    flat = Flat(policy, derived, trees, owner)
    _FLAT[id(policy)] = (policy, flat)
    return flat


# --- leaves: what a comparison's distance is -----------------------------------------------------


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


# --- vectorised arithmetic ------------------------------------------------------------------------


def _ints(table: pa.Table, name: str) -> tuple[np.ndarray, np.ndarray]:
    """An integer column as int64 values (0 where null) and its validity."""
    col = table[name]
    if pa.types.is_decimal(col.type):
        col = pc.cast(col, pa.int64())
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    valid = np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False), dtype=bool)
    values = np.asarray(pc.fill_null(arr, 0).to_numpy(zero_copy_only=False)).astype(np.int64)
    return values, valid


def _bools(table: pa.Table, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(passes, fails) of a nullable boolean column."""
    arr = table[name].combine_chunks()
    passes = np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)
    fails = np.asarray(pc.fill_null(pc.invert(arr), False).to_numpy(zero_copy_only=False), dtype=bool)
    return passes, fails


def _ceil_div(a: Any, b: Any) -> Any:
    return -((-a) // b)


def _needed(op: str, t_num: np.ndarray | int, t_den: np.ndarray | int, d: np.ndarray | int) -> np.ndarray:
    """The least integer n with ``n / d  op  t_num / t_den`` (ops ≥, >), d and t_den > 0."""
    prod = np.asarray(t_num * d, dtype=np.int64)
    if op == ">=":
        return np.asarray(_ceil_div(prod, t_den), dtype=np.int64)
    return np.asarray(prod // t_den + 1, dtype=np.int64)


def _frac_parts(value: Any) -> tuple[int, int]:
    f = Fraction(value)
    return f.numerator, f.denominator


# --- one policy over the pool ----------------------------------------------------------------------


@dataclass
class LeafState:
    leaf: Leaf
    passes: np.ndarray
    fails: np.ndarray
    unknown: np.ndarray
    exact: np.ndarray  # the fix closes it (per row, where not passing)
    distance: np.ndarray  # normalised, float
    # amounts in the numerator's own units (1/10000 for amounts), per row
    have: np.ndarray | None = None
    needed: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class PolicyGaps:
    """The gaps of every enterprise of the pool to one policy."""

    def __init__(
        self, flat: Flat, plan: PolicyPlan, table: pa.Table, query_masks: Any, year: int, as_of: date
    ):
        self.flat, self.plan, self.year, self.as_of = flat, plan, year, as_of
        self.policy = flat.policy
        self._table = table
        self._masks = query_masks
        n = table.num_rows
        self.n = n
        by_id = {cp.criterion.id: cp for cp in plan.criteria}
        self.leaves: dict[str, LeafState] = {}
        self.passes = _bools(table, plan.result_column)[0]
        pending: dict[tuple[str, int], np.ndarray] = {}  # (field, year) → extra units the fixes add
        leaves = {
            cid: _leaf(cid, flat.labels[cid], by_id[cid], flat.derived, plan.params, year)
            for cid in _leaf_ids(flat.trees.values())
        }
        # amounts first, then growth (on the amounts' fixes), then ratios (on both)
        order = {SHORTFALL: 0, GROWTH: 1, RATIO: 2}
        for cid in sorted(leaves, key=lambda c: order.get(leaves[c].shape, 3)):
            self.leaves[cid] = self._state(leaves[cid], table, pending)
        # per criterion: cost (inexact, failing leaves, distance) and the chosen branches
        self.choice: dict[int, np.ndarray] = {}
        self.failed = np.zeros(n, dtype=np.int32)
        self.inexact = np.zeros(n, dtype=np.int32)
        self.distance = np.zeros(n, dtype=np.float64)
        self.crit_pass: dict[str, np.ndarray] = {}
        for cid, tree in flat.trees.items():
            inexact, count, dist = self._cost(tree)
            # from the leaves: a comparison that passes only before other gaps' fixes counts as open
            ok = self._passes(tree)
            self.crit_pass[cid] = ok
            self.failed += (~ok).astype(np.int32)
            self.inexact += np.where(ok, 0, inexact).astype(np.int32)
            self.distance += np.where(ok, 0.0, dist)

    # -- per leaf, vectorised
    def _state(self, leaf: Leaf, t: pa.Table, pending: dict[tuple[str, int], np.ndarray]) -> LeafState:
        n = t.num_rows
        passes, fails = _bools(t, leaf.plan.column)
        unknown = ~(passes | fails)
        st = LeafState(leaf, passes, fails, unknown, np.zeros(n, dtype=bool), np.ones(n, dtype=np.float64))
        cp = leaf.plan
        if leaf.shape in (CONDITION, CONFIRM):
            st.exact = fails.copy()
            if leaf.shape == CONFIRM:
                st.exact |= unknown  # confirming the input decides it
        elif leaf.shape == COUNT and cp.value is not None:
            have, hv = _ints(t, cp.value.columns[0])
            if cp.threshold_spec is not None:
                return st
            c_num, c_den = _frac_parts(cp.threshold)
            need = np.full(n, int(_needed(leaf.op, c_num, c_den, 1)), dtype=np.int64)
            st.have, st.needed = have, need
            st.exact = fails & hv
            st.distance = np.where(fails, (need - have) / max(float(Fraction(c_num, c_den)), 1.0), 1.0)
        elif leaf.shape == SHORTFALL and cp.value is not None and cp.threshold_spec is None:
            vals, valid = _ints(t, cp.value.columns[0])
            k = cp.value.k  # value = n / k
            assert leaf.num is not None
            tn, td = _frac_parts(Fraction(cp.threshold) * k)  # threshold in n's units
            if leaf.op in (">=", ">"):
                need = np.full(n, int(_needed(leaf.op, tn, td, 1)), dtype=np.int64)
            else:  # ≤ / <: the largest n allowed
                need = np.full(
                    n, tn // td if leaf.op == "<=" else _ceil_div(np.int64(tn), td) - 1, dtype=np.int64
                )
            if leaf.num.field in _WHOLE_FIELDS and k == UNIT:
                need = _ceil_div(need, UNIT) * UNIT if leaf.op in (">=", ">") else (need // UNIT) * UNIT
            st.have, st.needed = vals, need
            st.exact = (fails & valid) | (unknown & ~valid & (len(leaf.num.years) == 1))
            scale = max(abs(float(Fraction(cp.threshold))) * float(k), 1.0)
            st.distance = np.where(fails, np.abs(need - vals) / scale, np.where(unknown, 0.5, 0.0))
            if leaf.op in (">=", ">"):
                key = (leaf.num.field, leaf.num.years[-1])
                delta = np.where(fails & valid, need - vals, 0)
                pending[key] = pending.get(key, 0) + delta
        elif leaf.shape == RATIO and cp.value is not None:
            assert leaf.num is not None and leaf.den is not None
            cols = cp.value.columns
            nv, nvalid = _ints(t, cols[0])
            dv, dvalid = (
                _ints(t, cols[1]) if len(cols) > 1 else (np.ones(n, dtype=np.int64), np.ones(n, dtype=bool))
            )
            kn, kd = _frac_parts(cp.value.k)  # value = n / (d·k)
            if cp.threshold_spec is None:
                tn, td = _frac_parts(cp.threshold)
                t_num: Any = np.full(n, tn, dtype=np.int64)
                t_den: Any = np.full(n, td, dtype=np.int64)
                tvalid = np.ones(n, dtype=bool)
            else:
                tcols = cp.threshold_spec.columns
                t_num, tvalid = _ints(t, tcols[0])
                t_den = np.ones(n, dtype=np.int64)
                if len(tcols) > 1:
                    t_den, tv2 = _ints(t, tcols[1])
                    tvalid &= tv2
                tk_n, tk_d = _frac_parts(cp.threshold_spec.k)
                t_num, t_den = t_num * tk_d, t_den * tk_n
            # the fixes of amounts already listed move the numerator and the denominator
            add_num = sum(
                (pending.get((leaf.num.field, y), 0) for y in leaf.num.years), np.zeros(n, np.int64)
            )
            add_den = sum(
                (pending.get((leaf.den.field, y), 0) for y in leaf.den.years), np.zeros(n, np.int64)
            )
            d_eff = dv + add_den
            n_eff = nv + add_num
            # n / (d·k) op t  ⇔  n·kd op t·d·kn
            need = _needed(leaf.op, t_num * kn, np.where(t_den == 0, 1, t_den) * kd, d_eff)
            ok_data = nvalid & dvalid & tvalid & (dv > 0)
            st.have, st.needed = n_eff, need
            st.extra["den"] = d_eff
            st.exact = (fails & ok_data) | (passes & (need > n_eff) & ok_data)
            tval = np.where(t_den == 0, 0.0, t_num / np.where(t_den == 0, 1, t_den))
            st.distance = np.where(
                fails & ok_data,
                np.clip((need - nv) / np.maximum(d_eff * tval * kn / kd, 1.0), 0.0, 10.0),
                np.where(unknown, 0.5, 0.0),
            )
            # the ratio's own fix counts for later ratios over the same numerator
            key = (leaf.num.field, leaf.num.years[-1])
            pending[key] = pending.get(key, 0) + np.where(st.exact, np.maximum(need - n_eff, 0), 0)
            for comp in COMPANIONS.get(leaf.num.field, ()):
                ck = (comp, leaf.num.years[-1])
                pending[ck] = pending.get(ck, 0) + np.where(st.exact, np.maximum(need - n_eff, 0), 0)
            # a ratio that passes only before the amounts' fixes fails after them: make it a gap
            moved = passes & (need > n_eff) & ok_data
            st.fails = fails | moved
            st.passes = passes & ~moved
        elif leaf.shape == GROWTH and cp.value is not None and cp.threshold_spec is None:
            assert leaf.num is not None and leaf.den is not None
            x0, v0 = _ints(t, cp.value.columns[0])
            x1, v1 = _ints(t, cp.value.columns[1])
            x0 = x0 + pending.get((leaf.den.field, leaf.den.years[0]), 0)
            factor = (1 + Fraction(cp.threshold)) ** leaf.periods
            need = _needed(leaf.op, factor.numerator, factor.denominator, x0)
            ok_data = v0 & v1 & (x0 > 0)
            st.have, st.needed = x1, need
            st.exact = (fails | (passes & (need > x1))) & ok_data
            st.distance = np.where(
                fails & ok_data, (need - x1) / np.maximum(need, 1), np.where(unknown, 0.5, 0.0)
            )
            key = (leaf.num.field, leaf.num.years[0])
            pending[key] = pending.get(key, 0) + np.where(st.exact, np.maximum(need - x1, 0), 0)
            moved = passes & (need > x1) & ok_data
            st.fails, st.passes = fails | moved, passes & ~moved
        elif leaf.shape == SCORE and self.plan.score is not None:
            score = self._points(self.plan.score)
            inds = {iid: self._points(spec) for iid, spec in self.plan.indicators.items()}
            thr = Fraction(cp.threshold) if cp.threshold_spec is None else None
            if thr is None:
                return st
            gap = np.where(fails, float(thr) - score, 0.0)
            st.extra["score"], st.extra["indicators"], st.extra["threshold"] = score, inds, thr
            inputs_only = all(isinstance(i.points, E.InputRef) for i in self.policy.indicators)
            room = sum(
                (
                    np.maximum(float(i.max) - np.nan_to_num(inds[i.id], nan=0.0), 0.0)
                    for i in self.policy.indicators
                ),
                np.zeros(n),
            )
            st.exact = fails & inputs_only & (room > gap) & ~np.isnan(score)
            st.distance = np.where(fails, gap / max(float(thr), 1.0), np.where(unknown, 0.5, 0.0))
        if leaf.shape == UNQUANTIFIABLE:
            st.distance = np.ones(n)
        return st

    def _passes(self, node: Node) -> np.ndarray:
        if node.kind == "leaf":
            return self.leaves[node.cid].passes
        parts = [self._passes(c) for c in node.children]
        out = parts[0].copy()
        for p in parts[1:]:
            out = (out & p) if node.kind == "all" else (out | p)
        return out

    def _points(self, spec: Any) -> np.ndarray:
        from lingjun.rules.result import value_array

        arr = value_array(self._table, spec)
        assert arr is not None
        a = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        return np.asarray(pc.cast(a, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)

    def _cost(self, node: Node) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per row: (inexact leaves, failing leaves, distance) of closing ``node``'s gaps."""
        if node.kind == "leaf":
            st = self.leaves[node.cid]
            open_ = ~st.passes
            return (
                (open_ & ~st.exact).astype(np.int32),
                open_.astype(np.int32),
                np.where(open_, st.distance, 0.0),
            )
        parts = [self._cost(c) for c in node.children]
        if node.kind == "all":
            return (
                sum((p[0] for p in parts), np.zeros(self.n, np.int32)),
                sum((p[1] for p in parts), np.zeros(self.n, np.int32)),
                sum((p[2] for p in parts), np.zeros(self.n)),
            )
        # any: the cheapest branch — exact first, then fewest gaps, then the nearest
        key = np.stack([p[0] * 1e6 + p[1] * 1e3 + np.minimum(p[2], 999.0) for p in parts])
        best = np.argmin(key, axis=0)
        self.choice[id(node)] = best
        rows = np.arange(self.n)
        return (
            np.stack([p[0] for p in parts])[best, rows],
            np.stack([p[1] for p in parts])[best, rows],
            np.stack([p[2] for p in parts])[best, rows],
        )

    # -- per enterprise (only for those someone reads)
    def gaps(self, row: int) -> list[Gap]:
        """The gap list of the enterprise in ``row``: one or more gaps per criterion it does not pass."""
        out: list[Gap] = []
        missing = None
        for cid, tree in self.flat.trees.items():
            if self.crit_pass[cid][row]:
                continue
            for leaf_id in self._chosen(tree, row):
                st = self.leaves[leaf_id]
                if st.passes[row]:
                    continue
                if missing is None:
                    missing = self._missing(row)
                out.append(self._gap(cid, st, row, missing))
        return out

    def _chosen(self, node: Node, row: int) -> list[str]:
        if node.kind == "leaf":
            return [node.cid]
        if node.kind == "any":
            return self._chosen(node.children[int(self.choice[id(node)][row])], row)
        return [cid for c in node.children for cid in self._chosen(c, row)]

    def _missing(self, row: int) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, chunk in self._masks:
            mask = self._table[name][row].as_py()
            if mask:
                for bit, (col, label) in enumerate(chunk):
                    if mask >> bit & 1:
                        out[col] = label
        return out

    def _missing_label(self, name: str) -> str:
        """A missing fact's name; a policy input by its label (专家评分 …), not its code."""
        if name.startswith("input.") and name[6:] in self.policy.inputs:
            return self.policy.inputs[name[6:]].label
        return missing_label(name)

    def _gap(self, cid: str, st: LeafState, row: int, missing_cols: dict[str, str]) -> Gap:
        leaf = st.leaf
        crit = self.policy.criterion(cid)
        owner = leaf.owner
        label = owner.label_with(self.plan.params)  # the run's thresholds
        measure = leaf.plan.criterion.measure or owner.measure or label
        unit = leaf.plan.criterion.unit or owner.unit
        exact = bool(st.exact[row])
        dist = float(st.distance[row])
        fixes: tuple[Fix, ...] = ()
        y = self.year
        if st.unknown[row] and leaf.shape not in (CONFIRM,) and not (st.fails[row]):
            names = sorted({missing_cols[f] for f in leaf.plan.facts if f in missing_cols})
            miss = "、".join(self._missing_label(m) for m in names) or "相关数据"
            if leaf.shape == SHORTFALL and exact and leaf.num is not None and st.needed is not None:
                need = int(st.needed[row])
                fixes = (Fix("annual_set", (leaf.num.field, leaf.num.years[0]), _amount(need)),)
                text = T_MISSING_VALUE.format(
                    label=label,
                    missing=miss,
                    cmp=_CMP_WORDS.get(leaf.op, ""),
                    threshold=_show_units(need, unit),
                )
            else:
                exact = False
                text = T_MISSING.format(label=label, missing=miss)
            return Gap(crit.id, label, MISSING, text, dist, fixes, exact)
        shape = leaf.shape
        if shape == CONDITION:
            fname, value = leaf.target
            what = (
                label if leaf.cid == cid else f"{_FIELD_LABELS.get(fname, fname)}为「{_show_value(value)}」"
            )
            fix = Fix("field", (fname,), value)
            return Gap(crit.id, label, CONDITION, T_CONDITION.format(label=what), 1.0, (fix,), exact)
        if shape == CONFIRM:
            name, value = leaf.target
            # what must be confirmed is what the criterion asks (``input.prohibited_sector == False``:
            # 产品和服务不属于…), not the input's own wording (属于…)
            fix = Fix("input", (self.policy.id, name), value)
            return Gap(crit.id, label, CONFIRM, T_CONFIRM.format(label=label), 1.0, (fix,), True)
        if shape == COUNT and st.have is not None and st.needed is not None and leaf.count is not None:
            have, need = int(st.have[row]), int(st.needed[row])
            row_ = count_row(leaf.count, y, self.as_of)
            text = T_COUNT.format(label=label, have=have, need=need - have, what=count_words(leaf.count))
            return Gap(
                crit.id,
                label,
                COUNT,
                text,
                dist,
                (Fix("rows", (leaf.count.table, row_), need - have),),
                exact,
            )
        if shape == SHORTFALL and st.have is not None and st.needed is not None and leaf.num is not None:
            have, need = int(st.have[row]), int(st.needed[row])
            words = {
                "measure": measure,
                "value": _show_units(have, unit),
                "cmp": _CMP_WORDS[leaf.op],
                "threshold": _show_units(_threshold_units(leaf), unit),
                "delta": _show_units(abs(need - have), _FIELD_UNITS.get(leaf.num.field, unit)),
            }
            text = (T_RAISE if leaf.op in (">=", ">") else T_LOWER).format(**words)
            fix = Fix("annual_set", (leaf.num.field, leaf.num.years[-1]), _amount(need))
            return Gap(crit.id, label, SHORTFALL, text, dist, (fix,), exact)
        if shape == RATIO and st.have is not None and st.needed is not None and leaf.num is not None:
            assert leaf.den is not None
            have, need = int(st.have[row]), int(st.needed[row])
            delta = max(need - have, 0)
            value = leaf.plan.value
            assert value is not None
            ratio = _ratio(self._table, value, row)
            limit = (
                leaf.plan.threshold
                if leaf.plan.threshold_spec is None
                else _ratio(self._table, leaf.plan.threshold_spec, row)
            )
            unit_n = _FIELD_UNITS.get(leaf.num.field, "")
            if leaf.num.field in _WHOLE_FIELDS:
                delta = -(-delta // UNIT) * UNIT
            text = T_RATIO.format(
                measure=measure,
                value=_fmt(ratio, unit),
                cmp=_CMP_WORDS[leaf.op],
                threshold=_fmt(limit, unit),
                den=_term_words(leaf.den),
                num=_FIELD_LABELS.get(leaf.num.field, leaf.num.field),
                delta=_show_units(int(delta), unit_n),
            )
            fixes = (Fix("annual_add", (leaf.num.field, leaf.num.years[-1]), _amount(int(delta))),)
            fixes += tuple(
                Fix("annual_add", (c, leaf.num.years[-1]), _amount(int(delta)))
                for c in COMPANIONS.get(leaf.num.field, ())
            )
            return Gap(crit.id, label, RATIO, text, dist, fixes, exact)
        if shape == GROWTH and st.have is not None and st.needed is not None and leaf.num is not None:
            have, need = int(st.have[row]), int(st.needed[row])
            value = leaf.plan.value
            assert value is not None
            rate = _growth(self._table, value, row)
            text = T_GROWTH.format(
                measure=measure,
                value=_fmt(rate, unit),
                cmp=_CMP_WORDS[leaf.op],
                threshold=_fmt(leaf.plan.threshold, unit),
                target=f"{leaf.num.years[0]}年{_FIELD_LABELS.get(leaf.num.field, leaf.num.field)}",
                needed=_show_units(need, "万元"),
                delta=_show_units(max(need - have, 0), "万元"),
            )
            fix = Fix("annual_add", (leaf.num.field, leaf.num.years[0]), _amount(max(need - have, 0)))
            return Gap(crit.id, label, GROWTH, text, dist, (fix,), exact)
        if shape == SCORE and "score" in st.extra:
            score = float(st.extra["score"][row])
            thr = Fraction(st.extra["threshold"])
            inds = st.extra["indicators"]
            room = []
            for ind in self.policy.indicators:
                cur = inds[ind.id][row]
                cur = 0.0 if np.isnan(cur) else float(cur)
                room.append((float(ind.max) - cur, ind, cur))
            room.sort(key=lambda r: -r[0])
            best_room, best, cur = room[0]
            missing_points = float(thr) - score
            text = T_SCORE.format(
                measure=measure,
                value=_num(score),
                cmp=_CMP_WORDS[leaf.op],
                threshold=_num(float(thr)),
                delta=f"{_num(missing_points)} 分"
                if leaf.op == ">="
                else f"{_num(missing_points)} 分以上（不含）",
                indicator=best.label,
                have=_num(cur),
                max=_num(float(best.max)),
            )
            fixes_l: list[Fix] = []
            if exact:  # raise the indicators with the most room until the gap closes
                left = Fraction(thr) - Fraction(score).limit_denominator(10000)
                for r, ind, c in room:
                    if left < 0 or (left == 0 and leaf.op == ">="):
                        break
                    assert isinstance(ind.points, E.InputRef)
                    add = min(
                        Fraction(r).limit_denominator(10000), left + (Fraction(1, 2) if leaf.op == ">" else 0)
                    )
                    fixes_l.append(
                        Fix("input", (self.policy.id, ind.points.name), Decimal(str(c)) + _dec(add))
                    )
                    left -= add
            return Gap(crit.id, label, SCORE, text, dist, tuple(fixes_l), exact)
        return Gap(crit.id, label, UNQUANTIFIABLE, T_UNQUANTIFIABLE.format(label=label), dist, (), False)

    def gap_arrays(self) -> dict[str, np.ndarray]:
        return {
            "passes": self.passes,
            "failed": self.failed,
            "inexact": self.inexact,
            "distance": self.distance,
        }


def _leaf_ids(trees: Iterable[Node]) -> list[str]:
    out: list[str] = []

    def walk(n: Node) -> None:
        if n.kind == "leaf" and n.cid not in out:
            out.append(n.cid)
        for c in n.children:
            walk(c)

    for t in trees:
        walk(t)
    return out


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


# --- applying fixes (what-if: "if the enterprise closed its gaps") --------------------------------


def apply_fixes(dossier: Mapping[str, Any], fixes: Iterable[Fix]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A copy of the normalised ``dossier`` with ``fixes`` applied, and the policy inputs they set
    (``{"<policy id>.<input>": value}``)."""
    d = copy.deepcopy(dict(dossier))
    inputs: dict[str, Any] = {}
    annual = {r["year"]: r for r in d.setdefault("annual", [])}
    for fx in fixes:
        if fx.kind in ("annual_set", "annual_add"):
            fname, y = fx.target
            row = annual.get(y)
            if row is None:
                row = {"year": y}
                d["annual"].append(row)
                annual[y] = row
            if fx.kind == "annual_set":
                row[fname] = fx.value
            else:
                base = row.get(fname)
                if base is None and fname == "sales_revenue":
                    base = row.get("operating_revenue")
                row[fname] = (base or Decimal(0)) + fx.value
        elif fx.kind == "field":
            (name,) = fx.target
            if name in ("abnormal_operation", "serious_dishonesty"):
                d.setdefault("credit", {})[name] = fx.value
            else:
                d[name] = fx.value
        elif fx.kind == "rows":
            table, row = fx.target
            d.setdefault(table, [])
            d[table] = list(d[table]) + [dict(row) for _ in range(int(fx.value))]
        elif fx.kind == "input":
            pid, name = fx.target
            inputs[f"{pid}.{name}"] = fx.value
    return d, inputs


# --- the ladder over a pool -------------------------------------------------------------------------


@dataclass
class Candidate:
    uscc: str
    row: int
    failed: int
    inexact: int
    distance: float


class Ladder:
    """Next rung and gaps of every enterprise of a pool (see :func:`ladder_gaps`)."""

    def __init__(self, evaluation: Evaluation, flats: Sequence[Flat], held: np.ndarray):
        self.evaluation = evaluation
        t = evaluation.table
        self.table = t
        self.usccs: list[str] = t["uscc"].to_pylist()
        self.index = {u: i for i, u in enumerate(self.usccs)}
        masks = evaluation.query.mask_columns
        self.rungs: dict[str, PolicyGaps] = {}
        for (_, code, _), flat, plan in zip(RUNGS, flats, evaluation.plans, strict=True):
            self.rungs[code] = PolicyGaps(flat, plan, t, masks, evaluation.year, evaluation.as_of)
        n = t.num_rows
        # the highest rung held or passed; next = the one above (len(RUNGS): at the top)
        top = np.full(n, -1, dtype=np.int8)
        for i, code in enumerate(RUNG_CODES):
            reached = self.rungs[code].passes | held[:, i]
            top = np.where(reached, np.int8(i), top)
        self.highest = top
        self.held = held
        self.next = (top + 1).astype(np.int8)

    def next_rung(self, uscc: str) -> str | None:
        i = int(self.next[self.index[uscc]])
        return RUNG_CODES[i] if i < len(RUNG_CODES) else None

    def gaps(self, uscc: str, rung: str | None = None) -> list[Gap]:
        """The gap list of one enterprise to ``rung`` (default: its next rung)."""
        code = rung or self.next_rung(uscc)
        if code is None:
            return []
        return self.rungs[code].gaps(self.index[uscc])

    def ranked(self, rung: str, *, among: Iterable[str] | None = None) -> np.ndarray:
        """Rows of the enterprises whose next rung is ``rung`` (among ``among``, when given),
        nearest first: fewest criteria not met, then fewest gaps that cannot be quantified,
        then the smallest normalised distance (vectorised: no Python loop over the pool)."""
        g = self.rungs[rung]
        want = self.next == RUNG_CODES.index(rung)
        if among is not None:
            sel = np.zeros(len(self.usccs), dtype=bool)
            idx = [self.index[u] for u in among if u in self.index]
            sel[idx] = True
            want &= sel
        rows = np.nonzero(want)[0]
        order = np.lexsort((g.distance[rows], g.inexact[rows], g.failed[rows]))
        return rows[order]

    def candidates(
        self, rung: str, *, among: Iterable[str] | None = None, limit: int | None = None
    ) -> list[Candidate]:
        """:meth:`ranked` as :class:`Candidate` records (the first ``limit``)."""
        g = self.rungs[rung]
        rows = self.ranked(rung, among=among)
        if limit is not None:
            rows = rows[:limit]
        return [
            Candidate(self.usccs[int(r)], int(r), int(g.failed[r]), int(g.inexact[r]), float(g.distance[r]))
            for r in rows
        ]


def ladder_policies(year: int, as_of: date, library: Library | None = None) -> list[Policy]:
    from lingjun.rules.loader import default_library

    lib = library or default_library()
    return [lib.resolve(family, year, as_of) for family, _, _ in RUNGS]


def held_matrix(usccs: Sequence[str], held: Mapping[str, Iterable[str]] | None) -> np.ndarray:
    """Which rungs each enterprise holds (rows of ``usccs``, a column per rung)."""
    out = np.zeros((len(usccs), len(RUNGS)), dtype=bool)
    if held:
        pos = {c: i for i, c in enumerate(RUNG_CODES)}
        index = {u: i for i, u in enumerate(usccs)}
        for uscc, codes in held.items():
            r = index.get(uscc)
            if r is None:
                continue
            for c in codes:
                if c in pos:
                    out[r, pos[c]] = True
    return out


def ladder_gaps(
    *,
    tables: Mapping[str, Any] | None = None,
    dossiers: Iterable[Mapping[str, Any]] | None = None,
    year: int,
    as_of: date,
    held: Mapping[str, Iterable[str]] | None = None,
    inputs: Mapping[str, Any] | None = None,
    inputs_table: Any = None,
    library: Library | None = None,
) -> Ladder:
    """Next rung and gap lists for every enterprise of a pool (Ibis ``tables`` on an engine, or
    normalised ``dossiers`` on DuckDB): one evaluation of the six flattened ladder policies.

    ``held``: uscc → tier codes it holds (入库 records, certificates); ``inputs``: policy inputs
    confirmed for everyone, ``inputs_table`` per enterprise (as :func:`~lingjun.rules.evaluate`).
    """
    from lingjun.rules.evaluation import evaluate
    from lingjun.rules.run import evaluate_dossiers

    spec, flats = ladder_spec(year=year, as_of=as_of, inputs=inputs, library=library)
    dossiers = list(dossiers) if dossiers is not None else None
    if tables is not None:
        ev = evaluate(tables=tables, spec=spec, inputs_table=inputs_table)
    else:
        assert dossiers is not None
        ev = evaluate_dossiers(dossiers, spec=spec, inputs_table=inputs_table)
    usccs = ev.table["uscc"].to_pylist()
    matrix = held_matrix(usccs, held)
    if tables is not None:
        matrix |= held_matrix(usccs, certificates_held(tables, as_of))
    elif dossiers is not None:
        matrix |= held_matrix(usccs, _certificates_in(dossiers, as_of))
    return Ladder(ev, flats, matrix)


def ladder_spec(
    *, year: int, as_of: date, inputs: Mapping[str, Any] | None = None, library: Library | None = None
) -> tuple[Any, list[Flat]]:
    """The run of the ladder (the six flattened policies) and their flattened forms: evaluate the
    spec wherever the pool lives, then ``Ladder(evaluation, flats, held_matrix(...))``."""
    from lingjun.rules.spec import RunSpec

    flats = [flatten(p) for p in ladder_policies(year, as_of, library)]
    spec = RunSpec.of([f.derived for f in flats], year=year, as_of=as_of, inputs=inputs, library=library)
    return spec, flats


def certificates_held(tables: Mapping[str, Any], as_of: date) -> dict[str, list[str]]:
    """Rungs held by a certificate in the dossier (高企证书, 科技型中小企业入库登记编号) valid on
    ``as_of``: one small query on the qualifications table."""
    import ibis

    q = tables["qualifications"]
    day = ibis.literal(as_of)
    kinds = list(QUALIFICATION_RUNGS)
    valid = (
        q.kind.isin(kinds)
        & (q.issued_on.isnull() | (q.issued_on <= day))
        & (q.expires_on.isnull() | (q.expires_on >= day))
    )
    rows = q.filter(valid).select("uscc", "kind").distinct().to_pyarrow()
    out: dict[str, list[str]] = {}
    for uscc, kind in zip(rows["uscc"].to_pylist(), rows["kind"].to_pylist(), strict=True):
        out.setdefault(uscc, []).append(QUALIFICATION_RUNGS[kind])
    return out


def _certificates_in(dossiers: Iterable[Mapping[str, Any]], as_of: date) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for d in dossiers:
        for q in d.get("qualifications") or []:
            if q.get("kind") in QUALIFICATION_RUNGS:
                start, end = q.get("issued_on"), q.get("expires_on")
                if (start is None or start <= as_of) and (end is None or end >= as_of):
                    out.setdefault(d["uscc"], []).append(QUALIFICATION_RUNGS[q["kind"]])
    return out


def policy_gaps(
    *,
    policy: Policy | str,
    dossiers: Iterable[Mapping[str, Any]],
    year: int,
    as_of: date,
    inputs: Mapping[str, Any] | None = None,
    inputs_table: Any = None,
    library: Library | None = None,
) -> tuple[list[str], PolicyGaps]:
    """The gaps of normalised ``dossiers`` to one policy (rows in the returned uscc order)."""
    from lingjun.rules.loader import default_library
    from lingjun.rules.run import evaluate_dossiers
    from lingjun.rules.spec import RunSpec

    lib = library or default_library()
    p = lib.resolve(policy, year, as_of)
    flat = flatten(p)
    spec = RunSpec.of([flat.derived], year=year, as_of=as_of, inputs=inputs, library=library)
    ev = evaluate_dossiers(dossiers, spec=spec, inputs_table=inputs_table)
    g = PolicyGaps(flat, ev.plans[0], ev.table, ev.query.mask_columns, year, as_of)
    return ev.table["uscc"].to_pylist(), g


__all__ = [
    "RUNGS",
    "RUNG_CODES",
    "RUNG_NAMES",
    "Candidate",
    "Fix",
    "Gap",
    "Ladder",
    "PolicyGaps",
    "apply_fixes",
    "count_row",
    "flatten",
    "held_matrix",
    "ladder_gaps",
    "policy_gaps",
]
