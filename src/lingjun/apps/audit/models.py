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
