"""Writes of the 镇街园区 list."""

from __future__ import annotations

from lingjun.apps.divisions.models import Division
from lingjun.dossier import divisions


def divisions_seed() -> int:
    """Load the packaged 镇街/园区 list into the editable table (existing names are kept)."""
    known = set(Division.objects.values_list("name", flat=True))
    new = [
        Division(code=d.code, name=d.name, kind=d.kind, verified=d.verified)
        for d in (*divisions.towns(), *divisions.parks())
        if d.name not in known
    ]
    Division.objects.bulk_create(new)
    return len(new)
