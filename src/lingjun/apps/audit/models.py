"""审计日志: who did what, when, from where — append-only.

An event keeps the user's name as it was (``username``): deleting a user sets ``user`` to null
and leaves the name on every record. Events are never changed nor deleted one by one; only
:func:`lingjun.apps.audit.services.audit_purge` removes those older than the retention.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class AppendOnly(Exception):
    """An audit event was to be changed or deleted."""


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnly("审计日志只能追加，不能修改。")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnly("审计日志只能追加，不能删除（过期记录由保留期限清理）。")

    def purge(self) -> int:
        """Delete these events (retention only)."""
        return super().delete()[0]


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        LOGIN = "login", "登录"
        LOGIN_FAILED = "login_failed", "登录失败"
        LOGOUT = "logout", "退出登录"
        USER_CREATED = "user_created", "创建用户"
        USER_DELETED = "user_deleted", "删除用户"
        ROLE_CHANGED = "role_changed", "角色或权限变更"
        IMPORT = "import", "导入"
        EXPORT = "export", "导出"
        RUN = "run", "发起评价"
        MEMBERSHIP_ENTER = "membership_enter", "入库"
        MEMBERSHIP_EXIT = "membership_exit", "出库"
        ANNUAL_UPDATE = "annual_update", "年度信息更新"
        POOL_REVIEW = "pool_review", "入库企业复核"
        FINDING_DISMISS = "finding_dismiss", "驳回复核发现"
        FUNDS_APPROVE = "funds_approve", "审批扶持资金"
        FUNDS_CONFIRM_AMOUNT = "funds_confirm_amount", "确认暂定扶持金额"
        FUNDS_DISBURSE = "funds_disburse", "拨付扶持资金"
        FUNDS_REVERSE = "funds_reverse", "冲销或追回扶持资金"
        NOTICE_PUBLISH = "notice_publish", "发布公示公告"
        TARGET_ACTUAL_RECORD = "target_actual_record", "录入目标完成值"
        TASK_REPORT_SUBMIT = "task_report_submit", "报送任务进度"

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="用户"
    )
    username = models.CharField("用户名", max_length=150, blank=True)
    role = models.CharField("角色", max_length=32, blank=True)
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    action = models.CharField("操作", max_length=32, choices=Action.choices, db_index=True)
    target = models.CharField("对象", max_length=200, blank=True)
    detail = models.JSONField("详情", default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        db_table = "lj_audit_event"
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnly("审计日志只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly("审计日志只能追加，不能删除。")
