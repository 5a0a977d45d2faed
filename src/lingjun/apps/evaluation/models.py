"""Evaluation runs (评价批次) and their stored results.

A run keeps its parameters (policies, application year, as-of date, engine, what-if overrides),
its counts, a slim row per enterprise and policy (result and score, for lists, filters and
jurisdiction joins) and the full explanation columns as a Parquet file under
``LINGJUN_HOME/runs/`` (a few MB for 100 000 enterprises, instead of millions of JSON rows).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    PASS = "pass", _("通过")
    FAIL = "fail", _("不通过")
    UNKNOWN = "unknown", _("需补充材料")


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


class EvaluationResult(models.Model):
    """The overall result of one enterprise under one policy in one run."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="results")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        to_field="uscc",
        db_column="uscc",
        on_delete=models.CASCADE,
        db_constraint=False,
        verbose_name="企业",
    )
    policy = models.CharField("政策", max_length=64)
    result = models.CharField("结果", max_length=8, choices=Outcome.choices)
    score = models.DecimalField("得分", max_digits=8, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = "评价结果"
        verbose_name_plural = "评价结果"
        indexes = [models.Index(fields=["run", "policy", "result"], name="lj_evr_run_policy_result")]
        constraints = [
            models.UniqueConstraint(fields=["run", "enterprise", "policy"], name="lj_evr_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.policy}: {self.get_result_display()}"
