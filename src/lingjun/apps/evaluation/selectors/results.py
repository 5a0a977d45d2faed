"""A run's results per enterprise: the filtered list, its pages, the export, and one
enterprise's own runs.

A run stores one row per enterprise (:class:`EvaluationResult`: a letter per policy, the scores).
Speed with 100 000 enterprises (SQLite, 6 policies, 100 000 result rows): the results list is
driven by the enterprise name index with an ``EXISTS`` probe of the ``(run, uscc)`` unique index
(the letter of the filtered policy read from the row), or by an ``IN`` semi-join when the wanted
result is rare, as the run's counts tell (an ``EXISTS`` scan would visit every name); its count
is capped like the enterprise list. Figures in docs/benchmarks.md ("Pages").
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet

from lingjun.apps.accounts.models import User
from lingjun.apps.enterprises.models import Enterprise
from lingjun.apps.enterprises.selectors import EnterpriseFilters, enterprises_search, enterprises_visible_to
from lingjun.apps.evaluation.models import EvaluationResult, EvaluationRun, Outcome, decode_results
from lingjun.apps.evaluation.selectors.policies import policy_label, policy_library
from lingjun.apps.evaluation.selectors.runs import run_policies, runs_visible_to
from lingjun.apps.paging import CappedPage, capped_page

#: a (policy, result) with at most this many enterprises is listed through an IN semi-join
SPARSE_RESULTS = 20_000


@dataclass(frozen=True)
class ResultFilters:
    q: str = ""
    policy: str = ""
    result: str = ""
    town: str = ""


@dataclass(frozen=True)
class ResultCell:
    policy: str
    result: str  # pass / fail / unknown, "" when the run has no row
    score: Decimal | None = None

    @property
    def label(self) -> str:
        return str(Outcome(self.result).label) if self.result else "—"

    @property
    def policy_name(self) -> str:
        return policy_label(self.policy)


@dataclass
class ResultRow:
    enterprise: Enterprise
    cells: list[ResultCell]


def run_results(*, user: User, run: EvaluationRun, filters: ResultFilters) -> QuerySet[Enterprise]:
    """The visible enterprises of a run matching ``filters``, by name (indexed order)."""
    search = EnterpriseFilters(q=filters.q, town=filters.town, sort="name")
    qs = enterprises_search(user=user, filters=search, today=run.as_of)
    policy = filters.policy if filters.policy in run.policies else ""
    result = filters.result if filters.result in Outcome.values else ""
    wanted = EvaluationResult.objects.of(run, policy=policy, result=result)
    rare = policy and result and int((run.counts or {}).get(policy, {}).get(result, 0)) <= SPARSE_RESULTS
    if rare:  # few matches: collect them, then sort (an EXISTS scan would visit every name)
        return qs.filter(uscc__in=wanted.values("enterprise_id"))
    return qs.filter(Exists(wanted.filter(enterprise_id=OuterRef("uscc"))))


def _results_of(run: EvaluationRun, usccs: Sequence[str]) -> dict[str, dict[str, tuple[str, Decimal | None]]]:
    """``{uscc: {policy: (result, score)}}`` through the ``(run, uscc)`` index."""
    found: dict[str, dict[str, tuple[str, Decimal | None]]] = {u: {} for u in usccs}
    rows = EvaluationResult.objects.filter(run=run, enterprise_id__in=list(usccs)).values_list(
        "enterprise_id", "outcomes", "scores"
    )
    for uscc, outcomes, scores in rows:
        found[str(uscc)] = decode_results(run.policies, outcomes, scores)
    return found


def _cells(run: EvaluationRun, usccs: Sequence[str]) -> dict[str, list[ResultCell]]:
    found = _results_of(run, usccs)
    policies = run_policies(run)
    return {u: [ResultCell(p, *found[u].get(p, ("", None))) for p in policies] for u in usccs}


def run_results_page(
    *,
    user: User,
    run: EvaluationRun,
    filters: ResultFilters,
    page: int = 1,
    per_page: int = 50,
    count_cap: int = 10_000,
) -> CappedPage[ResultRow]:
    """One page of a run's results with a capped count (no full ``COUNT(*)`` at scale)."""
    qs = run_results(user=user, run=run, filters=filters)
    fetched = capped_page(qs, page=page, per_page=per_page, count_cap=count_cap)
    enterprises: list[Enterprise] = fetched.rows
    cells = _cells(run, [e.uscc for e in enterprises])
    rows = [ResultRow(e, cells[e.uscc]) for e in enterprises]
    return fetched.with_rows(rows)


@dataclass(frozen=True)
class ExportRow:
    name: str
    uscc: str
    town: str
    park: str
    results: dict[str, tuple[str, Decimal | None]]  # policy → (result, score)


def run_results_export(
    *, user: User, run: EvaluationRun, filters: ResultFilters, chunk: int = 5000
) -> Iterator[ExportRow]:
    """Every filtered result of a run, by enterprise name (read in chunks, never all at once)."""
    qs = run_results(user=user, run=run, filters=filters).values_list("name", "uscc", "town", "park")
    batch: list[tuple[str, str, str | None, str | None]] = []
    for row in qs.iterator(chunk_size=chunk):
        batch.append(row)
        if len(batch) >= chunk:
            yield from _export_batch(run, batch)
            batch = []
    if batch:
        yield from _export_batch(run, batch)


def _export_batch(
    run: EvaluationRun, batch: list[tuple[str, str, str | None, str | None]]
) -> Iterator[ExportRow]:
    found = _results_of(run, [u for _n, u, _t, _p in batch])
    for name, uscc, town, park in batch:
        yield ExportRow(name, uscc, town or "", park or "", found[uscc])


def scored_policies(run: EvaluationRun) -> set[str]:
    library = policy_library().policies
    return {p for p in run.policies if p in library and library[p].scored}


def run_towns(*, user: User) -> list[str]:
    """镇街 (and 园区) of the enterprises a user may see, for the town filter."""
    towns = enterprises_visible_to(user).order_by("town").values_list("town", flat=True).distinct()
    return [t for t in towns if t]


# ---------------------------------------------------------------------------- one enterprise's runs


@dataclass
class EnterpriseRun:
    run: EvaluationRun
    cells: list[ResultCell]

    @property
    def simulated(self) -> bool:
        return bool(self.run.overrides)


def enterprise_runs(
    *, user: User, enterprise: Enterprise, limit: int = 10, look_back: int = 30
) -> list[EnterpriseRun]:
    """The newest finished runs that include an (already authorised) enterprise, with its results.

    Looks at the newest ``look_back`` finished runs through the ``(run, uscc)`` index, never at the
    whole result table.
    """
    runs = list(runs_visible_to(user).filter(status=EvaluationRun.Status.DONE)[:look_back])
    policies = {r.pk: r.policies for r in runs}
    by_run: dict[int, dict[str, tuple[str, Decimal | None]]] = {}
    rows = EvaluationResult.objects.filter(
        run_id__in=list(policies), enterprise_id=enterprise.uscc
    ).values_list("run_id", "outcomes", "scores")
    for run_id, outcomes, scores in rows:
        by_run[run_id] = decode_results(policies[run_id], outcomes, scores)
    out = []
    for run in runs:
        if run.pk in by_run:
            got = by_run[run.pk]
            cells = [ResultCell(p, *got.get(p, ("", None))) for p in run_policies(run)]
            out.append(EnterpriseRun(run, cells))
        if len(out) >= limit:
            break
    return out
