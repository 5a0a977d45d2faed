"""Reading the audit log: filtered, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import QuerySet

from lingjun.apps.audit.models import AuditEvent


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    username: str = ""
    ip: str = ""
    since: date | None = None
    until: date | None = None


def audit_events(*, filters: AuditFilters) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.all()
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.username:
        qs = qs.filter(username__icontains=filters.username)
    if filters.ip:
        qs = qs.filter(ip=filters.ip)
    if filters.since:
        qs = qs.filter(at__date__gte=filters.since)
    if filters.until:
        qs = qs.filter(at__date__lt=filters.until + timedelta(days=1))
    return qs.order_by("-at", "-id")
