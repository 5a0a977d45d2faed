"""Evaluation runs (评价批次) and their stored results.

A run keeps its parameters (policies, application year, as-of date, engine, what-if overrides),
its counts, one slim row per enterprise (each policy's result as one letter, the scores; for
lists, filters and jurisdiction joins) and the full explanation columns as a Parquet file under
``LINGJUN_HOME/runs/`` (a few MB for 100 000 enterprises, instead of millions of JSON rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from lingjun.rules import outcome
from lingjun.rules.spec import RunSpec


class Outcome(models.TextChoices):
    """The rules library's outcomes (:mod:`lingjun.rules.outcome`): its codes, its words (written
    out here for the translation catalog; a test keeps them equal to the library's)."""

    PASS = outcome.PASS, _("通过")
    FAIL = outcome.FAIL, _("不通过")
    UNKNOWN = outcome.UNKNOWN, _("需补充材料")


class EvaluationRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("评价中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        CANCELLED = "cancelled", _("已取消")

    policies = models.JSONField("评价政策", default=list)
    year = models.IntegerField("申报年度")
    as_of = models.DateField("有效性判断日期")
    engine = models.CharField("计算引擎", max_length=16, default="duckdb")
    overrides = models.JSONField("参数调整（模拟）", default=dict, blank=True)
    #: run-wide policy inputs the dossier does not carry, e.g. an officer's confirmation that no
    #: applicant is in a prohibited sector: ``{"national.tech_sme.2017.prohibited_sector": false}``
    inputs = models.JSONField("人工确认的输入", default=dict, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.RUNNING)
    counts = models.JSONField("结果统计", default=dict, blank=True)
    provisional = models.JSONField("含暂定参数的政策", default=list, blank=True)
    enterprise_count = models.IntegerField("企业数", default=0)
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    #: when the evaluation itself began (runs wait in line until then: one is evaluated at a time)
    begun_at = models.DateTimeField("开始计算时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    seconds = models.FloatField("耗时（秒）", null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="操作人"
    )
    error = models.TextField("错误信息", blank=True, default="")
    result_file = models.CharField("结果文件", max_length=255, blank=True, default="")
    #: the worker process that evaluates the run, ``host:pid`` (its job: ``lingjun.apps.jobs``)
    worker = models.CharField("执行进程", max_length=128, blank=True, default="")

    class Meta:
        verbose_name = "评价批次"
        verbose_name_plural = "评价批次"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"评价批次 #{self.pk}（{self.year} 年度）"

    def spec(self) -> RunSpec:
        """The run as the rules library takes it: policies, year, date, what-ifs, confirmed inputs
        (checked again against the policy library; raises :class:`~lingjun.rules.RulesError`)."""
        return RunSpec.of(
            self.policies, year=self.year, as_of=self.as_of, overrides=self.overrides, inputs=self.inputs
        )


#: an outcome as the letter stored in :attr:`EvaluationResult.outcomes`
OUTCOME_CODES = {Outcome.PASS.value: "p", Outcome.FAIL.value: "f", Outcome.UNKNOWN.value: "u"}
CODE_OUTCOMES = {code: outcome for outcome, code in OUTCOME_CODES.items()}
#: what separates the scores of the policies in :attr:`EvaluationResult.scores`
SCORE_SEPARATOR = ";"


def outcomes_code(results: Sequence[str]) -> str:
    """The stored form of one enterprise's results (``pass``/``fail``/``unknown``), in the order
    of the run's policies: ``["pass", "unknown"]`` → ``"pu"``."""
    return "".join(OUTCOME_CODES[r] for r in results)


def scores_code(scores: Sequence[Decimal | None]) -> str:
    """The stored form of one enterprise's scores, in the order of the run's policies: two places,
    empty for a policy without a score; ``""`` when no policy has one."""
    if all(s is None for s in scores):
        return ""
    return SCORE_SEPARATOR.join("" if s is None else f"{s:.2f}" for s in scores)


def decode_results(
    policies: Sequence[str], outcomes: str, scores: str
) -> dict[str, tuple[str, Decimal | None]]:
    """``{policy: (result, score)}`` from a stored row (``policies``: the run's, in its order)."""
    parts = scores.split(SCORE_SEPARATOR) if scores else [""] * len(policies)
    return {
        p: (CODE_OUTCOMES[o], Decimal(s) if s else None)
        for p, o, s in zip(policies, outcomes, parts, strict=False)
    }


class EvaluationResultQuerySet(models.QuerySet["EvaluationResult"]):
    def of(self, run: EvaluationRun, *, policy: str = "", result: str = "") -> EvaluationResultQuerySet:
        """The rows of ``run``; with ``result``, those with that result under ``policy`` (a policy
        of the run) or, without ``policy``, under any of the run's policies."""
        qs = self.filter(run=run)
        if not result:
            return qs
        code = OUTCOME_CODES[result]
        if not policy:
            return qs.filter(outcomes__contains=code)
        position = list(run.policies).index(policy) + 1
        return qs.alias(_outcome=Substr("outcomes", position, 1)).filter(_outcome=code)


class EvaluationResult(models.Model):
    """The results of one enterprise in one run: one letter per policy of the run, in the order
    of :attr:`EvaluationRun.policies` (``p`` 通过, ``f`` 不通过, ``u`` 需补充材料), and the scores.

    One row per enterprise rather than per enterprise and policy: a run of six policies over
    100 000 enterprises stores 100 000 short rows, not 600 000 (see docs/architecture.md).
    Read them with :func:`decode_results`; filter them with ``EvaluationResult.objects.of(…)``.
    """

    #: no index of its own: the unique ``(run, uscc)`` index serves every lookup by run
    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="results", db_index=False)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        to_field="uscc",
        db_column="uscc",
        on_delete=models.CASCADE,
        db_constraint=False,
        verbose_name="企业",
    )
    #: one letter per policy of the run, in the run's order: ``p`` pass, ``f`` fail, ``u`` unknown
    outcomes = models.CharField("结果", max_length=64)
    #: the scores in the run's order of policies, two places, ``;`` between them, empty for a
    #: policy without a score (``;61.50``); ``""`` when no policy of the run is scored
    scores = models.CharField("得分", max_length=255, blank=True, default="")

    objects = EvaluationResultQuerySet.as_manager()

    class Meta:
        verbose_name = "评价结果"
        verbose_name_plural = "评价结果"
        constraints = [
            models.UniqueConstraint(fields=["run", "enterprise"], name="lj_evr_run_enterprise"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {self.outcomes}"

    def results(self) -> dict[str, tuple[str, Decimal | None]]:
        """``{policy: (result, score)}`` of this row."""
        return decode_results(self.run.policies, self.outcomes, self.scores)
