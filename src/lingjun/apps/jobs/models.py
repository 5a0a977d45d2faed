"""A background job (后台任务) as the pages show it: kind, who started it, state, progress, result.

The job itself runs through Django's Tasks API (``django-tasks``: the database backend, or RQ with
Redis); this record is ours, so that pages, cancellation and the recovery of a dead worker's jobs
work the same on every backend. ``attempt`` is the claim token: a task carries the attempt it was
enqueued for, and only the task of the current attempt may run or store anything.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    class Kind(models.TextChoices):
        EVALUATION = "evaluation", _("评价")
        IMPORT = "import", _("导入企业档案")
        EXPORT = "export", _("导出企业档案")
        MEMBER_SWEEP = "member_sweep", _("入库企业日常检查")
        POOL_REVIEW = "pool_review", _("入库企业复核")
        FUNDS_PROPOSALS = "funds_proposals", _("免申即享测算")
        CULTIVATION_GAPS = "cultivation_gaps", _("培育差距测算")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("执行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        CANCELLED = "cancelled", _("已取消")

    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    #: the object the job works on (an evaluation run's id), when there is one
    subject_id = models.BigIntegerField("对象编号", null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="发起人"
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField("进度", default=0.0)
    step = models.CharField("当前步骤", max_length=200, blank=True, default="")
    params = models.JSONField("参数", default=dict, blank=True)
    result = models.JSONField("结果", default=dict, blank=True)
    error = models.TextField("错误信息", blank=True, default="")
    cancel_requested = models.BooleanField("已请求取消", default=False)
    #: dotted path of the task function (re-enqueued when a dead worker's job is retried)
    task_path = models.CharField("任务函数", max_length=200, blank=True, default="")
    task_id = models.CharField("任务编号", max_length=64, blank=True, default="")
    attempt = models.PositiveSmallIntegerField("执行次数", default=1)
    #: the process executing it, ``host:pid``, and when it last said it was alive
    worker = models.CharField("执行进程", max_length=128, blank=True, default="")
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "subject_id"], name="lj_job_subject"),
            models.Index(fields=["status"], name="lj_job_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def over(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.CANCELLED)

    @property
    def percent(self) -> int:
        return round(max(0.0, min(1.0, self.progress)) * 100)
