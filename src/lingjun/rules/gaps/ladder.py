"""The ladder over a pool: next rung, gap lists, ranking and candidates.

:func:`ladder_gaps` evaluates the six flattened ladder policies once for the whole pool (Ibis tables
on an engine, or normalised dossiers on DuckDB) and returns a :class:`Ladder`: each enterprise's
next rung is the lowest one above the highest it holds (入库 records, certificates) or passes, and
:meth:`Ladder.ranked` / :meth:`Ladder.candidates` order the enterprises nearest first.
:func:`policy_gaps` does the same for one policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from lingjun.rules.gaps.flatten import Flat, flatten
from lingjun.rules.gaps.kinds import QUALIFICATION_RUNGS, RUNG_CODES, RUNGS, Gap
from lingjun.rules.gaps.pool import PolicyGaps
from lingjun.rules.policy import Library, Policy
from lingjun.rules.result import Evaluation


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
