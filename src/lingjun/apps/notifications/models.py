"""消息通知: one message to one user, in the app (unread until opened) and, where the user has
an address, by e-mail."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    #: what it is about, for filtering (e.g. "recognition.returned", "membership.exit")
    kind = models.CharField("类别", max_length=64, blank=True, default="")
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容", max_length=4000)
    #: a page of the platform (path), where the user acts on it
    url = models.CharField("链接", max_length=500, blank=True, default="")
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    emailed = models.BooleanField("已发邮件", default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]
        verbose_name = "消息"
        verbose_name_plural = "消息"

    def __str__(self) -> str:
        return self.subject
