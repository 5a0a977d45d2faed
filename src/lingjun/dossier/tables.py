"""The table form of dossiers as Arrow tables: the rules engine's input.

One Arrow table per name in :data:`lingjun.dossier.schema.TABLES`, each with ``uscc`` as its
first column and the section's fields after it, typed by :data:`ARROW_SCHEMAS`:

* ``decimal`` → ``decimal128(18, 4)`` (万元 to the yuan; exact, never float; 18 digits so that
  every engine keeps amounts in 64-bit integers — up to 10¹⁴ 万元, far beyond any enterprise);
* ``int`` → ``int32``; ``date`` → ``date32``; ``bool`` → ``bool``; ``str``/``enum`` → ``string``;
* ``int_list`` fields of the enterprise (credit years) are not columns: they become rows of the
  ``credit_events`` table (``uscc``, ``kind``, ``year``).

The input dossiers are *normalised* (see :mod:`lingjun.dossier.validate`): typed Python values,
``credit`` nested, list sections as lists of dicts; absent keys mean unknown (null).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import pyarrow as pa

from lingjun.dossier.schema import (
    CREDIT_EVENTS_TABLE,
    CREDIT_FIELDS,
    ENTERPRISE,
    LIST_SECTIONS,
    SECTIONS,
    FieldSpec,
    Section,
)

DECIMAL = pa.decimal128(18, 4)

_ARROW_TYPES: dict[str, pa.DataType] = {
    "str": pa.string(),
    "enum": pa.string(),
    "date": pa.date32(),
    "decimal": DECIMAL,
    "int": pa.int32(),
    "bool": pa.bool_(),
}

#: enterprise fields that are table columns (the int_list credit years become credit_events rows)
ENTERPRISE_COLUMNS: tuple[FieldSpec, ...] = tuple(f for f in ENTERPRISE.fields if f.type != "int_list")

#: credit_events.kind for each int_list field of the enterprise
CREDIT_EVENT_FIELDS = {
    "research_misconduct_years": "research_misconduct",
    "major_accident_years": "major_accident",
}


def _columns(section: Section) -> tuple[FieldSpec, ...]:
    return ENTERPRISE_COLUMNS if section is ENTERPRISE else section.fields


def _schema(section: Section) -> pa.Schema:
    fields = [pa.field(f.name, _ARROW_TYPES[f.type]) for f in _columns(section)]
    if section is not ENTERPRISE:
        fields.insert(0, pa.field("uscc", pa.string()))
    return pa.schema(fields)


#: the Arrow schema of every table of the table form
ARROW_SCHEMAS: dict[str, pa.Schema] = {s.table: _schema(s) for s in SECTIONS}
ARROW_SCHEMAS[CREDIT_EVENTS_TABLE] = pa.schema(
    [pa.field("uscc", pa.string()), pa.field("kind", pa.string()), pa.field("year", pa.int32())]
)


def _enterprise_value(dossier: Mapping[str, Any], name: str) -> Any:
    if name in CREDIT_FIELDS:
        return (dossier.get("credit") or {}).get(name)
    return dossier.get(name)


def _quantize(value: Any) -> Any:
    """Decimals to the column's scale; Arrow refuses values with more digits than the scale."""
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.0001"))
    return value


def dossiers_to_arrow(dossiers: Iterable[Mapping[str, Any]]) -> dict[str, pa.Table]:
    """Build every table of the table form from normalised dossiers (column by column)."""
    cols: dict[str, dict[str, list[Any]]] = {
        name: {f.name: [] for f in schema} for name, schema in ARROW_SCHEMAS.items()
    }
    for d in dossiers:
        uscc = d["uscc"]
        ent = cols[ENTERPRISE.table]
        for f in ENTERPRISE_COLUMNS:
            value = _enterprise_value(d, f.name)
            if f.name == "independent_legal_person" and value is None:
                value = f.default
            ent[f.name].append(_quantize(value))
        credit = d.get("credit") or {}
        ev = cols[CREDIT_EVENTS_TABLE]
        for list_field, kind in CREDIT_EVENT_FIELDS.items():
            for year in credit.get(list_field) or ():
                ev["uscc"].append(uscc)
                ev["kind"].append(kind)
                ev["year"].append(year)
        for section in LIST_SECTIONS:
            table = cols[section.table]
            for row in d.get(section.key) or ():
                table["uscc"].append(uscc)
                for f in section.fields:
                    table[f.name].append(_quantize(row.get(f.name)))
    return {name: pa.Table.from_pydict(cols[name], schema=schema) for name, schema in ARROW_SCHEMAS.items()}


def empty_tables() -> dict[str, pa.Table]:
    """Every table of the table form, with no rows."""
    return {name: schema.empty_table() for name, schema in ARROW_SCHEMAS.items()}


def _clean(value: Any) -> Any:
    if isinstance(value, Decimal):
        normal = value.normalize()
        # normalize() turns 100 into 1E+2; keep plain notation
        return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal
    return value


def arrow_to_dossiers(tables: Mapping[str, pa.Table]) -> Iterator[dict[str, Any]]:
    """The inverse of :func:`dossiers_to_arrow`, in the order of the enterprise table.

    List rows keep their table order; ``None`` values are omitted (absent = unknown).
    """
    by_uscc: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for section in LIST_SECTIONS:
        for row in tables[section.table].to_pylist():
            uscc = row.pop("uscc")
            clean = {k: _clean(v) for k, v in row.items() if v is not None}
            by_uscc.setdefault(uscc, {}).setdefault(section.key, []).append(clean)
    events: dict[str, dict[str, list[int]]] = {}
    for row in tables[CREDIT_EVENTS_TABLE].to_pylist():
        field = next(f for f, k in CREDIT_EVENT_FIELDS.items() if k == row["kind"])
        events.setdefault(row["uscc"], {}).setdefault(field, []).append(row["year"])
    for row in tables[ENTERPRISE.table].to_pylist():
        uscc = row["uscc"]
        dossier: dict[str, Any] = {}
        credit: dict[str, Any] = {}
        for f in ENTERPRISE.fields:
            if f.name in CREDIT_EVENT_FIELDS:
                value: Any = events.get(uscc, {}).get(f.name)
            else:
                value = _clean(row.get(f.name))
            if value is None:
                continue
            (credit if f.name in CREDIT_FIELDS else dossier)[f.name] = value
        if credit:
            dossier["credit"] = credit
        for section in LIST_SECTIONS:
            rows = by_uscc.get(uscc, {}).get(section.key)
            if rows:
                dossier[section.key] = rows
        yield dossier
