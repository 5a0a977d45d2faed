"""The result of a run (评价结果): the engine's wide table and what people read from it.

The engine returns exact decimals, nullable booleans and scale rows; :class:`Evaluation` turns
them into result words, displayed values and band letters in Arrow, by the same code for every
engine (:meth:`Evaluation.to_arrow`), and into one record per enterprise and policy
(:meth:`Evaluation.to_records`, :mod:`lingjun.rules.records`).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from lingjun.rules.outcome import FAIL, PASS, UNKNOWN

if TYPE_CHECKING:
    from lingjun.rules.plan import PolicyPlan, Query, ValueSpec
    from lingjun.rules.spec import RunSpec

_WORDS = pa.array([PASS, FAIL, UNKNOWN])  # indices 0, 1, 2 below


def result_words(col: pa.ChunkedArray | pa.Array) -> pa.DictionaryArray:
    """Nullable booleans → ``pass``/``fail``/``unknown`` (dictionary-encoded, built from indices)."""
    b = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    # not(pass) as 0/1, unknown as 2: two kernels on bitmaps, about half the time of two if_else
    indices = pc.fill_null(pc.cast(pc.invert(b), pa.int8()), pa.scalar(2, pa.int8()))
    return pa.DictionaryArray.from_arrays(indices, _WORDS)


def band_array(rows: pa.ChunkedArray | pa.Array, letters: Sequence[str | None]) -> pa.DictionaryArray:
    """Scale rows (0-based, null when unknown) → band letters, dictionary-encoded (no copy of
    strings). A stored run from before bands were rows holds the letters already."""
    r = rows.combine_chunks() if isinstance(rows, pa.ChunkedArray) else rows
    if pa.types.is_string(r.type) or pa.types.is_large_string(r.type):
        return r.dictionary_encode()
    return pa.DictionaryArray.from_arrays(pc.cast(r, pa.int8()), pa.array(list(letters), pa.string()))


def value_array(table: pa.Table, spec: ValueSpec | None) -> pa.Array | None:
    """A displayed value column: whole numbers (counts, points, ages) as the engine's integers,
    other numbers as float64 (from the exact n/d), raw values as they are."""
    if spec is None:
        return None
    cols = [table[c] for c in spec.columns]
    if spec.kind == "raw" or (
        spec.kind == "num" and len(cols) == 1 and spec.k == 1 and pa.types.is_integer(cols[0].type)
    ):
        return cols[0]
    f = [pc.cast(c, pa.float64()) for c in cols]
    if spec.kind == "root":
        ratio = pc.divide(f[1], pc.if_else(pc.greater(f[0], 0.0), f[0], None))
        return pc.subtract(pc.power(ratio, 1.0 / spec.periods), 1.0)
    k = float(spec.k)
    if len(f) == 1:
        return f[0] if k == 1 else pc.divide(f[0], k)
    den = f[1] if k == 1 else pc.multiply(f[1], k)
    return pc.divide(f[0], pc.if_else(pc.equal(den, 0.0), None, den))


_CONVERTERS: ThreadPoolExecutor | None = None


def _converters() -> ThreadPoolExecutor:
    """The threads that convert result columns, kept for the process: Arrow's allocator keeps
    memory per thread, and new threads for every run would leave it behind with the old ones."""
    global _CONVERTERS
    if _CONVERTERS is None:
        _CONVERTERS = ThreadPoolExecutor(max(1, min(pa.cpu_count(), 8)), thread_name_prefix="lingjun-arrow")
    return _CONVERTERS


@dataclass
class Evaluation:
    """The result of one run: a wide Arrow table plus the plan that says what each column means.

    ``table`` (and :meth:`to_arrow`) hold one row per enterprise in the engine's order;
    :meth:`sorted` and :meth:`to_records` are ordered by ``uscc``.
    """

    table: pa.Table
    query: Query
    year: int
    as_of: date
    overrides: dict[str, str]
    engine: str = ""

    @property
    def plans(self) -> list[PolicyPlan]:
        return self.query.plans

    @property
    def spec(self) -> RunSpec:
        """The run this is the result of."""
        return self.query.spec

    def counts(self) -> dict[str, dict[str, int]]:
        """Per policy id: how many enterprises pass, fail and are unknown."""
        out = {}
        for plan in self.plans:
            col = self.table[plan.result_column]
            unknown = col.null_count
            passed = pc.sum(pc.cast(col, pa.int64())).as_py() or 0
            out[plan.policy.id] = {PASS: passed, FAIL: len(col) - unknown - passed, UNKNOWN: unknown}
        return out

    def to_arrow(self) -> pa.Table:
        """Wide table: ``uscc`` and per policy ``<policy>.result``, ``<policy>.<criterion>.result`` …
        (rows in the engine's order, like :attr:`table`).

        Each distinct result column is converted once, in parallel (Arrow's kernels release the
        GIL); a column that several outputs share (the same criterion in several policies) is one
        array in the wide table too.
        """
        t = self.table
        names: list[str] = ["uscc"]
        sources: list[tuple[str, Any]] = [("same", "uscc")]  # per output: how to make it

        def add(name: str, how: str, what: Any) -> None:
            names.append(name)
            sources.append((how, what))

        for plan in self.plans:
            pid = plan.policy.id
            add(f"{pid}.result", "words", plan.result_column)
            if plan.score is not None:
                add(f"{pid}.score", "value", plan.score)
            for iid, spec in plan.indicators.items():
                add(f"{pid}.indicator.{iid}", "value", spec)
            for mid, spec in plan.metrics.items():
                add(f"{pid}.metric.{mid}", "value", spec)
            for bid, col in plan.bands.items():
                add(f"{pid}.band.{bid}", "band", (col, tuple(plan.band_letters(bid))))
            for cp in plan.criteria:
                cid = f"{pid}.{cp.criterion.id}"
                add(f"{cid}.result", "words", cp.column)
                if cp.value is not None:
                    add(f"{cid}.value", "value", cp.value)
                if cp.threshold_spec is not None:
                    add(f"{cid}.threshold", "value", cp.threshold_spec)

        def make(source: tuple[str, Any]) -> Any:
            how, what = source
            if how == "words":
                return result_words(t[what])
            if how == "value":
                return value_array(t, what)
            if how == "band":
                return band_array(t[what[0]], what[1])
            return t[what]

        distinct = list(dict.fromkeys(sources))
        made = dict(zip(distinct, _converters().map(make, distinct), strict=True))
        return pa.table([made[src] for src in sources], names=names)

    def sorted(self) -> pa.Table:
        """:attr:`table` ordered by ``uscc`` (binary order, the same for every engine).

        The engine's own row order is whatever its joins produced; reordering a million wide
        rows costs about as much as a quarter of the run, so only what people read is ordered:
        the records (and so the JSON, CSV and Excel files). Join on ``uscc`` otherwise.
        """
        return self.table.take(pc.sort_indices(self.table["uscc"]))

    def to_records(self) -> list[dict[str, Any]]:
        """One JSON-ready record per enterprise and policy, by ``uscc`` then policy (see
        :mod:`lingjun.rules.records`)."""
        from lingjun.rules.records import build_records

        return build_records(self.sorted().to_pylist(), self.query, self.year, self.as_of)
