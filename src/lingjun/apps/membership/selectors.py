"""Reads of membership (入库企业管理)."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from lingjun.apps.membership.models import Membership


def active_q(*, as_of: date, prefix: str = "") -> Q:
    """The condition "active as of ``as_of``": started, not past its validity, not exited."""
    p = prefix
    return (
        Q(**{f"{p}valid_from__lte": as_of})
        & (Q(**{f"{p}valid_until__isnull": True}) | Q(**{f"{p}valid_until__gte": as_of}))
        & (Q(**{f"{p}exited_on__isnull": True}) | Q(**{f"{p}exited_on__gt": as_of}))
    )


def active_memberships(*, as_of: date) -> QuerySet[Membership]:
    """Every membership active as of ``as_of`` (at most one per enterprise), with ``enterprise_id``,
    ``tier``, ``registration_number``, ``valid_from`` and ``valid_until``."""
    return Membership.objects.filter(active_q(as_of=as_of))


def memberships_of(*, enterprise_id: int) -> QuerySet[Membership]:
    """The history of one enterprise, newest first."""
    return Membership.objects.filter(enterprise_id=enterprise_id).order_by("-valid_from", "-id")
