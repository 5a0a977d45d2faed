"""How dossier values look on a page: schema labels and units, Chinese enum labels, unknown ≠ 0.

Pure presentation: takes a canonical dossier (typed values, absent = unknown) and returns rows
and cells ready for the templates. Unknown values are shown as :data:`UNKNOWN`, never as 0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from lingjun.apps.enterprises.models import Enterprise
from lingjun.dossier.schema import (
    ANNUAL,
    CREDIT_FIELDS,
    ENTERPRISE,
    LIST_SECTIONS,
    SECTIONS_BY_KEY,
    FieldSpec,
    Section,
)


def unknown_text() -> str:
    return _("—（未填报）")


def uscc_of(enterprise: Enterprise) -> str:
    """The enterprise's USCC (its fields are generated from the schema, so typed here once)."""
    return str(enterprise.uscc)


def format_number(value: Decimal | int | float) -> str:
    """``Decimal('3200.50')`` → ``3,200.5``; integers keep no decimals; no exponent notation."""
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, int):
        return f"{value:,}"
    text = format(value, ",f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def format_value(spec: FieldSpec, value: Any) -> str:
    """A value as a clerk reads it, or :func:`unknown_text` when it is unknown."""
    if value is None or value == "":
        return unknown_text()
    if spec.type == "enum":
        return spec.choice_label(value)
    if spec.type == "bool":
        return _("是") if value else _("否")
    if spec.type == "date" and isinstance(value, date):
        return value.isoformat()
    if spec.type == "int":
        return str(value)  # years and ranks: no thousands separator
    if spec.type == "decimal":
        return format_number(value)
    if spec.type == "int_list":
        return "、".join(str(v) for v in value) if value else _("无")
    return str(value)


def label_with_unit(spec: FieldSpec) -> str:
    return f"{spec.label}（{spec.unit}）" if spec.unit else spec.label


@dataclass
class Cell:
    text: str
    unknown: bool = False
    numeric: bool = False


def cell(spec: FieldSpec, value: Any) -> Cell:
    unknown = value is None or value == ""
    return Cell(format_value(spec, value), unknown, spec.type in {"decimal", "int"} and not unknown)


@dataclass
class FieldRow:
    label: str
    cell: Cell
    help: str = ""


def enterprise_rows(dossier: Mapping[str, Any]) -> list[FieldRow]:
    """基本信息: every enterprise field that is not part of 信用情况."""
    return [
        FieldRow(label_with_unit(f), cell(f, dossier.get(f.name)), f.help)
        for f in ENTERPRISE.fields
        if f.name not in CREDIT_FIELDS
    ]


def credit_rows(dossier: Mapping[str, Any]) -> list[FieldRow]:
    credit = dossier.get("credit") or {}
    return [
        FieldRow(ENTERPRISE.field(n).label, cell(ENTERPRISE.field(n), credit.get(n))) for n in CREDIT_FIELDS
    ]


@dataclass
class AnnualTable:
    years: list[int]
    rows: list[tuple[str, list[Cell]]]  # (label with unit, one cell per year)


def annual_table(dossier: Mapping[str, Any]) -> AnnualTable:
    """年度数据 with the years as columns (oldest first) and the fields as rows."""
    by_year = {r["year"]: r for r in dossier.get(ANNUAL.key) or () if r.get("year") is not None}
    years = sorted(by_year)
    rows = [
        (label_with_unit(f), [cell(f, by_year[y].get(f.name)) for y in years])
        for f in ANNUAL.fields
        if f.name != "year"
    ]
    return AnnualTable(years, rows)


@dataclass
class SectionTable:
    key: str
    label: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


def section_table(section: Section, rows: Sequence[Mapping[str, Any]]) -> SectionTable:
    return SectionTable(
        section.key,
        section.label,
        [label_with_unit(f) for f in section.fields],
        [[cell(f, r.get(f.name)) for f in section.fields] for r in rows],
    )


def list_section_tables(dossier: Mapping[str, Any]) -> list[SectionTable]:
    """Every list section except 年度数据 (shown as a year-column table and chart)."""
    return [section_table(s, dossier.get(s.key) or ()) for s in LIST_SECTIONS if s is not ANNUAL]


_CHANGE_PATH = re.compile(r"^(?:credit\.)?(?P<field>\w+)$|^annual\[\d+\]\.(?P<annual>\w+)$")


def _typed(spec: FieldSpec, value: Any) -> Any:
    """A JSON-safe value of a change record back to its type, for :func:`format_value`."""
    if spec.type == "decimal" and isinstance(value, str | int | float):
        try:
            return Decimal(str(value))
        except ArithmeticError:
            return value
    if spec.type == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def change_value_text(value: Any, path: str) -> str:
    """An old or new value of a :class:`ChangeRecord`, with Chinese labels (``path`` says whose)."""
    if value is None:
        return "—"
    section = SECTIONS_BY_KEY.get(path)
    if section is not None and isinstance(value, Mapping):
        parts = []
        for spec in section.fields:
            if spec.name in value:
                parts.append(
                    f"{spec.label}：{format_value(spec, _typed(spec, value[spec.name]))}{spec.unit if spec.type == 'decimal' else ''}"
                )
        return "；".join(parts)
    match = _CHANGE_PATH.match(path)
    if match:
        name = match.group("field") or match.group("annual")
        spec_section = ANNUAL if match.group("annual") else ENTERPRISE
        if name in spec_section.field_names:
            return format_value(spec_section.field(name), _typed(spec_section.field(name), value))
    if isinstance(value, Mapping):  # e.g. the record of a newly created dossier: {"name": …}
        return "；".join(str(v) for v in value.values())
    return str(value)
