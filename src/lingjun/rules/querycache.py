"""Compiled queries kept for reuse (查询缓存): the same run asked again skips compilation.

Building a run's Ibis expressions and compiling them to SQL costs about half a second for all
seven policies, whatever the pool's size; the web app and scripts run the same policies, year,
date and what-ifs on the same tables again and again. A :class:`~lingjun.rules.plan.Query`
depends on nothing else, so it is kept in a small LRU keyed by exactly those inputs:

* the run's :class:`~lingjun.rules.spec.RunSpec` (its ``key``): the policies by identity (a
  reloaded library is a miss, never a stale hit), year, evaluation date, what-if overrides and
  confirmed inputs by value,
* the input tables by their Ibis expressions: their names, SQL and schemas, which is all the SQL
  text depends on.

A hit is returned bound to the backend of the tables it was asked for: the web app opens a new
DuckDB connection over the pool for every run, and Ibis counts two such connections' tables as
equal, so the SQL is reused and always executed on the current connection (its current data).

A table of per-enterprise inputs is uploaded anew for every run, so such runs are not cached.
Plans without SQL (the reference evaluator's, an explanation page's) are kept the same way in
:data:`PLANS`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir

from lingjun.rules.engines import backend_of

if TYPE_CHECKING:
    from lingjun.rules.plan import Query
    from lingjun.rules.policy import Policy
    from lingjun.rules.spec import RunSpec

#: how many compiled queries a process keeps
SIZE = 16


class QueryCache:
    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        #: key → (the policies, the query)
        self._entries: OrderedDict[Hashable, tuple[tuple[Policy, ...], Query]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(
        self,
        build: Callable[[], Query],
        *,
        tables: Mapping[str, ir.Table],
        spec: RunSpec,
        inputs_table: Any = None,
    ) -> Query:
        """The cached query of run ``spec`` on ``tables``, or ``build()`` (kept unless inputs are
        given per enterprise)."""
        key = _key(tables, spec, inputs_table)
        if key is None:
            return build()
        backend = _backend(tables)
        with self._lock:
            found = self._entries.get(key)
            if found is not None and all(a is b for a, b in zip(found[0], spec.policies, strict=True)):
                self._entries.move_to_end(key)
                self.hits += 1
                query = found[1]
                if query.backend is None or query.backend is backend:  # a plan without SQL: unbound
                    return query
                return replace(query, backend=backend)
        query = build()
        with self._lock:
            self.misses += 1
            self._entries[key] = (spec.policies, query)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return query

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0


def _backend(tables: Mapping[str, ir.Table]) -> Any:
    return backend_of(tables["enterprise"])


def _key(tables: Mapping[str, ir.Table], spec: RunSpec, inputs_table: Any) -> Hashable | None:
    if inputs_table is not None:
        return None  # a per-enterprise table
    key = (tuple(sorted((name, t.op()) for name, t in tables.items())), spec.key)
    try:
        hash(key)
    except TypeError:  # an unhashable input value: build afresh
        return None
    return key


#: compiled queries of runs on data
QUERIES = QueryCache()
#: plans without SQL (:func:`lingjun.rules.evaluation.build_plan`), on the table form's shapes
PLANS = QueryCache()
