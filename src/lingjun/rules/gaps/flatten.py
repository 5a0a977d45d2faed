"""Flattening: every comparison inside a composite criterion becomes a criterion of its own.

Every policy is *flattened* once — each comparison inside a composite criterion (``all_of``,
``any_of``, ``and``, ``or``, references to other criteria) becomes a criterion of its own (not
mandatory), so the engine's single query computes, for every comparison, its left side (exact
``n/d``), its operator and its right side, exactly as it decides the criterion. The original
mandatory criteria are kept as trees of alternatives (:class:`Node`) over those leaves.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from lingjun.rules import expr as E
from lingjun.rules.policy import Criterion, Policy


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
