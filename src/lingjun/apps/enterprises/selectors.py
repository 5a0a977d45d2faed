"""Reads of the pool. Jurisdiction is enforced here, so no view, export or API can leak across it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from lingjun.apps.accounts.models import DISTRICT_EDIT_ROLES, DISTRICT_WIDE_ROLES, Role, User
from lingjun.apps.enterprises.models import ROW_MODELS, CreditEvent, Division, Enterprise
from lingjun.dossier.canonical import canonical_dossier
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


def town_names() -> list[str]:
    """Names of the active 镇街 and 园区 (what the ``town`` and ``park`` fields may hold)."""
    return list(Division.objects.filter(active=True).values_list("name", flat=True))


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
