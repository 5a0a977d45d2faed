"""Reads of the 镇街园区 list."""

from __future__ import annotations

from collections.abc import Iterable

from lingjun.apps.divisions.models import Division


def division_names(*, kinds: Iterable[str] | None = None) -> list[str]:
    """Names of the active 镇街/园区 (of ``kinds`` when given), in the list's order."""
    rows = Division.objects.filter(active=True)
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    return list(rows.values_list("name", flat=True))


def division_exists(*, name: str) -> bool:
    """Whether ``name`` is a registered 镇街 or 园区 (active or not)."""
    return Division.objects.filter(name=name).exists()
