"""Per-record comparison: one policy as a gorules zen-engine decision (JDM expression node).

The policy's criteria are translated from the rules library's expression trees to zen's
expression language, over the same per-enterprise facts the vectorised engine computes. zen has
no three-valued logic (a comparison with a missing value is made false here, since zen raises on
it) and no exact rationals: this is a timing
baseline for per-record evaluation, not a second implementation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from lingjun.rules import expr as E
from lingjun.rules.facts import UNIT, AnnualFact, FactSet, bind_filters
from lingjun.rules.policy import Policy

_OPS = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class ZenTranslator:
    def __init__(self, policy: Policy, params: Mapping[str, Any], facts: FactSet) -> None:
        self.policy, self.params, self.facts = policy, params, facts
        self.ages: dict[str, date] = {}

    def expr(self, n: E.Node) -> str:  # noqa: PLR0911 - one branch per node type
        if isinstance(n, E.Const | E.ParamRef):
            v = self.params[n.name] if isinstance(n, E.ParamRef) else n.value
            if isinstance(v, bool):
                return "true" if v else "false"
            return json.dumps(v, ensure_ascii=False) if isinstance(v, str) else str(v)
        if isinstance(n, E.EntField):
            return n.name
        if isinstance(n, E.AnnualAt):
            col = AnnualFact(n.field, self.facts.year + n.offset).column
            return f"({col} == null ? null : {col} / {UNIT})"
        if isinstance(n, E.Count):
            return self.facts.counts[bind_filters(n, self.params)]
        if isinstance(n, E.YearDate):  # dates are day numbers in the context
            return str(E.year_date(n.which, self.facts.year + n.offset).toordinal())
        if isinstance(n, E.AgeYears):
            assert isinstance(n.at, E.YearDate)
            key = f"age_{n.at.which}_{n.at.offset}".replace("-", "m")
            self.ages[key] = E.year_date(n.at.which, self.facts.year + n.at.offset)
            return key
        if isinstance(n, E.Cmp):  # zen errors on comparisons with null: an unknown counts as false here
            left = self.expr(n.left)
            return f"({left} == null ? false : {left} {_OPS[n.op]} {self.expr(n.right)})"
        if isinstance(n, E.AllOf | E.AnyOf):
            joiner = " and " if isinstance(n, E.AllOf) else " or "
            return "(" + joiner.join(self.expr(i) for i in n.items) + ")"
        if isinstance(n, E.Not):
            return f"(not {self.expr(n.operand)})"
        if isinstance(n, E.Ref) and n.kind == "criterion":
            return f"$.{n.name}"
        raise NotImplementedError(type(n).__name__)

    def decision(self) -> str:
        exprs = [{"id": c.id, "key": c.id, "value": self.expr(c.test)} for c in self.policy.criteria]
        mandatory = " and ".join(f"$.{c.id}" for c in self.policy.criteria if c.mandatory)
        exprs.append({"id": "result", "key": "result", "value": mandatory})
        jdm = {
            "nodes": [
                {"id": "in", "type": "inputNode", "name": "Request", "position": {"x": 0, "y": 0}},
                {
                    "id": "rules",
                    "type": "expressionNode",
                    "name": self.policy.id,
                    "position": {"x": 200, "y": 0},
                    "content": {"expressions": exprs},
                },
                {"id": "out", "type": "outputNode", "name": "Response", "position": {"x": 400, "y": 0}},
            ],
            "edges": [
                {"id": "e1", "sourceId": "in", "targetId": "rules", "type": "edge"},
                {"id": "e2", "sourceId": "rules", "targetId": "out", "type": "edge"},
            ],
        }
        return json.dumps(jdm, ensure_ascii=False)

    def context(self, facts_row: Mapping[str, Any]) -> dict[str, Any]:
        """A zen context from one facts row (dates as day numbers, ages precomputed)."""
        ctx = {k: (v.toordinal() if isinstance(v, date) else v) for k, v in facts_row.items()}
        reg = facts_row.get("registered_on")
        for key, day in self.ages.items():
            ctx[key] = (
                None if reg is None else day.year - reg.year - ((reg.month, reg.day) > (day.month, day.day))
            )
        return ctx
