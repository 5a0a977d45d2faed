"""Reading the example cases of ``tests/rules/cases/*.yaml`` (format: see any case file's header)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from lingjun.dossier import schema
from lingjun.dossier.uscc import make_uscc
from lingjun.rules.loader import load_library
from lingjun.rules.yamlio import YMap, YSeq, load_yaml, plain

CASES_DIR = Path(__file__).parent / "cases"
_FILE_KEYS = {"policy", "year", "as_of", "defaults", "cases"}
_CASE_KEYS = {"name", "dossier", "inputs", "expect"}
_EXPECT_KEYS = {
    "result",
    "criteria",
    "values",
    "thresholds",
    "score",
    "indicators",
    "bands",
    "band_points",
    "metrics",
    "missing",
}


@dataclass
class Case:
    file: str
    line: int
    name: str
    policy: str
    year: int
    as_of: date
    uscc: str
    dossier: dict[str, Any]
    inputs: dict[str, Any]
    expect: dict[str, Any]


@dataclass
class CaseFile:
    path: Path
    policy: str
    year: int
    as_of: date
    cases: list[Case] = field(default_factory=list)


def _typed(spec: schema.FieldSpec, value: Any) -> Any:
    if value is None:
        return None
    if spec.type == "date":
        return date.fromisoformat(str(value))
    if spec.type == "decimal":
        return Decimal(str(value))
    if spec.type == "int":
        return int(value)
    if spec.type == "int_list":
        return [int(v) for v in value]
    return value


def normalise(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Case-file dossier (plain YAML values, ``annual`` keyed by year) → a normalised dossier."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "credit":
            out["credit"] = {k: _typed(schema.ENTERPRISE.field(k), v) for k, v in value.items()}
        elif key == "annual":
            rows = [{"year": y, **r} for y, r in value.items()] if isinstance(value, Mapping) else value
            out["annual"] = [
                {k: _typed(schema.ANNUAL.field(k), v) for k, v in r.items()} for r in rows if r is not None
            ]
        elif key in schema.SECTIONS_BY_KEY and key != "enterprise":
            section = schema.SECTIONS_BY_KEY[key]
            out[key] = [{k: _typed(section.field(k), v) for k, v in r.items()} for r in value]
        else:
            out[key] = _typed(schema.ENTERPRISE.field(key), value)
    return out


def merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Case dossier over the file's defaults: ``annual`` merges by year and field, ``credit`` by key."""
    out = dict(base)
    for key, value in over.items():
        if key == "annual" and isinstance(value, Mapping):
            years: dict[Any, Any] = {k: dict(v) for k, v in (base.get("annual") or {}).items()}
            for y, row in value.items():
                if row is None:
                    years.pop(y, None)
                else:
                    years[y] = {**years.get(y, {}), **row}
            out["annual"] = years
        elif key == "credit":
            out["credit"] = {**(base.get("credit") or {}), **value}
        else:
            out[key] = value
    return out


def _check_keys(node: Any, allowed: set[str], file: str) -> None:
    assert isinstance(node, YMap), f"{file}:{node.line}: expected a mapping"
    unknown = set(node.items) - allowed
    assert not unknown, f"{file}:{node.line}: unknown keys {sorted(unknown)}"


def load_case_files(directory: Path = CASES_DIR) -> list[CaseFile]:
    files = []
    counter = 0
    for path in sorted(directory.glob("*.yaml")):
        name = path.name
        root = load_yaml(path.read_text(encoding="utf-8"), name)
        _check_keys(root, _FILE_KEYS, name)
        assert isinstance(root, YMap)
        head = plain(root)
        cf = CaseFile(path, head["policy"], int(head["year"]), date.fromisoformat(str(head["as_of"])))
        defaults = head.get("defaults") or {}
        cases_node = root.items["cases"]
        assert isinstance(cases_node, YSeq)
        for node in cases_node.items:
            _check_keys(node, _CASE_KEYS, name)
            c = plain(node)
            _check_keys(node.items["expect"], _EXPECT_KEYS, name)  # type: ignore[union-attr]
            counter += 1
            uscc = make_uscc(f"91120114{counter:09d}")
            raw = merge(defaults, c.get("dossier") or {})
            dossier = normalise({**raw, "uscc": uscc, "name": c["name"]})
            cf.cases.append(
                Case(
                    name,
                    node.line,
                    c["name"],
                    cf.policy,
                    cf.year,
                    cf.as_of,
                    uscc,
                    dossier,
                    c.get("inputs") or {},
                    c["expect"],
                )
            )
        files.append(cf)
    return files


def batches(files: Iterable[CaseFile]) -> dict[tuple[int, date], list[Case]]:
    """Cases grouped by (year, as_of): one evaluation per group and engine."""
    out: dict[tuple[int, date], list[Case]] = {}
    for f in files:
        out.setdefault((f.year, f.as_of), []).extend(f.cases)
    return out


def inputs_table(cases: list[Case]) -> pa.Table | None:
    """Per-enterprise policy inputs as a table (columns ``<policy id>.<input>``)."""
    lib = load_library()
    columns: dict[str, pa.DataType] = {}
    for c in cases:
        for key in c.inputs:
            kind = lib.get(c.policy).inputs[key].kind
            columns[f"{c.policy}.{key}"] = pa.bool_() if kind == "bool" else pa.decimal128(18, 4)
    if not columns:
        return None
    data: dict[str, list[Any]] = {"uscc": [c.uscc for c in cases]}
    for col, typ in columns.items():
        data[col] = []
        for c in cases:
            key = col.split(".")[-1]
            v = c.inputs.get(key) if col.startswith(c.policy + ".") else None
            data[col].append(Decimal(str(v)) if v is not None and typ != pa.bool_() else v)
    return pa.table(data, schema=pa.schema([("uscc", pa.string()), *columns.items()]))
