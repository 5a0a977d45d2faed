"""One policy over the pool: :class:`PolicyGaps`, every enterprise's gaps to that policy.

The leaves' distances are computed for all rows at once (:mod:`~lingjun.rules.gaps.distances`);
per mandatory criterion the tree of alternatives is then costed — ``all`` sums its children, ``any``
takes the cheapest branch (an alternative: exact first, then fewest gaps, then the nearest) — giving
per row the criteria not met, the gaps that cannot be quantified and the total normalised distance.
The gap lists themselves are made only for the rows someone reads (:meth:`PolicyGaps.gaps`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa

from lingjun.rules.gaps.describe import gap_of, missing_name
from lingjun.rules.gaps.distances import LeafState, _bools, leaf_state, points
from lingjun.rules.gaps.flatten import Flat, Node, _leaf_ids
from lingjun.rules.gaps.kinds import GROWTH, RATIO, SHORTFALL, Gap
from lingjun.rules.gaps.leaves import Leaf, _leaf
from lingjun.rules.plan import PolicyPlan


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
            self.leaves[cid] = leaf_state(leaves[cid], table, pending, plan, self.policy)
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

    # -- per leaf, vectorised (lingjun.rules.gaps.distances)
    def _state(self, leaf: Leaf, t: pa.Table, pending: dict[tuple[str, int], np.ndarray]) -> LeafState:
        return leaf_state(leaf, t, pending, self.plan, self.policy)

    def _passes(self, node: Node) -> np.ndarray:
        if node.kind == "leaf":
            return self.leaves[node.cid].passes
        parts = [self._passes(c) for c in node.children]
        out = parts[0].copy()
        for p in parts[1:]:
            out = (out & p) if node.kind == "all" else (out | p)
        return out

    def _points(self, spec: Any) -> np.ndarray:
        return points(self._table, spec)

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
        return missing_name(self.policy, name)

    def _gap(self, cid: str, st: LeafState, row: int, missing_cols: dict[str, str]) -> Gap:
        return gap_of(self.policy, self.plan, self.year, self.as_of, self._table, cid, st, row, missing_cols)

    def gap_arrays(self) -> dict[str, np.ndarray]:
        return {
            "passes": self.passes,
            "failed": self.failed,
            "inexact": self.inexact,
            "distance": self.distance,
        }
