"""Reads behind the enterprise pages, each scoped by the user's jurisdiction: the enterprise
list's page, the home page's section and the enterprise page.

Every query of enterprises starts from :func:`enterprises_visible_to`, and the search itself
(:func:`lingjun.apps.enterprises.selectors.pool.enterprises_search`) lives with the pool's other reads,
where the evaluation pages use it too (and the API will).

Speed with 100 000 enterprises (``bench/bench_pages.py``): the list never counts over a join (the
qualification filter is an ``IN (subquery)`` semi-join, so rows are never duplicated and no
``DISTINCT`` is needed), its count is capped (:mod:`lingjun.apps.paging`) and every sort order is
an indexed column with the primary key as tie-breaker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet

from lingjun.apps.accounts.models import User
from lingjun.apps.accounts.permissions import can
from lingjun.apps.enterprises.models import ChangeRecord, Enterprise
from lingjun.apps.enterprises.selectors.pool import (
    EnterpriseFilters,
    dossiers_load,
    enterprises_search,
    enterprises_visible_to,
    qualification_rows,
    qualification_valid_on,
)
from lingjun.apps.paging import CappedPage, capped_page
from lingjun.dossier.schema import QUALIFICATIONS

#: qualification kinds counted on the home page, in this order
SUMMARY_QUALIFICATIONS = ("hnte", "tech_sme", "chuying", "dengling", "lingjun_peiyu", "lingjun")


@dataclass
class ListRow:
    enterprise: Enterprise
    qualifications: list[str] = field(default_factory=list)  # Chinese labels, valid today


def enterprise_list_page(
    *,
    user: User,
    filters: EnterpriseFilters,
    today: date,
    page: int = 1,
    per_page: int = 50,
    count_cap: int = 10_000,
) -> CappedPage[ListRow]:
    """One page of the enterprise list with a capped count (no full ``COUNT(*)`` at scale)."""
    qs = enterprises_search(user=user, filters=filters, today=today)
    fetched = capped_page(qs, page=page, per_page=per_page, count_cap=count_cap)
    enterprises: list[Enterprise] = fetched.rows
    labels = {c.value: c.label for c in QUALIFICATIONS.field("kind").choices}
    held: dict[str, list[str]] = {}
    rows_q = (
        qualification_rows()
        .filter(
            qualification_valid_on(today),
            enterprise_id__in=[e.uscc for e in enterprises],
        )
        .order_by("kind")
    )
    for uscc, kind in rows_q.values_list("enterprise_id", "kind").distinct():
        held.setdefault(uscc, []).append(labels.get(kind, kind))
    rows = [ListRow(e, held.get(e.uscc, [])) for e in enterprises]
    return fetched.with_rows(rows)


@dataclass
class PoolSummary:
    total: int
    by_town: list[tuple[str, int]]  # (镇街, count), largest first; "" for unknown
    towns_total: int  # how many 镇街 have at least one enterprise
    qualifications: list[tuple[str, str, int]]  # (kind, Chinese label, enterprises holding it)


def pool_summary(*, user: User, today: date, top_towns: int = 10) -> PoolSummary:
    """Counts for the home page, over the user's jurisdiction, qualifications valid on ``today``."""
    visible = enterprises_visible_to(user)
    total = visible.count()
    towns = list(
        visible.order_by()
        .values("town")
        .annotate(n=Count("id"))
        .order_by("-n", "town")
        .values_list("town", "n")
    )
    quals = qualification_rows().filter(qualification_valid_on(today), kind__in=SUMMARY_QUALIFICATIONS)
    if visible.query.where:  # not the whole district: restrict to the jurisdiction
        quals = quals.filter(enterprise_id__in=visible.values("uscc"))
    held = dict(
        quals.order_by()
        .values("kind")
        .annotate(n=Count("enterprise_id", distinct=True))
        .values_list("kind", "n")
    )
    kind_spec = QUALIFICATIONS.field("kind")
    return PoolSummary(
        total=total,
        by_town=[(t or "", n) for t, n in towns[:top_towns]],
        towns_total=sum(1 for t, _ in towns if t),
        qualifications=[(k, kind_spec.choice_label(k), held.get(k, 0)) for k in SUMMARY_QUALIFICATIONS],
    )


def home_context(*, user: User, today: date) -> dict[str, Any] | None:
    """The enterprise pool's section of the home page (``None`` for users who may not see it)."""
    if not can(user, "enterprise.view"):
        return None
    return {"summary": pool_summary(user=user, today=today), "can_import": can(user, "enterprise.import")}


@dataclass
class EnterpriseProfile:
    dossier: dict[str, Any]
    changes: Page[ChangeRecord]


def enterprise_profile(
    *, enterprise: Enterprise, changes_page: int | str = 1, per_page: int = 20
) -> EnterpriseProfile:
    """The canonical dossier of one (already authorised) enterprise and a page of its history."""
    uscc: str = enterprise.uscc
    dossier = dossiers_load(usccs=[uscc]).get(uscc, {"uscc": uscc})
    changes = enterprise_changes(enterprise=enterprise)
    return EnterpriseProfile(dossier, Paginator(changes, per_page).get_page(changes_page))


def enterprise_changes(*, enterprise: Enterprise) -> QuerySet[ChangeRecord]:
    """The change history (变更记录) of one enterprise, newest first, by USCC."""
    return ChangeRecord.objects.filter(uscc=enterprise.uscc).select_related("user").order_by("-at", "-id")
