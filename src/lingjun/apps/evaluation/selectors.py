"""Reads behind the evaluation pages, each scoped by the user's jurisdiction.

Every query of enterprise-level results starts from
:func:`lingjun.apps.enterprises.selectors.enterprises_visible_to`: a town officer sees the results
of their 镇街/园区 only, an enterprise user its own, a department liaison nothing. Counts shown to a
user are counted over their jurisdiction too (the stored counts of a run are district-wide).

Explanations, gaps and missing-data texts are the engine's own (:mod:`lingjun.rules.records`);
this module only arranges them for the pages and labels what the records name by id.

Speed with 100 000 enterprises (SQLite, 6 policies, 600 000 result rows): the results list is
driven by the enterprise name index with an ``EXISTS`` probe of the ``(run, uscc, policy)`` unique
index (first page ~5 ms, page 1000 ~0.3 s), or by an ``IN`` semi-join when the wanted result is
rare, as the run's counts tell (an ``EXISTS`` scan would visit every name: ~1 s for no match,
~2 ms with ``IN``); its count is capped like the enterprise list. A town's counts take ~0.35 s
(11 000 enterprises), so the run list loads them per run after the page.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from lingjun.apps.accounts.models import DISTRICT_WIDE_ROLES, Role, User
from lingjun.apps.enterprises.models import Enterprise
from lingjun.apps.enterprises.selectors import dossiers_load, enterprises_visible_to
from lingjun.apps.evaluation.models import EvaluationResult, EvaluationRun, Outcome
from lingjun.apps.evaluation.services import evaluation_explain
from lingjun.apps.web.selectors import EnterpriseFilters, enterprises_search
from lingjun.rules import RulesError, default_as_of, evaluate_reference
from lingjun.rules.evaluation import default_library
from lingjun.rules.explain import missing_label, show
from lingjun.rules.policy import Library, Parameter, Policy

#: policy families in the order the pages list them (national first, then the Tianjin tiers)
POLICY_ORDER = (
    "national.hnte",
    "national.tech_sme",
    "tianjin.chuying",
    "tianjin.dengling",
    "tianjin.lingjun_peiyu",
    "tianjin.lingjun",
)
#: roles that may start evaluation runs (the district bureau and the third-party evaluator)
RUN_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.DISTRICT_STAFF, Role.EVALUATOR})
#: a (policy, result) with at most this many enterprises is listed through an IN semi-join
SPARSE_RESULTS = 20_000
#: a jurisdiction up to this size is counted through the (run, uscc) index with a list of codes
SMALL_SCOPE = 2_000

_SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "!=": "≠"}
_RESULT_ORDER = (Outcome.PASS.value, Outcome.FAIL.value, Outcome.UNKNOWN.value)


def policy_library() -> Library:
    """The policy library the engine evaluates with (loaded once per process)."""
    return default_library()


def _family_rank(policy: Policy) -> tuple[int, str]:
    try:
        return POLICY_ORDER.index(policy.family), policy.id
    except ValueError:
        return len(POLICY_ORDER), policy.id


def policy_label(policy_id: str) -> str:
    """The Chinese name of a policy (``天津市雏鹰企业``), or its id if the library no longer has it."""
    policy = policy_library().policies.get(policy_id)
    return policy.label if policy is not None else policy_id


def policy_sort_key(policy_id: str) -> tuple[int, int, str]:
    policy = policy_library().policies.get(policy_id)
    if policy is None:
        return (len(POLICY_ORDER) + 1, 0, policy_id)
    rank, _id = _family_rank(policy)
    return (rank, -policy.effective_from.toordinal(), policy_id)


# --------------------------------------------------------------------------- policies for forms


@dataclass(frozen=True)
class Provisional:
    """Something a result rests on that is not verified (暂定（待核实）) and why."""

    what: str
    reason: str


@dataclass(frozen=True)
class ParameterRow:
    key: str  # as an override names it: "<policy id>.<parameter>"
    label: str
    value: str
    unit: str
    verified: bool
    reason: str


@dataclass(frozen=True)
class PolicyOption:
    id: str
    label: str
    document: str
    title: str
    effective_from: date
    effective_until: date | None
    provisional: list[Provisional]
    parameters: list[ParameterRow]


def _parameter_text(param: Parameter, on: date) -> str:
    try:
        value = param.at(on)
    except RulesError:
        value = param.values[-1][1]
    if param.kind == "scale":
        return _("分档表（%(n)s 档）") % {"n": len(value.brackets)}
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, Decimal):
        return show(value, param.unit) if param.unit == "%" else f"{value.normalize():f}"
    return str(value)


def policy_provisional(policy: Policy) -> list[Provisional]:
    """What of ``policy`` is provisional (the policy, its parameters, its criteria), one line per
    reason: a criterion that reads a provisional parameter shares the parameter's reason."""
    items: list[tuple[str, str]] = []
    if not policy.verified:
        items.append((policy.label, policy.provisional_reason))
    items += [(p.label, p.provisional_reason) for p in policy.parameters.values() if not p.verified]
    items += [(c.label, c.cite.provisional_reason) for c in policy.criteria if not c.verified]
    by_reason: dict[str, list[str]] = {}
    for what, reason in items:
        names = by_reason.setdefault(reason, [])
        if what not in names:
            names.append(what)
    return [Provisional("、".join(names), reason) for reason, names in by_reason.items()]


def policy_options(*, on: date) -> list[PolicyOption]:
    """Every policy of the library, in page order, with its provisional parts and the parameter
    values in force ``on`` that day."""
    when = on
    out = []
    for policy in sorted(policy_library().policies.values(), key=policy_sort_key_of):
        out.append(
            PolicyOption(
                id=policy.id,
                label=policy.label,
                document=policy.document,
                title=policy.title,
                effective_from=policy.effective_from,
                effective_until=policy.effective_until,
                provisional=policy_provisional(policy),
                parameters=[
                    ParameterRow(
                        f"{policy.id}.{name}",
                        p.label,
                        _parameter_text(p, when),
                        "" if p.kind == "scale" or p.unit == "%" else p.unit,
                        p.verified,
                        p.provisional_reason,
                    )
                    for name, p in policy.parameters.items()
                ],
            )
        )
    return out


def policy_sort_key_of(policy: Policy) -> tuple[int, int, str]:
    return policy_sort_key(policy.id)


def policies_in_force(year: int, on: date) -> list[str]:
    """Ids of the policies in force on ``on`` for application year ``year``, one per family."""
    library = policy_library()
    out = []
    for family in POLICY_ORDER:
        if family not in library.families:
            continue
        try:
            out.append(library.in_force(family, year, on).id)
        except RulesError:
            continue  # not yet (or no longer) a policy of that family on that day
    return out


# ---------------------------------------------------------------------------------- who sees what


def can_view_evaluation(user: User) -> bool:
    """Everybody with a jurisdiction; department liaisons have none here."""
    return bool(
        user.is_authenticated and user.is_active and (user.is_superuser or user.role != Role.DEPARTMENT)
    )


def can_start_runs(user: User) -> bool:
    return bool(user.is_active and (user.is_superuser or user.role in RUN_ROLES))


def _district_wide(user: User) -> bool:
    return bool(user.is_superuser or user.role in DISTRICT_WIDE_ROLES)


def runs_visible_to(user: User) -> QuerySet[EvaluationRun]:
    """Runs a user may open. Enterprise users do not see what-if (模拟) runs."""
    qs = EvaluationRun.objects.select_related("user")
    if not can_view_evaluation(user):
        return qs.none()
    if user.role == Role.ENTERPRISE and not user.is_superuser:
        qs = qs.filter(overrides={})
    return qs


def is_simulated(run: EvaluationRun) -> bool:
    return bool(run.overrides)


# ------------------------------------------------------------------------------------------ counts


@dataclass
class PolicyCounts:
    policy: str
    label: str
    passed: int = 0
    failed: int = 0
    unknown: int = 0
    provisional: bool = False

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.unknown

    def by_result(self) -> list[tuple[str, str, int]]:
        """(result, Chinese word, count) in the pages' order."""
        return [
            (Outcome.PASS.value, str(Outcome.PASS.label), self.passed),
            (Outcome.FAIL.value, str(Outcome.FAIL.label), self.failed),
            (Outcome.UNKNOWN.value, str(Outcome.UNKNOWN.label), self.unknown),
        ]


def _counts_from(run: EvaluationRun, counted: Mapping[str, Mapping[str, int]]) -> list[PolicyCounts]:
    return [
        PolicyCounts(
            pid,
            policy_label(pid),
            int(counted.get(pid, {}).get("pass", 0)),
            int(counted.get(pid, {}).get("fail", 0)),
            int(counted.get(pid, {}).get("unknown", 0)),
            pid in (run.provisional or []),
        )
        for pid in sorted(run.policies, key=policy_sort_key)
    ]


def _scoped_results(user: User, run: EvaluationRun) -> QuerySet[EvaluationResult]:
    """The run's result rows of the enterprises ``user`` may see."""
    results = EvaluationResult.objects.filter(run=run)
    if _district_wide(user):
        return results
    visible = enterprises_visible_to(user)
    small = list(visible.values_list("uscc", flat=True)[: SMALL_SCOPE + 1])
    if len(small) <= SMALL_SCOPE:  # through the (run, uscc) index
        return results.filter(enterprise_id__in=small)
    return results.filter(enterprise_id__in=visible.values("uscc"))


def run_counts(*, user: User, run: EvaluationRun) -> list[PolicyCounts]:
    """Per policy of the run: 通过 / 不通过 / 需补充材料 over the user's jurisdiction."""
    if run.status != EvaluationRun.Status.DONE:
        return _counts_from(run, {})
    if _district_wide(user):
        return _counts_from(run, run.counts or {})
    counted: dict[str, dict[str, int]] = {}
    rows = _scoped_results(user, run).order_by().values("policy", "result").annotate(n=Count("id"))
    for row in rows:
        counted.setdefault(row["policy"], {})[row["result"]] = row["n"]
    return _counts_from(run, counted)


def counts_are_cheap(user: User) -> bool:
    """Whether counts can be shown inline for many runs (stored, or a tiny jurisdiction)."""
    return _district_wide(user) or user.role == Role.ENTERPRISE


# ---------------------------------------------------------------------------------------- run list


@dataclass
class RunRow:
    run: EvaluationRun
    policies: list[tuple[str, str]]  # (id, label)
    counts: list[PolicyCounts] | None  # None: loaded separately (a large jurisdiction)
    overrides: list[tuple[str, str]]
    inputs: list[str]
    provisional: list[str]  # labels of the policies resting on provisional rules

    @property
    def simulated(self) -> bool:
        return bool(self.overrides)


def input_label(key: str) -> str:
    """``national.tech_sme.2017.prohibited_sector`` → the input's Chinese label with its policy."""
    pid, _sep, name = key.rpartition(".")
    policy = policy_library().policies.get(pid)
    if policy is None or name not in policy.inputs:
        return key
    return f"{policy.label}：{policy.inputs[name].label}"


def input_texts(inputs: Mapping[str, Any]) -> list[str]:
    out = []
    for key, value in inputs.items():
        shown = (_("是") if value else _("否")) if isinstance(value, bool) else str(value)
        out.append(f"{input_label(key)} = {shown}")
    return out


def run_row(*, run: EvaluationRun, user: User | None = None) -> RunRow:
    """A run's parameters for a page, with its counts over ``user``'s jurisdiction when given."""
    return RunRow(
        run=run,
        policies=[(p, policy_label(p)) for p in sorted(run.policies, key=policy_sort_key)],
        counts=run_counts(user=user, run=run) if user is not None else None,
        overrides=sorted((run.overrides or {}).items()),
        inputs=input_texts(run.inputs or {}),
        provisional=[policy_label(p) for p in sorted(run.provisional or [], key=policy_sort_key)],
    )


def run_estimate(run: EvaluationRun) -> float | None:
    """How long the previous finished run on the same engine took (for the progress bar)."""
    previous = (
        EvaluationRun.objects.filter(
            status=EvaluationRun.Status.DONE, engine=run.engine, pk__lt=run.pk, seconds__isnull=False
        )
        .order_by("-pk")
        .values_list("seconds", flat=True)
        .first()
    )
    return float(previous) if previous else None


def run_list(*, user: User, limit: int = 20, offset: int = 0) -> tuple[list[RunRow], bool]:
    """The newest runs a user may open (and whether there are older ones)."""
    runs = list(runs_visible_to(user)[offset : offset + limit + 1])
    counted = user if counts_are_cheap(user) else None
    rows = [run_row(run=r, user=counted) for r in runs[:limit]]
    return rows, len(runs) > limit


# ------------------------------------------------------------------------------------- results


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


@dataclass
class ResultsPage:
    rows: list[ResultRow]
    number: int
    per_page: int
    count: int  # exact unless ``capped``
    capped: bool
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.rows)

    def page_links(self, around: int = 2) -> list[int | None]:
        """Page numbers to link, ``None`` for a gap: 1 … 4 5 [6] 7 8 … 20."""
        known = max(1, -(-self.count // self.per_page))
        last = max(known, self.number + (1 if self.has_next else 0))
        wanted = {1, last, *range(self.number - around, self.number + around + 1)}
        links: list[int | None] = []
        for p in sorted(p for p in wanted if 1 <= p <= last):
            if links and p - (links[-1] or 0) > 1:
                links.append(None)
            links.append(p)
        return links


def run_policies(run: EvaluationRun) -> list[str]:
    return sorted(run.policies, key=policy_sort_key)


def run_results(*, user: User, run: EvaluationRun, filters: ResultFilters) -> QuerySet[Enterprise]:
    """The visible enterprises of a run matching ``filters``, by name (indexed order)."""
    search = EnterpriseFilters(q=filters.q, town=filters.town, sort="name")
    qs = enterprises_search(user=user, filters=search, today=run.as_of)
    policy = filters.policy if filters.policy in run.policies else ""
    wanted: dict[str, Any] = {"run": run}
    if policy:
        wanted["policy"] = policy
    if filters.result:
        wanted["result"] = filters.result
    if not policy and not filters.result and run.policies:
        wanted["policy"] = run.policies[0]  # every enterprise of the run has a row for each policy
    rare = (
        policy
        and filters.result
        and int((run.counts or {}).get(policy, {}).get(filters.result, 0)) <= SPARSE_RESULTS
    )
    if rare:  # few matches: collect them, then sort (an EXISTS scan would visit every name)
        return qs.filter(uscc__in=EvaluationResult.objects.filter(**wanted).values("enterprise_id"))
    return qs.filter(Exists(EvaluationResult.objects.filter(enterprise_id=OuterRef("uscc"), **wanted)))


def _results_of(run: EvaluationRun, usccs: Sequence[str]) -> dict[str, dict[str, tuple[str, Decimal | None]]]:
    """``{uscc: {policy: (result, score)}}`` through the ``(run, uscc)`` index."""
    found: dict[str, dict[str, tuple[str, Decimal | None]]] = {u: {} for u in usccs}
    rows = EvaluationResult.objects.filter(run=run, enterprise_id__in=list(usccs)).values_list(
        "enterprise_id", "policy", "result", "score"
    )
    for uscc, policy, result, score in rows:
        found[str(uscc)][policy] = (result, score)
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
) -> ResultsPage:
    """One page of a run's results with a capped count (no full ``COUNT(*)`` at scale)."""
    qs = run_results(user=user, run=run, filters=filters)
    page = max(1, page)
    offset = (page - 1) * per_page
    fetched = list(qs[offset : offset + per_page + 1])
    has_next = len(fetched) > per_page
    enterprises = fetched[:per_page]
    if not has_next and (enterprises or page == 1):
        count, capped = offset + len(enterprises), False
    else:
        count = qs.order_by().values("pk")[: count_cap + 1].count()
        capped = count > count_cap
        count = min(count, count_cap)
    cells = _cells(run, [e.uscc for e in enterprises])
    rows = [ResultRow(e, cells[e.uscc]) for e in enterprises]
    return ResultsPage(rows, page, per_page, count, capped, has_next)


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
    by_run: dict[int, dict[str, tuple[str, Decimal | None]]] = {}
    rows = EvaluationResult.objects.filter(
        run_id__in=[r.pk for r in runs], enterprise_id=enterprise.uscc
    ).values_list("run_id", "policy", "result", "score")
    for run_id, policy, result, score in rows:
        by_run.setdefault(run_id, {})[policy] = (result, score)
    out = []
    for run in runs:
        if run.pk in by_run:
            got = by_run[run.pk]
            cells = [ResultCell(p, *got.get(p, ("", None))) for p in run_policies(run)]
            out.append(EnterpriseRun(run, cells))
        if len(out) >= limit:
            break
    return out


# ------------------------------------------------------------------------------------ explanations


@dataclass(frozen=True)
class CriterionView:
    id: str
    label: str
    result: str
    value: str
    threshold: str
    explanation: str
    gap: str
    missing: list[str]
    document: str
    article: str
    source: str
    verified: bool
    reason: str
    mandatory: bool

    @property
    def result_label(self) -> str:
        return str(Outcome(self.result).label)


@dataclass(frozen=True)
class Points:
    label: str
    value: str
    note: str = ""


@dataclass
class PolicyExplanation:
    policy: str
    label: str
    document: str
    title: str
    source: str
    result: str
    verified: bool
    score: str = ""
    indicators: list[Points] = field(default_factory=list)
    metrics: list[Points] = field(default_factory=list)
    bands: list[Points] = field(default_factory=list)
    criteria: list[CriterionView] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    provisional: list[Provisional] = field(default_factory=list)
    overrides: list[tuple[str, str]] = field(default_factory=list)

    @property
    def result_label(self) -> str:
        return str(Outcome(self.result).label)

    @property
    def gaps(self) -> list[CriterionView]:
        """Criteria to work on: failed or unknown ones of a policy not (yet) passed."""
        if self.result == Outcome.PASS:
            return []
        return [c for c in self.criteria if c.result != Outcome.PASS]


def _value_text(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    return show(value, unit)


def _threshold_text(op: str | None, threshold: Any, unit: str) -> str:
    if threshold is None:
        return "—"
    text = show(threshold, unit)
    return f"{_SYMBOL[op]} {text}" if op in _SYMBOL else text


def _missing_text(name: str, policy: Policy | None) -> str:
    """A missing field in Chinese; a policy input by its own label (e.g. 专家评定的得分)."""
    if name.startswith("input.") and policy is not None and name[6:] in policy.inputs:
        return _("%(label)s（须人工确认或专家评定）") % {"label": policy.inputs[name[6:]].label}
    return missing_label(name)


def _points_range(points: Any) -> str:
    if not points:
        return ""
    low, high = points
    return _("%(n)s 分") % {"n": show(low, "")} if low == high else f"{show(low, '')}–{show(high, '')} 分"


def policy_explanation(record: Mapping[str, Any]) -> PolicyExplanation:
    """One record of the engine (``evaluation_explain`` / ``to_records``) arranged for a page."""
    policy = policy_library().policies.get(record["policy"])
    unit_of = {m.id: m.unit for m in policy.metrics} if policy else {}
    out = PolicyExplanation(
        policy=record["policy"],
        label=record.get("policy_label") or policy_label(record["policy"]),
        document=policy.document if policy else "",
        title=policy.title if policy else "",
        source=policy.source if policy else "",
        result=record["result"],
        verified=bool(record.get("verified", True)),
        provisional=policy_provisional(policy) if policy else [],
        overrides=sorted((record.get("overrides") or {}).items()),
    )
    if "score" in record:
        total = sum((i.max for i in policy.indicators), Decimal(0)) if policy else None
        score = _value_text(record["score"], "")
        out.score = f"{score} / {show(total, '')}" if total and record["score"] is not None else score
        for ind in policy.indicators if policy else ():
            points = (record.get("indicators") or {}).get(ind.id)
            out.indicators.append(
                Points(ind.label, _value_text(points, ""), _("满分 %(n)s") % {"n": show(ind.max, "")})
            )
    for mid, value in (record.get("metrics") or {}).items():
        label = next((m.label for m in policy.metrics if m.id == mid), mid) if policy else mid
        out.metrics.append(Points(label, _value_text(value, unit_of.get(mid, ""))))
    points_of = record.get("band_points") or {}
    for bid, letter in (record.get("bands") or {}).items():
        label = next((b.label for b in policy.bands if b.id == bid), bid) if policy else bid
        out.bands.append(Points(label, letter or "—", _points_range(points_of.get(bid))))
    for c in record["criteria"]:
        unit = c.get("unit") or ""
        crit = None
        if policy is not None:
            crit = next((x for x in policy.criteria if x.id == c["id"]), None)
        out.criteria.append(
            CriterionView(
                id=c["id"],
                label=c["label"],
                result=c["result"],
                value=_value_text(c.get("value"), unit),
                threshold=_threshold_text(c.get("op"), c.get("threshold"), unit),
                explanation=c.get("explanation") or "",
                gap=c.get("gap") or "",
                missing=[_missing_text(m, policy) for m in c.get("missing") or ()],
                document=c.get("document") or "",
                article=c.get("article") or "",
                source=c.get("source") or "",
                verified=bool(c.get("verified", True)),
                reason=crit.cite.provisional_reason if crit is not None else "",
                mandatory=bool(c.get("mandatory", True)),
            )
        )
    out.missing = [_missing_text(m, policy) for m in record.get("missing") or ()]
    return out


@dataclass
class Explanation:
    run: EvaluationRun
    enterprise: Enterprise
    policies: list[PolicyExplanation]
    overrides: list[tuple[str, str]]
    inputs: list[str]
    note: str = ""  # why there is nothing to explain

    @property
    def simulated(self) -> bool:
        return bool(self.overrides)


def enterprise_explanation(*, run: EvaluationRun, enterprise: Enterprise) -> Explanation:
    """Everything the engine recorded for one (already authorised) enterprise in one run."""
    out = Explanation(
        run, enterprise, [], sorted((run.overrides or {}).items()), input_texts(run.inputs or {})
    )
    if run.status != EvaluationRun.Status.DONE:
        out.note = _("本批次尚未完成评价（状态：%(status)s）。") % {"status": run.get_status_display()}
        return out
    if not EvaluationResult.objects.filter(run=run, enterprise_id=enterprise.uscc).exists():
        out.note = _("本批次评价时企业库中还没有该企业，或该企业不在本批次范围内。")
        return out
    try:
        records = evaluation_explain(run=run, uscc=enterprise.uscc)
    except FileNotFoundError:
        out.note = _("本批次的结果文件已不存在（%(file)s），无法给出逐条说明；请重新发起评价。") % {
            "file": run.result_file
        }
        return out
    out.policies = sorted((policy_explanation(r) for r in records), key=lambda p: policy_sort_key(p.policy))
    return out


# --------------------------------------------------------------------------------- self-evaluation


@dataclass
class SelfEvaluation:
    year: int
    as_of: date
    policies: list[PolicyExplanation]
    inputs: list[str]
    seconds: float
    note: str = ""


def self_evaluation(
    *, enterprise: Enterprise, year: int, today: date, inputs: Mapping[str, Any]
) -> SelfEvaluation:
    """Evaluate one (already authorised) enterprise live under every policy in force for ``year``
    (as of today, or 31 December of a past year); nothing is stored.

    Uses the per-record evaluator of the rules library (the engines' reference, tested for parity
    with them): for one enterprise it skips the SQL compilation that a DuckDB evaluation needs.
    """
    started = time.perf_counter()
    as_of = default_as_of(year, today)
    policies = policies_in_force(year, as_of)
    uscc = enterprise.uscc
    dossier = dossiers_load(usccs=[uscc]).get(uscc)
    wanted = {k: v for k, v in inputs.items() if k.rpartition(".")[0] in policies}
    out = SelfEvaluation(year, as_of, [], input_texts(wanted), 0.0)
    if dossier is None or not policies:
        out.note = _("没有可评价的档案或政策。")
        return out
    records = evaluate_reference(
        [dossier], policies=list(policies), year=year, as_of=as_of, inputs=wanted or None
    ).to_records()
    out.policies = sorted((policy_explanation(r) for r in records), key=lambda p: policy_sort_key(p.policy))
    out.seconds = time.perf_counter() - started
    return out
