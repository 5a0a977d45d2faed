"""Reading a user's notifications."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from lingjun.apps.notifications.models import Notification


def notifications_of(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    rows = Notification.objects.filter(user=user)
    return rows.filter(read_at__isnull=True) if unread_only else rows


def unread_count(*, user: Any) -> int:
    """The badge of the navigation entry 消息."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
