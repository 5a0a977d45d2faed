"""Read queries behind the web pages, each scoped by the user's jurisdiction.

Every query of enterprises starts from :func:`enterprises_visible_to`, so a page cannot show an
enterprise outside the user's 镇街/园区/企业. These are read-only and candidates for
``lingjun.apps.enterprises.selectors`` (the API will need the same list and summary); they live
here until that move so the web layer owns no ad-hoc query in its views.

Speed with 100 000 enterprises: the list never counts over a join (the qualification filter is an
``IN (subquery)`` semi-join, so rows are never duplicated and no ``DISTINCT`` is needed), its count is
capped (``COUNT(*)`` over at most ``count_cap + 1`` ids) and every sort order is an indexed column
with the primary key as tie-breaker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from lingjun.apps.accounts.models import User
from lingjun.apps.enterprises.models import ChangeRecord, Enterprise, Qualification
from lingjun.apps.enterprises.selectors import dossiers_load, enterprises_visible_to
from lingjun.apps.web.paging import CappedPage, capped_page
from lingjun.dossier.schema import QUALIFICATIONS

#: sort keys offered by the list, each backed by an index (the pk breaks ties so paging is stable)
LIST_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "uscc": ("uscc",),
    "-uscc": ("-uscc",),
    "registered_on": ("registered_on", "id"),
    "-registered_on": ("-registered_on", "-id"),
    "town": ("town", "id"),
    "-town": ("-town", "-id"),
}
DEFAULT_SORT = "name"

#: qualification kinds counted on the home page, in this order
SUMMARY_QUALIFICATIONS = ("hnte", "tech_sme", "chuying", "dengling", "lingjun_peiyu", "lingjun")

_USCC_CHARS = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")
#: a query in USCC characters, with a digit and at least this long, is taken as a code prefix only
USCC_ONLY_FROM = 6


def qualification_valid_on(day: date, prefix: str = "") -> Q:
    """A qualification row in force on ``day``: issued by then (or unknown), not yet expired.

    An unknown expiry (``expires_on`` empty) counts as still valid, like a certificate without a
    printed end date.
    """
    return (Q(**{f"{prefix}issued_on__isnull": True}) | Q(**{f"{prefix}issued_on__lte": day})) & (
        Q(**{f"{prefix}expires_on__isnull": True}) | Q(**{f"{prefix}expires_on__gte": day})
    )


def _qualifications() -> QuerySet[Any]:
    """资质 rows (the model's fields are generated from the schema, so mypy cannot see them)."""
    model: Any = Qualification
    return model.objects.all()


def _uscc_prefix(code: str) -> Q:
    """USCCs starting with ``code``, as an index range (SQLite's LIKE cannot use the index).

    Codes are 18 characters of the GB 32100 charset whose largest character is ``Y``, so every
    completion of ``code`` lies between ``code`` padded with ``0`` and ``code`` padded with ``Y``;
    ``startswith`` stays as the exact check.
    """
    pad = 18 - len(code)
    return Q(uscc__gte=code + "0" * pad, uscc__lte=code + "Y" * pad, uscc__startswith=code)


@dataclass(frozen=True)
class EnterpriseFilters:
    """What the list was asked for (already parsed by the form)."""

    q: str = ""
    town: str = ""
    park: str = ""
    industry: str = ""
    qualification: str = ""
    sort: str = DEFAULT_SORT


def enterprises_search(*, user: User, filters: EnterpriseFilters, today: date) -> QuerySet[Enterprise]:
    """The visible enterprises matching ``filters``, in the requested (indexed) order.

    ``q`` matches a USCC prefix when it is written in USCC characters, otherwise a part of the
    name; ``industry`` is a prefix of the GB/T 4754 code (``C35`` finds ``C3562``);
    ``qualification`` keeps enterprises holding that kind on ``today``.
    """
    qs = enterprises_visible_to(user)
    q = filters.q.strip()
    if q:
        code = q.upper()
        if not (len(code) <= 18 and set(code) <= _USCC_CHARS):
            qs = qs.filter(name__contains=q)
        elif len(code) >= USCC_ONLY_FROM and any(c.isdigit() for c in code):
            qs = qs.filter(_uscc_prefix(code))  # clearly a code: the indexed prefix search alone
        else:
            qs = qs.filter(_uscc_prefix(code) | Q(name__contains=q))
    if filters.town:
        qs = qs.filter(town=filters.town)
    if filters.park:
        qs = qs.filter(park=filters.park)
    if filters.industry:
        qs = qs.filter(industry_code__startswith=filters.industry.strip().upper())
    if filters.qualification:
        # a semi-join (IN), so an enterprise holding two certificates of the kind is listed once
        held = _qualifications().filter(qualification_valid_on(today), kind=filters.qualification)
        qs = qs.filter(uscc__in=held.values("enterprise_id"))
    return qs.order_by(*LIST_SORTS.get(filters.sort, LIST_SORTS[DEFAULT_SORT]))


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
        _qualifications()
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
    quals = _qualifications().filter(qualification_valid_on(today), kind__in=SUMMARY_QUALIFICATIONS)
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
