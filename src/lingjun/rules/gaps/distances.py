"""Distances per gap kind, for the whole pool at once (vectorised NumPy, no loop per enterprise).

From the engine's columns for each leaf (its left side as exact ``n/d``, its right side, its result)
:func:`leaf_state` derives, one array operation per comparison, what each enterprise has, what it
needs, whether the fix closes the gap exactly, and a normalised distance:

* a comparison ``metric op threshold`` of an amount: the shortfall;
* a ratio (``rd / revenue >= t``): the numerator needed at the current denominator;
* a compound growth rate: the last year's value it takes;
* a count: how many more rows of the list;
* a score: the points missing (exact when the indicators are inputs with room enough).

Amounts come first, then growth rates, then ratios: the later ones see the earlier fixes
(``pending``), so that closing all listed gaps together passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lingjun.rules import expr as E
from lingjun.rules.facts import UNIT
from lingjun.rules.gaps.kinds import (
    _WHOLE_FIELDS,
    COMPANIONS,
    CONDITION,
    CONFIRM,
    COUNT,
    GROWTH,
    RATIO,
    SCORE,
    SHORTFALL,
    UNQUANTIFIABLE,
)
from lingjun.rules.gaps.leaves import Leaf
from lingjun.rules.plan import PolicyPlan
from lingjun.rules.policy import Policy

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


def leaf_state(
    leaf: Leaf, t: pa.Table, pending: dict[tuple[str, int], np.ndarray], plan: PolicyPlan, policy: Policy
) -> LeafState:
    """The distances of one leaf for every row of ``t`` (vectorised), in the order amounts, growth
    rates, ratios: ``pending`` collects the amounts the fixes listed so far add, per (field, year)."""
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
        add_num = sum((pending.get((leaf.num.field, y), 0) for y in leaf.num.years), np.zeros(n, np.int64))
        add_den = sum((pending.get((leaf.den.field, y), 0) for y in leaf.den.years), np.zeros(n, np.int64))
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
    elif leaf.shape == SCORE and plan.score is not None:
        score = points(t, plan.score)
        inds = {iid: points(t, spec) for iid, spec in plan.indicators.items()}
        thr = Fraction(cp.threshold) if cp.threshold_spec is None else None
        if thr is None:
            return st
        gap = np.where(fails, float(thr) - score, 0.0)
        st.extra["score"], st.extra["indicators"], st.extra["threshold"] = score, inds, thr
        inputs_only = all(isinstance(i.points, E.InputRef) for i in policy.indicators)
        room = sum(
            (np.maximum(float(i.max) - np.nan_to_num(inds[i.id], nan=0.0), 0.0) for i in policy.indicators),
            np.zeros(n),
        )
        st.exact = fails & inputs_only & (room > gap) & ~np.isnan(score)
        st.distance = np.where(fails, gap / max(float(thr), 1.0), np.where(unknown, 0.5, 0.0))
    if leaf.shape == UNQUANTIFIABLE:
        st.distance = np.ones(n)
    return st


def points(table: pa.Table, spec: Any) -> np.ndarray:
    """A score's (or an indicator's) points per row as floats (NaN where unknown)."""
    from lingjun.rules.result import value_array

    arr = value_array(table, spec)
    assert arr is not None
    a = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return np.asarray(pc.cast(a, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
