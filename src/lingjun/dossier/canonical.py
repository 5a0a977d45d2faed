"""Canonical form of a normalised dossier: what is compared, diffed and written.

Canonical means: ``None`` values and empty lists omitted (absent = unknown), Decimals without
exponent or trailing zeros, keys in schema order. Two dossiers carry the same information exactly
when their canonical forms are equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from lingjun.dossier.schema import CREDIT_FIELDS, ENTERPRISE, LIST_SECTIONS, FieldSpec


def canonical_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        normal = value.normalize()
        return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal
    if isinstance(value, float):  # defensive: should not happen in normalised dossiers
        return canonical_value(Decimal(repr(value)))
    return value


def _row(row: Mapping[str, Any], fields: tuple[FieldSpec, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields:
        value = row.get(f.name)
        if value is None or value == []:
            continue
        out[f.name] = list(value) if f.type == "int_list" else canonical_value(value)
    return out


def canonical_dossier(dossier: Mapping[str, Any]) -> dict[str, Any]:
    base = [f for f in ENTERPRISE.fields if f.name not in CREDIT_FIELDS]
    credit_fields = tuple(f for f in ENTERPRISE.fields if f.name in CREDIT_FIELDS)
    out = _row(dossier, tuple(base))
    credit = _row(dossier.get("credit") or {}, credit_fields)
    if credit:
        out["credit"] = credit
    for section in LIST_SECTIONS:
        rows = [_row(r, section.fields) for r in dossier.get(section.key) or ()]
        if rows:
            out[section.key] = rows
    return out


def json_safe(value: Any) -> Any:
    """For JSON columns (change records): dates as ISO text, Decimals as plain text."""
    if isinstance(value, Decimal):
        return format(canonical_value(value), "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value
