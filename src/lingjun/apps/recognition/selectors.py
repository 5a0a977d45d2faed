"""Reads of recognition (评价认定): applications within a user's reach, queues and their counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from lingjun.apps.accounts.models import User
from lingjun.apps.accounts.permissions import Scope, scope_of
from lingjun.apps.recognition.flow import PHASES
from lingjun.apps.recognition.models import Application, Batch


def applications_in_scope(*, user: User, action: str) -> QuerySet[Application]:
    """The applications ``user`` may take ``action`` on: the whole district, those of enterprises
    in their 镇街/园区, their own enterprise's, or none."""
    qs = Application.objects.all()
    scope = scope_of(user, action)
    if scope == Scope.DISTRICT:
        return qs
    if scope == Scope.DIVISION:
        cond = Q(pk__in=[])
        if user.town:
            cond |= Q(enterprise__town=user.town)
        if user.park:
            cond |= Q(enterprise__park=user.park)
        return qs.filter(cond)
    if scope == Scope.OWN and user.enterprise_id is not None:
        return qs.filter(enterprise_id=user.enterprise_id)
    return qs.none()


#: the action each role's queue is about (the first the user may take)
QUEUE_ACTIONS = (
    "recognition.review",
    "recognition.municipal_result",
    "recognition.recommend",
    "recognition.publish",
)


def queue_action(user: User) -> str | None:
    for action in QUEUE_ACTIONS:
        if scope_of(user, action) != Scope.NONE:
            return action
    return None


@dataclass
class QueueFilters:
    batch: int | None = None
    phase: str = ""
    town: str = ""
    q: str = ""


def queue(*, user: User, filters: QueueFilters) -> QuerySet[Application]:
    """The user's queue with the page's filters (every matching application: bulk actions use it whole)."""
    action = queue_action(user)
    if action is None:
        return Application.objects.none()
    qs = applications_in_scope(user=user, action=action)
    if filters.batch:
        qs = qs.filter(batch_id=filters.batch)
    if filters.phase:
        qs = qs.filter(phase=filters.phase)
    if filters.town:
        qs = qs.filter(enterprise__town=filters.town)
    if filters.q:
        qs = qs.filter(Q(enterprise__name__contains=filters.q) | Q(enterprise__uscc=filters.q.upper()))
    return qs


def phase_counts(qs: QuerySet[Application]) -> list[tuple[str, str, int]]:
    """(code, name, count) per phase of the flow, in the flow's order, for ``qs`` (one GROUP BY)."""
    counted = dict(qs.order_by().values_list("phase").annotate(n=Count("pk")))
    return [(p.code, str(p.name), counted.get(p.code, 0)) for p in PHASES]


def batches_open_for_applying(*, today: Any) -> QuerySet[Batch]:
    return Batch.objects.filter(status=Batch.Status.OPEN, opens_on__lte=today, closes_on__gte=today)


#: the phases each queue action works on (the home page's "waiting for you")
WAITING = {
    "recognition.recommend": ("town_review",),
    "recognition.review": ("district_review", "site_visit", "ready", "objection"),
    "recognition.municipal_result": ("municipal_review",),
}


def home_context(*, user: User, today: Any) -> dict[str, Any] | None:
    """The home page's 评价认定待办: applications waiting for this user's role, per phase."""
    action = queue_action(user)
    if action not in WAITING:
        return None
    phases = WAITING[action]
    counts = phase_counts(applications_in_scope(user=user, action=action).filter(phase__in=phases))
    return {"waiting": [c for c in counts if c[0] in phases and c[2]]}
