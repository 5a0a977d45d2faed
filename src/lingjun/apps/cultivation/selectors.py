"""Reads of cultivation (培育服务), each scoped by the permission matrix."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from lingjun.apps.accounts.models import User
from lingjun.apps.accounts.permissions import Scope, scope_of
from lingjun.apps.cultivation.models import (
    Category,
    CultivationPlan,
    GapSnapshot,
    Rung,
    ServiceRequest,
    Visit,
)
from lingjun.apps.enterprises.models import Enterprise
from lingjun.apps.enterprises.selectors import enterprises_visible_to


def cultivation_enterprises(user: User) -> QuerySet[Enterprise]:
    """Enterprises whose gaps and plans ``user`` may see (``cultivation.view``)."""
    if scope_of(user, "cultivation.view") == Scope.NONE:
        return Enterprise.objects.none()
    return enterprises_visible_to(user)


def plannable_enterprises(user: User) -> QuerySet[Enterprise]:
    """Enterprises ``user`` may make plans for and log visits to (``cultivation.plan``)."""
    if scope_of(user, "cultivation.plan") == Scope.NONE:
        return Enterprise.objects.none()
    return enterprises_visible_to(user)


def plans_visible_to(user: User) -> QuerySet[CultivationPlan]:
    return CultivationPlan.objects.filter(enterprise__in=cultivation_enterprises(user)).select_related(
        "enterprise", "officer"
    )


def visits_of(*, enterprise: Enterprise) -> QuerySet[Visit]:
    return Visit.objects.filter(enterprise=enterprise).select_related("officer")


def requests_handled_by(user: User) -> QuerySet[ServiceRequest]:
    """The requests ``user`` handles (``requests.handle``): the whole district for the bureau, the
    town's enterprises for a town officer, and ONLY those routed to their department for a
    department liaison."""
    scope = scope_of(user, "requests.handle")
    qs = ServiceRequest.objects.select_related("enterprise")
    if scope == Scope.DISTRICT:
        return qs
    if scope == Scope.DEPARTMENT:
        return qs.filter(department=user.department)
    if scope == Scope.DIVISION:
        return qs.filter(enterprise__in=enterprises_visible_to(user))
    return qs.none()


def requests_of_own(user: User) -> QuerySet[ServiceRequest]:
    """The requests of the enterprise user's own enterprise (``requests.submit``)."""
    if scope_of(user, "requests.submit") != Scope.OWN:
        return ServiceRequest.objects.none()
    return ServiceRequest.objects.filter(enterprise_id=user.enterprise_id or 0).select_related("enterprise")


def overdue(qs: QuerySet[ServiceRequest], *, today: date) -> QuerySet[ServiceRequest]:
    """Requests not closed and past their deadline on ``today``."""
    return qs.exclude(status=ServiceRequest.Status.CLOSED).filter(due_on__lt=today)


@dataclass
class CandidateRow:
    enterprise: Enterprise
    snapshot: GapSnapshot
    plan: CultivationPlan | None


def candidates(*, user: User, rung: str, town: str = "", limit: int = 200) -> list[CandidateRow]:
    """The town officer's work list: enterprises whose next rung is ``rung``, nearest first
    (fewest criteria not met, then fewest gaps that cannot be quantified, then distance)."""
    qs = (
        GapSnapshot.objects.filter(next_rung=rung, enterprise__in=plannable_enterprises(user))
        .select_related("enterprise")
        .order_by("failed", "inexact", "distance", "enterprise__name")
    )
    if town:
        qs = qs.filter(Q(enterprise__town=town) | Q(enterprise__park=town))
    rows = list(qs[:limit])
    plans = {
        p.enterprise_id: p
        for p in CultivationPlan.objects.filter(
            enterprise_id__in=[s.enterprise_id for s in rows], status=CultivationPlan.Status.ACTIVE
        )
    }
    return [CandidateRow(s.enterprise, s, plans.get(s.enterprise_id)) for s in rows]


def candidate_counts(*, user: User) -> dict[str, int]:
    qs = GapSnapshot.objects.filter(enterprise__in=plannable_enterprises(user))
    counts = dict(qs.values_list("next_rung").annotate(n=Count("id")).values_list("next_rung", "n"))
    return {r.value: counts.get(r.value, 0) for r in Rung}


def towns_of(user: User) -> list[str]:
    values = plannable_enterprises(user).exclude(town="").values_list("town", flat=True).distinct()
    return sorted({v for v in values if v})


def last_computed(*, user: User) -> Any:
    snap = (
        GapSnapshot.objects.filter(enterprise__in=plannable_enterprises(user))
        .order_by("-computed_at")
        .first()
    )
    return snap.computed_at if snap else None


def _report(qs: QuerySet[ServiceRequest], field: str, today: date) -> list[dict[str, Any]]:
    rows = (
        qs.values(field)
        .annotate(
            total=Count("id"),
            open=Count("id", filter=~Q(status=ServiceRequest.Status.CLOSED)),
            overdue=Count("id", filter=~Q(status=ServiceRequest.Status.CLOSED) & Q(due_on__lt=today)),
            closed=Count("id", filter=Q(status=ServiceRequest.Status.CLOSED)),
            satisfaction=Avg("satisfaction"),
        )
        .order_by("-total", field)
    )
    labels = dict(Category.choices) if field == "category" else {}
    out = []
    for r in rows:
        key = r[field] or "—"
        out.append({**r, "key": labels.get(key, key)})
    return out


def overview(*, user: User, today: date) -> dict[str, Any]:
    """The bureau's (or a town's) overview: candidates per rung, plans per status, and the requests
    by department, town and category with their overdue counts and satisfaction."""
    plans = plans_visible_to(user)
    reqs = requests_handled_by(user)
    return {
        "candidate_counts": candidate_counts(user=user),
        "plan_counts": dict(plans.values_list("status").annotate(n=Count("id")).values_list("status", "n")),
        "plans_total": plans.count(),
        "by_department": _report(reqs, "department", today),
        "by_town": _report(reqs, "enterprise__town", today),
        "by_category": _report(reqs, "category", today),
        "overdue": list(overdue(reqs, today=today).order_by("due_on")[:50]),
        "requests_total": reqs.count(),
        "visits_recent": list(
            Visit.objects.filter(enterprise__in=plannable_enterprises(user))
            .select_related("enterprise", "officer")
            .order_by("-visited_on", "-id")[:10]
        ),
        "last_computed": last_computed(user=user),
    }


def enterprise_panel(*, user: User, enterprise: Enterprise) -> dict[str, Any]:
    """What the enterprise page's panel shows: stored next rung and gaps, the active plan."""
    snap = GapSnapshot.objects.filter(enterprise=enterprise).first()
    plan = enterprise.cultivation_plans.filter(status=CultivationPlan.Status.ACTIVE).first()
    return {"snapshot": snap, "plan": plan}


def open_request_count(*, user: User) -> int:
    """Requests waiting for ``user`` (the navigation's badge)."""
    return requests_handled_by(user).filter(status=ServiceRequest.Status.OPEN).count()
