"""The plan of a run (评价计划): what every column of the engine's result means.

A run's single query (:func:`lingjun.rules.evaluation.build_query`) comes with its plan: per
policy, the column of the overall result, and per criterion, indicator, metric and band the
columns that hold it and how to read them back (:class:`ValueSpec`). The records, the wide Arrow
table, the reference evaluator and an explanation page all read results through these types, so
they live here, below every module that builds or reads them (no import cycle in
:mod:`lingjun.rules`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from lingjun.rules.facts import FactSet
from lingjun.rules.policy import Criterion, Policy

if TYPE_CHECKING:
    from lingjun.rules.spec import RunSpec


@dataclass(frozen=True)
class ValueSpec:
    """How a displayed number is stored: exact ``n/d`` columns, or a compound growth ``x0, x1``."""

    kind: str  # "num" | "root" | "raw"
    columns: tuple[str, ...]
    periods: int = 0
    k: Fraction = Fraction(1)  # a number is n / (d · k)
    approx: str | None = None  # a stage column with n/(d·k) as a double (128-bit n/d only)


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
    _labels: dict[str, str] = field(default_factory=dict, repr=False)

    def label(self, criterion: Criterion) -> str:
        """A criterion's label with this run's parameter values (a what-if's threshold shows),
        worked out once per plan, as every record reads it."""
        if criterion.id not in self._labels:
            self._labels[criterion.id] = criterion.label_with(self.params)
        return self._labels[criterion.id]

    def band_letters(self, band_id: str) -> list[str | None]:
        """The letters of a band's scale rows, in row order (a what-if may change the scale);
        worked out once per plan, as every record reads them."""
        if band_id not in self._letters:
            band = next(b for b in self.policy.bands if b.id == band_id)
            self._letters[band_id] = [x.band for x in self.params[band.scale].brackets]
        return self._letters[band_id]


@dataclass
class Query:
    """The SQL of a run (flat stages as CTEs), its result schema, and what each column means."""

    sql: str
    schema: pa.Schema
    backend: Any
    plans: list[PolicyPlan]
    facts: FactSet
    mask_columns: list[tuple[str, list[tuple[str, str]]]]  # (mask column, [(fact column, name) per bit])
    #: the run it was built for
    spec: RunSpec


__all__ = ["CriterionPlan", "PolicyPlan", "Query", "ValueSpec"]
