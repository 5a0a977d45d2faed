"""Sending notifications (消息通知): stored for each user, e-mailed to those with an address.

E-mail goes through Django's e-mail backend: files under ``LINGJUN_HOME/mail`` in the embedded
default, the intranet relay when ``LINGJUN_SMTP_HOST`` is set. A mail server that is down does
not lose the message: it stays in the app, and ``emailed`` stays false.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.message import EmailMessage
from django.db import transaction
from django.utils import timezone

from lingjun.apps.notifications.models import Notification

log = logging.getLogger(__name__)

SUBJECT_MAX = 200
BODY_MAX = 4000


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def notification_send(*, users: Iterable[Any], subject: str, body: str, url: str = "", kind: str = "") -> int:
    """Store one message per (distinct, active) user and e-mail it to those with an address.
    Returns the number of users notified. E-mail is sent after the surrounding transaction
    commits, so a rolled-back action sends nothing."""
    recipients = {u.pk: u for u in users if u is not None and u.is_active}
    if not recipients:
        return 0
    subject, body = _cut(subject, SUBJECT_MAX), _cut(body, BODY_MAX)
    rows = Notification.objects.bulk_create(
        [Notification(user_id=pk, kind=kind, subject=subject, body=body, url=url) for pk in recipients]
    )
    with_address = [(row.pk, u.email) for row, u in zip(rows, recipients.values(), strict=True) if u.email]
    if with_address:
        link = f"{settings.LINGJUN_BASE_URL}{url}" if url else settings.LINGJUN_BASE_URL
        text = f"{body}\n\n{link}\n\n—— 武清区创新型企业领军计划管理平台（本邮件由系统发送，请勿回复）"
        transaction.on_commit(lambda: _email(with_address, f"【领军计划】{subject}", text))
    return len(recipients)


def _email(recipients: list[tuple[int, str]], subject: str, text: str) -> None:
    messages = [
        EmailMessage(subject, text, settings.DEFAULT_FROM_EMAIL, [address]) for _, address in recipients
    ]
    try:
        sent = get_connection(fail_silently=False).send_messages(messages)
    except OSError as error:  # the relay is down: the messages stay in the app
        log.warning("通知邮件未能发送：%s", error)
        return
    if sent:
        Notification.objects.filter(pk__in=[pk for pk, _ in recipients]).update(emailed=True)


def notifications_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's messages read (all unread ones when ``ids`` is None)."""
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=timezone.now())
