"""Runs as the pages list them: who may see and start runs, each run's counts per result over
the user's jurisdiction, the run list and the progress estimate.

A town's counts are one ``GROUP BY`` of its result rows by their letters (one row per enterprise,
a letter per policy: a few hundred distinct groups at most), tallied per policy here; still, with
100 000 enterprises they take a noticeable time, so the run list loads them per run after the
page. District-wide users read the counts stored with the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from lingjun.apps.accounts.models import DISTRICT_WIDE_ROLES, Role, User
from lingjun.apps.accounts.permissions import can
from lingjun.apps.enterprises.selectors import enterprises_visible_to
from lingjun.apps.evaluation.models import CODE_OUTCOMES, EvaluationResult, EvaluationRun, Outcome
from lingjun.apps.evaluation.selectors.policies import input_texts, policy_label, policy_sort_key
from lingjun.apps.jobs.models import Job

#: a jurisdiction up to this size is counted through the (run, uscc) index with a list of codes
SMALL_SCOPE = 2_000


def can_view_evaluation(user: User) -> bool:
    """Whether ``user`` may open evaluation results (permission matrix: ``evaluation.view``)."""
    return can(user, "evaluation.view")


def can_start_runs(user: User) -> bool:
    """Whether ``user`` may start runs (permission matrix: ``evaluation.run``)."""
    return can(user, "evaluation.run")


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
    counted: dict[str, dict[str, int]] = {p: {} for p in run.policies}
    rows = _scoped_results(user, run).order_by().values_list("outcomes").annotate(n=Count("id"))
    for outcomes, n in rows:
        for policy, code in zip(run.policies, outcomes, strict=False):
            by_result = counted[policy]
            result = CODE_OUTCOMES[code]
            by_result[result] = by_result.get(result, 0) + n
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


def run_queue_ahead(run: EvaluationRun) -> int | None:
    """How many runs are ahead of a waiting run in the job queue (each worker evaluates one at a
    time); ``None`` once its evaluation has begun."""
    if run.begun_at is not None or run.status != EvaluationRun.Status.RUNNING:
        return None
    running = EvaluationRun.objects.filter(status=EvaluationRun.Status.RUNNING)
    # not the run itself: it may have begun since it was read (the page would say "1 ahead")
    ahead = running.exclude(pk=run.pk).filter(Q(begun_at__isnull=False) | Q(pk__lt=run.pk))
    return ahead.count()


def run_job(run: EvaluationRun) -> Job | None:
    """The newest background job of a run (``None`` for a run evaluated in the foreground)."""
    return Job.objects.filter(kind=Job.Kind.EVALUATION, subject_id=run.pk).order_by("-pk").first()


def run_list(*, user: User, limit: int = 20, offset: int = 0) -> tuple[list[RunRow], bool]:
    """The newest runs a user may open (and whether there are older ones)."""
    runs = list(runs_visible_to(user)[offset : offset + limit + 1])
    counted = user if counts_are_cheap(user) else None
    rows = [run_row(run=r, user=counted) for r in runs[:limit]]
    return rows, len(runs) > limit


def run_policies(run: EvaluationRun) -> list[str]:
    return sorted(run.policies, key=policy_sort_key)
