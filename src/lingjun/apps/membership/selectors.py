"""Reads of membership (入库企业管理)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lingjun.apps.accounts.models import User
from lingjun.apps.accounts.permissions import Scope, scope_of
from lingjun.apps.enterprises.selectors import enterprises_visible_to
from lingjun.apps.membership.models import (
    TIER_RANK,
    AnnualUpdate,
    ExitReason,
    Membership,
    PoolReview,
    ReviewFinding,
    Tier,
)


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


def annual_update_owed_q(*, year: int, deadline: date | None) -> Q:
    """Memberships that owe the annual update of ``year``: started before 1 January of ``year``
    (a firm pooled during ``year`` was just evaluated on ``year - 1``) and on the platform by the
    deadline (a past membership entered later, e.g. from the city's records, could not have done
    it in time)."""
    q = Q(valid_from__lt=date(year, 1, 1))
    if deadline is not None:
        q &= Q(entered_at__date__lte=deadline)
    return q


def deadline_or_none(*, year: int) -> date | None:
    """The annual update's deadline of ``year`` from the setting, ``None`` when it is malformed
    (the services refuse it with a message; the pages only leave it out)."""
    try:
        month, day = (int(x) for x in str(settings.LINGJUN_ANNUAL_UPDATE_DEADLINE).strip().split("-"))
        return date(year, month, day)
    except ValueError:
        return None


def owes_annual_update(*, membership: Membership, year: int) -> bool:
    deadline = deadline_or_none(year=year)
    return membership.valid_from < date(year, 1, 1) and (
        deadline is None or timezone.localdate(membership.entered_at) <= deadline
    )


def memberships_of(*, enterprise_id: int) -> QuerySet[Membership]:
    """The history of one enterprise, newest first."""
    return Membership.objects.filter(enterprise_id=enterprise_id).order_by("-valid_from", "-id")


# ------------------------------------------------------------------------------ pages

#: a membership whose validity ends within this many days counts as 即将到期
EXPIRING_DAYS = 90

STATUSES = (
    ("active", _("在库")),
    ("expiring", _("即将到期")),
    ("expired", _("已到期")),
    ("exited", _("已出库")),
    ("all", _("全部")),
)


def memberships_visible_to(user: User) -> QuerySet[Membership]:
    """Memberships of the enterprises ``user`` may see (district, 镇街/园区, own)."""
    visible = enterprises_visible_to(user)
    if not visible.query.where:  # the whole district: every membership (no IN over the whole pool)
        return Membership.objects.all()
    return Membership.objects.filter(enterprise__in=visible)


@dataclass
class MemberFilters:
    tier: str = ""
    town: str = ""
    status: str = "active"
    annual: str = ""  # "missing": owes the update of the year and has not done it
    q: str = ""

    @classmethod
    def of(cls, params: Mapping[str, str]) -> MemberFilters:
        tier = params.get("tier", "")
        status = params.get("status", "active")
        return cls(
            tier=tier if tier in TIER_RANK else "",
            town=params.get("town", "")[:64],
            status=status if status in dict(STATUSES) else "active",
            annual="missing" if params.get("annual") == "missing" else "",
            q=params.get("q", "").strip()[:100],
        )


def _status_q(status: str, today: date) -> Q:
    if status == "active":
        return active_q(as_of=today)
    if status == "expiring":
        return active_q(as_of=today) & Q(valid_until__lte=today + timedelta(days=EXPIRING_DAYS))
    if status == "expired":
        return Q(exited_on__isnull=True, valid_until__lt=today)
    if status == "exited":
        return Q(exited_on__isnull=False, exited_on__lte=today)
    return Q()


def members_filtered(*, user: User, filters: MemberFilters, today: date) -> QuerySet[Membership]:
    qs = memberships_visible_to(user).filter(_status_q(filters.status, today))
    if filters.tier:
        qs = qs.filter(tier=filters.tier)
    if filters.town:
        qs = qs.filter(Q(enterprise__town=filters.town) | Q(enterprise__park=filters.town))
    if filters.q:
        qs = qs.filter(
            Q(enterprise__name__icontains=filters.q)
            | Q(enterprise__uscc=filters.q.upper())
            | Q(registration_number__icontains=filters.q)
        )
    if filters.annual == "missing":
        year = today.year
        done = AnnualUpdate.objects.filter(enterprise_id=OuterRef("enterprise_id"), year=year)
        qs = qs.filter(annual_update_owed_q(year=year, deadline=deadline_or_none(year=year))).exclude(
            Exists(done)
        )
    return qs.select_related("enterprise", "exited_by").order_by("-valid_from", "-id")


def member_counts(*, user: User, today: date) -> dict[str, Any]:
    """Counts for the list's head: active members per tier, and per status (one query each)."""
    visible = memberships_visible_to(user)
    per_tier = dict(
        visible.filter(active_q(as_of=today)).values_list("tier").annotate(n=Count("id")).order_by()
    )
    statuses = {
        key: visible.filter(_status_q(key, today)).count() for key, _label in STATUSES if key != "all"
    }
    exits = dict(
        visible.filter(_status_q("exited", today))
        .values_list("exit_reason")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "tiers": [(t.value, t.label, per_tier.get(t.value, 0)) for t in Tier],
        "statuses": statuses,
        "exits": [(r.value, r.label, exits.get(r.value, 0)) for r in ExitReason if exits.get(r.value)],
    }


def member_towns(*, user: User) -> list[str]:
    return sorted(
        t for t in memberships_visible_to(user).values_list("enterprise__town", flat=True).distinct() if t
    )


def findings_filtered(
    *, user: User, params: Mapping[str, str]
) -> tuple[QuerySet[ReviewFinding], dict[str, str]]:
    """The findings of the officer's jurisdiction matching ``status``, ``tier``, ``town``, ``review``."""
    status = params.get("status", ReviewFinding.Status.PENDING)
    if status not in ReviewFinding.Status.values:
        status = ReviewFinding.Status.PENDING
    tier = params.get("tier", "")
    tier = tier if tier in TIER_RANK else ""
    town = params.get("town", "")[:64]
    review = params.get("review", "")
    review = review if review.isdigit() else ""
    qs = ReviewFinding.objects.filter(enterprise__in=enterprises_visible_to(user), status=status)
    if tier:
        qs = qs.filter(tier=tier)
    if town:
        qs = qs.filter(Q(enterprise__town=town) | Q(enterprise__park=town))
    if review:
        qs = qs.filter(review_id=int(review))
    used = {"status": status, "tier": tier, "town": town, "review": review}
    return qs.select_related("enterprise", "membership", "decided_by", "review").order_by("id"), used


def finding_counts(*, user: User) -> dict[str, int]:
    visible = ReviewFinding.objects.filter(enterprise__in=enterprises_visible_to(user))
    counts = dict(visible.values_list("status").annotate(n=Count("id")).order_by())
    return {s: counts.get(s, 0) for s in ReviewFinding.Status.values}


def pending_findings_badge(*, user: User) -> int:
    """The number beside the navigation entry: findings waiting for a decision."""
    return ReviewFinding.objects.filter(
        enterprise__in=enterprises_visible_to(user), status=ReviewFinding.Status.PENDING
    ).count()


def reviews_recent(*, limit: int = 5) -> QuerySet[PoolReview]:
    return PoolReview.objects.select_related("user").order_by("-started_at", "-id")[:limit]


def annual_update_of(*, enterprise_id: int, year: int) -> AnnualUpdate | None:
    return (
        AnnualUpdate.objects.filter(enterprise_id=enterprise_id, year=year)
        .select_related("confirmed_by")
        .first()
    )


def current_membership(*, enterprise_id: int, as_of: date) -> Membership | None:
    return active_memberships(as_of=as_of).filter(enterprise_id=enterprise_id).first()


def home_context(*, user: User, today: date) -> dict[str, Any] | None:
    """The membership section of the home page: counts for officers, the own membership and its
    annual update for an enterprise user (``None`` for users who may not see memberships)."""
    scope = scope_of(user, "membership.view")
    if scope == Scope.NONE:
        return None
    deadline = deadline_or_none(year=today.year)
    if scope == Scope.OWN:
        assert user.enterprise_id is not None
        current = current_membership(enterprise_id=user.enterprise_id, as_of=today)
        if current is None:
            return None
        owes = owes_annual_update(membership=current, year=today.year)
        done = annual_update_of(enterprise_id=user.enterprise_id, year=today.year)
        return {"own": current, "owes": owes and done is None, "deadline": deadline, "today": today}
    missing = members_filtered(user=user, filters=MemberFilters(annual="missing"), today=today).count()
    return {
        "counts": member_counts(user=user, today=today),
        "pending": pending_findings_badge(user=user),
        "missing": missing,
        "deadline": deadline,
        "today": today,
    }
