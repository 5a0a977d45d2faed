"""The engine's records arranged for a page: the per-enterprise explanation of a stored run (a
clerk prints it) and the enterprise's live self-evaluation under every policy in force."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow.parquet as pq
from django.utils.translation import gettext as _

from lingjun.apps.enterprises.models import Enterprise
from lingjun.apps.enterprises.selectors import dossiers_load
from lingjun.apps.evaluation.models import EvaluationResult, EvaluationRun, Outcome
from lingjun.apps.evaluation.selectors.policies import (
    Provisional,
    input_texts,
    policies_in_force,
    policy_label,
    policy_library,
    policy_provisional,
    policy_sort_key,
)
from lingjun.apps.evaluation.storage import runs_dir
from lingjun.dossier.schema import LIST_SECTIONS
from lingjun.rules import RunSpec, default_as_of, evaluate_reference
from lingjun.rules.evaluation import build_plan
from lingjun.rules.explain import missing_label, show
from lingjun.rules.policy import Policy
from lingjun.rules.records import build_records

_SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "!=": "≠"}
_LISTS = {s.key for s in LIST_SECTIONS}


@dataclass(frozen=True)
class MissingField:
    """A missing field in Chinese, and where the dossier takes it: ``section`` is a list section's
    key (its own edit page), "" for the basic information and yearly figures (the main edit form),
    None for what no dossier holds (policy inputs an officer confirms)."""

    text: str
    section: str | None

    def __str__(self) -> str:  # as text wherever a page joins them
        return self.text


@dataclass(frozen=True)
class CriterionView:
    id: str
    label: str
    result: str
    value: str
    threshold: str
    explanation: str
    gap: str
    missing: list[MissingField]
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
    missing: list[MissingField] = field(default_factory=list)
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


def _missing(name: str, policy: Policy | None) -> MissingField:
    """A missing field of the engine's records (``registered_on``, ``rd_expense[2024]``,
    ``awards:rank,year``, ``input.x``) in Chinese, a policy input by its own label (e.g.
    专家评定的得分), with the part of the dossier that takes it."""
    if name.startswith("input."):
        if policy is not None and name[6:] in policy.inputs:
            return MissingField(
                _("%(label)s（须人工确认或专家评定）") % {"label": policy.inputs[name[6:]].label}, None
            )
        return MissingField(missing_label(name), None)
    table, sep, _fields = name.partition(":")
    return MissingField(missing_label(name), table if sep and table in _LISTS else "")


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
                missing=[_missing(m, policy) for m in c.get("missing") or ()],
                document=c.get("document") or "",
                article=c.get("article") or "",
                source=c.get("source") or "",
                verified=bool(c.get("verified", True)),
                reason=crit.cite.provisional_reason if crit is not None else "",
                mandatory=bool(c.get("mandatory", True)),
            )
        )
    out.missing = [_missing(m, policy) for m in record.get("missing") or ()]
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
    spec = RunSpec.of(policies, year=year, as_of=as_of, inputs=wanted)
    records = evaluate_reference([dossier], spec=spec).to_records()
    out.policies = sorted((policy_explanation(r) for r in records), key=lambda p: policy_sort_key(p.policy))
    out.seconds = time.perf_counter() - started
    return out


def evaluation_explain(*, run: EvaluationRun, uscc: str) -> list[dict[str, Any]]:
    """The full records (criteria, values, thresholds, citations) of one enterprise in a run.

    Reads the enterprise's row of the run's Parquet file and rebuilds the records with the plan
    compiled from the run's own parameters.
    """
    table = pq.read_table(runs_dir() / run.result_file, filters=[("uscc", "=", uscc)])
    if table.num_rows == 0:
        return []
    query = build_plan(run.spec())
    return build_records(table.to_pylist(), query, run.year, run.as_of)
