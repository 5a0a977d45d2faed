"""Fixes: the changes to a dossier (or to the policy inputs) that close a gap, and applying them.

A :class:`Fix` is what a gap says must change; :func:`apply_fixes` makes the what-if dossier ("if the
enterprise closed its gaps"), which the property test evaluates again to check that closing exactly the
listed gaps makes the dossier pass.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


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
