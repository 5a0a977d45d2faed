"""The tables of plan (领军计划实施): hand-entered actuals of targets and department task reports.

The targets and tasks themselves are data (:mod:`lingjun.apps.plan.catalog`); the database holds
only what people enter: an actual the platform has no source for (:class:`TargetActual`, with who,
when and the evidence; every entry kept, the newest counts) and a department's progress report
for a task and a reporting period (:class:`TaskReport`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class TargetActual(models.Model):
    period = models.CharField("计划期", max_length=32)
    target = models.CharField("目标", max_length=64)
    value = models.DecimalField("完成值", max_digits=14, decimal_places=2)
    as_of = models.DateField("截至日期")
    evidence = models.TextField("依据")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="录入人",
    )
    entered_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "目标完成值（手工录入）"
        verbose_name_plural = "目标完成值（手工录入）"
        ordering = ["period", "target", "-as_of", "-id"]
        indexes = [models.Index(fields=["period", "target", "as_of"], name="lj_plan_actual_target")]

    def __str__(self) -> str:
        return f"{self.target} {self.value}（{self.as_of}）"


class TaskReport(models.Model):
    """A department's progress report on one task for one reporting period."""

    task = models.CharField("任务", max_length=16)
    department = models.CharField("部门", max_length=64)
    period_start = models.DateField("报送期起")
    period_end = models.DateField("报送期止")
    due_on = models.DateField("报送截止日期", null=True, blank=True)
    progress = models.TextField("进展情况")
    figures = models.TextField("主要数据", blank=True, default="")
    attachment = models.FileField("附件", upload_to="plan/reports/%Y/", blank=True, default="")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="报送人",
    )
    submitted_at = models.DateTimeField("报送时间", auto_now_add=True)

    class Meta:
        verbose_name = "任务进度报送"
        verbose_name_plural = "任务进度报送"
        ordering = ["-period_start", "task", "department"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "department", "period_start"], name="lj_plan_report_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.department} {self.period_start:%Y-%m}"

    @property
    def period_label(self) -> str:
        return f"{self.period_start.year}年第{(self.period_start.month - 1) // 3 + 1}季度"

    @property
    def late(self) -> bool:
        return self.due_on is not None and self.submitted_at.date() > self.due_on
