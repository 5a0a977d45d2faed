"""Reads of the pool. Jurisdiction is enforced here, so no view, export or API can leak across it."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from lingjun.apps.accounts.models import DISTRICT_EDIT_ROLES, DISTRICT_WIDE_ROLES, Role, User
from lingjun.apps.accounts.permissions import Scope, can, scope_of
from lingjun.apps.enterprises.models import ROW_MODELS, ChangeRequest, CreditEvent, Enterprise, Qualification
from lingjun.dossier.canonical import canonical_dossier, json_safe
from lingjun.dossier.schema import CREDIT_FIELDS, ENTERPRISE, LIST_SECTIONS
from lingjun.dossier.tables import CREDIT_EVENT_FIELDS

#: how many USCCs one ``IN (…)`` query takes (SQLite's variable limit is 32766)
_CHUNK = 5000


def enterprises_visible_to(user: User) -> QuerySet[Enterprise]:
    """The enterprises ``user`` may see: the whole district, their 镇街/园区, their own, or none."""
    qs = Enterprise.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_superuser or user.role in DISTRICT_WIDE_ROLES:
        return qs
    if user.role == Role.TOWN_OFFICER:
        scope = Q(pk__in=[])
        if user.town:
            scope |= Q(town=user.town)
        if user.park:
            scope |= Q(park=user.park)
        return qs.filter(scope)
    if user.role == Role.ENTERPRISE and user.enterprise_id:
        return qs.filter(pk=user.enterprise_id)
    return qs.none()


def enterprises_editable_by(user: User) -> QuerySet[Enterprise]:
    """The enterprises whose dossier ``user`` may change: district bureau, or the enterprise itself."""
    if not user.is_authenticated or not user.is_active:
        return Enterprise.objects.none()
    if user.is_superuser or user.role in DISTRICT_EDIT_ROLES:
        return Enterprise.objects.all()
    if user.role == Role.ENTERPRISE:
        return enterprises_visible_to(user)
    return Enterprise.objects.none()


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def dossiers_load(*, usccs: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Canonical dossiers of the given enterprises, by USCC (one query per table per chunk)."""
    wanted = sorted(set(usccs))
    raw: dict[str, dict[str, Any]] = {}
    base_fields = [f.name for f in ENTERPRISE.fields if f.type != "int_list"]
    for chunk in _chunks(wanted):
        for row in Enterprise.objects.filter(uscc__in=chunk).values(*base_fields):
            dossier = {k: v for k, v in row.items() if k not in CREDIT_FIELDS}
            dossier["credit"] = {k: row[k] for k in CREDIT_FIELDS if k in row}
            raw[row["uscc"]] = dossier
        events = CreditEvent.objects.filter(enterprise_id__in=chunk).order_by("id")
        for ev in events.values("enterprise_id", "kind", "year"):
            field = next(f for f, k in CREDIT_EVENT_FIELDS.items() if k == ev["kind"])
            raw[str(ev["enterprise_id"])]["credit"].setdefault(field, []).append(ev["year"])
        for section in LIST_SECTIONS:
            grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
            rows = ROW_MODELS[section.key].objects.filter(enterprise_id__in=chunk).order_by("id")
            for row in rows.values("enterprise_id", *section.field_names):
                grouped[row.pop("enterprise_id")].append(row)
            for uscc, section_rows in grouped.items():
                raw[uscc][section.key] = section_rows
    return {uscc: canonical_dossier(d) for uscc, d in raw.items()}


def dossiers_export(*, user: User) -> list[dict[str, Any]]:
    """Every dossier ``user`` may see, canonical, ordered by USCC."""
    usccs = list(enterprises_visible_to(user).values_list("uscc", flat=True))
    loaded = dossiers_load(usccs=usccs)
    return [loaded[u] for u in sorted(loaded)]


# ------------------------------------------------------------------------------ searching the pool

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


def qualification_rows() -> QuerySet[Any]:
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
        held = qualification_rows().filter(qualification_valid_on(today), kind=filters.qualification)
        qs = qs.filter(uscc__in=held.values("enterprise_id"))
    return qs.order_by(*LIST_SORTS.get(filters.sort, LIST_SORTS[DEFAULT_SORT]))


UNKNOWN_ENTERPRISE = "企业库中没有统一社会信用代码为“{uscc}”的企业。"


def enterprise_id_by_uscc(uscc: str) -> int:
    """The id of the enterprise with this USCC; ``ValidationError`` naming it when there is none."""
    found = Enterprise.objects.filter(uscc=uscc).values_list("pk", flat=True).first()
    if found is None:
        raise ValidationError(UNKNOWN_ENTERPRISE.format(uscc=uscc), code="enterprise")
    return found


def demo_login_targets() -> tuple[str, tuple[int, str] | None]:
    """The town of the demo town officer and (id, name) of the demo enterprise user's enterprise."""
    first = Enterprise.objects.order_by("uscc").values_list("pk", "name").first()
    town = Enterprise.objects.exclude(town=None).values_list("town", flat=True).first() or "杨村街道"
    return town, (first[0], first[1]) if first else None


def change_requests_visible_to(user: User) -> QuerySet[ChangeRequest]:
    """变更申请 an officer may decide (``enterprise.review_change`` over their jurisdiction), or an
    enterprise user's own."""
    qs = ChangeRequest.objects.select_related("enterprise", "requested_by", "decided_by")
    if can(user, "enterprise.review_change"):
        return qs.filter(enterprise__in=enterprises_visible_to(user))
    if scope_of(user, "enterprise.edit") == Scope.OWN and user.enterprise_id is not None:
        return qs.filter(enterprise_id=user.enterprise_id)
    return qs.none()


def dossier_version(dossier: Mapping[str, Any]) -> str:
    """A fingerprint of a dossier as loaded: a save checks it to notice that someone else saved."""
    text = json.dumps(json_safe(dict(dossier)), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]
