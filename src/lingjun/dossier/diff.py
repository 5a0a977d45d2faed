"""What changed between two canonical dossiers, field by field, for the change record (变更记录).

Enterprise fields and credit are compared by field; yearly figures by year and field; the other
lists by row (rows that disappeared and rows that appeared), since their rows have no stable key.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lingjun.dossier.canonical import json_safe
from lingjun.dossier.schema import ANNUAL, CREDIT_FIELDS, ENTERPRISE, LIST_SECTIONS


@dataclass(frozen=True)
class Change:
    path: str  # e.g. "name", "credit.abnormal_operation", "annual[2024].rd_expense", "ip"
    label: str  # Chinese, e.g. "2024年 研发费用"
    old: Any  # JSON-safe
    new: Any


def _key(row: Mapping[str, Any]) -> str:
    return json.dumps(json_safe(dict(row)), ensure_ascii=False, sort_keys=True)


def diff_dossiers(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    changes: list[Change] = []
    old_credit, new_credit = old.get("credit") or {}, new.get("credit") or {}
    for f in ENTERPRISE.fields:
        in_credit = f.name in CREDIT_FIELDS
        a = (old_credit if in_credit else old).get(f.name)
        b = (new_credit if in_credit else new).get(f.name)
        if a != b:
            path = f"credit.{f.name}" if in_credit else f.name
            changes.append(Change(path, f.label, json_safe(a), json_safe(b)))

    old_years = {r["year"]: r for r in old.get(ANNUAL.key) or ()}
    new_years = {r["year"]: r for r in new.get(ANNUAL.key) or ()}
    for year in sorted(old_years.keys() | new_years.keys()):
        a_row, b_row = old_years.get(year, {}), new_years.get(year, {})
        for f in ANNUAL.fields[1:]:
            a, b = a_row.get(f.name), b_row.get(f.name)
            if a != b:
                changes.append(
                    Change(f"annual[{year}].{f.name}", f"{year}年 {f.label}", json_safe(a), json_safe(b))
                )

    for section in LIST_SECTIONS:
        if section is ANNUAL:
            continue
        a_rows = Counter(_key(r) for r in old.get(section.key) or ())
        b_rows = Counter(_key(r) for r in new.get(section.key) or ())
        for row in sorted((a_rows - b_rows).elements()):
            changes.append(Change(section.key, f"{section.label}（删除）", json.loads(row), None))
        for row in sorted((b_rows - a_rows).elements()):
            changes.append(Change(section.key, f"{section.label}（新增）", None, json.loads(row)))
    return changes
