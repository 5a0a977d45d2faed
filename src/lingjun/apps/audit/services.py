"""Writing the audit log: :func:`audit_record` (append), :func:`audit_purge` (retention)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from lingjun.apps.audit.models import AuditEvent
from lingjun.apps.audit.requestlocal import client_ip, current_request

#: the shortest retention a 等保 2.0 level-2 review accepts
MIN_RETENTION_DAYS = 180


def audit_record(
    *,
    action: str,
    user: Any = None,
    username: str = "",
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event; who is ``user`` (or the request's user), from where the request's address."""
    request = current_request.get()
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        user = candidate if candidate is not None and candidate.is_authenticated else None
    return AuditEvent.objects.create(
        user=user if user is not None and user.pk is not None else None,
        username=username or (user.get_username() if user is not None else ("" if request else "命令行")),
        role=str(getattr(user, "role", "") or ""),
        ip=client_ip(request),
        action=action,
        target=target[:200],
        detail=detail or {},
    )


def retention_days() -> int:
    return max(MIN_RETENTION_DAYS, int(settings.LINGJUN_AUDIT_RETENTION_DAYS))


def audit_purge(*, now: Any = None) -> int:
    """Delete events older than the retention (never less than 180 days); returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=retention_days())
    return AuditEvent.objects.filter(at__lt=cutoff).purge()
