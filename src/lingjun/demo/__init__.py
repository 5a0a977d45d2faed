"""A deterministic synthetic 武清区: demonstration data and the benchmark input of the rules engine.

**Everything here is synthetic.** No record describes a real enterprise. Real are only: the
dossier format, the district's towns and parks (:mod:`lingjun.dossier.divisions`), the USCC
check character and area code 120114, the GB/T 4754-2017 industry codes used, the eight
high-tech fields and the policy thresholds that the distributions are built around
(``../shared/policy-reference.md``). Names, numbers, titles, counterparties, the "priority
industry" list, the shares and all figures are made up; the shares are chosen to give the
engine something to find, not to mirror the district's statistics.

Design, evaluated for application year ``year + 1``:

* Five archetypes (:mod:`lingjun.demo.model`) — traditional (≈77 %), small tech (≈14 %),
  HNTE-like (≈7.5 %), gazelle-like (≈0.9 %) and leader (≈0.7 %) — set the age, revenue level
  (log-normal), growth, R&D intensity, tech staff share, high-tech revenue share, IP counts,
  qualifications, awards, standards, projects, financing and premises.
* With a simplified reading of the thresholds (``tests/demo/test_demo.py``), about 15 % of the
  enterprises qualify as tech SMEs, 6 % as HNTE, 6 % as 雏鹰 (2021 rules) and 0.8 % as 瞪羚
  (provisional parameters); about 19 % have a 3-year R&D intensity of 3 % or more and about
  46 % report no R&D at all.
* Near misses on purpose: some HNTE-like firms miss exactly one HNTE ratio narrowly (R&D
  intensity 86–99 % of the band threshold for their last-year sales, tech staff just under
  10 %, high-tech revenue 48–59.7 %, domestic R&D 45–59.5 %, or no core IP); some gazelle-like
  firms miss one provisional 瞪羚 parameter narrowly (3-year revenue CAGR 15–19.7 %, first-year
  revenue 780–999.5, 4-year R&D intensity 1.8–2.49 %); some young firms have revenue 6–9.99 (雏鹰
  needs 10); some small tech firms are just too big for a tech SME (501–560 staff, or revenue or
  assets 20001–26000); a few registration dates sit on the 雏鹰 8-year boundary; a few venture
  rounds are just under or exactly 100; national contest finalists, municipal-level R&D
  institutions, lapsed or invalidated IP, expired HNTE certificates and single software
  certificates give near misses of the other 雏鹰 options.
* Missing data (≈4.5 % of enterprises): a year's revenue, tech staff in every year, a whole
  year, the last year-end balance sheet, a year's R&D expense or the last high-tech revenue is
  null (never 0). Some ``sales_revenue`` are null on purpose: it then equals operating revenue.
* Dates that must not be in the future (registration, grant, issue, financing) are on or before
  31 December of ``year``; certificate and patent expiry dates may be later.

Money is rounded to 0.01 万元 (employees to 0.1 person, tech staff to whole persons) and stored
as ``decimal128(18, 4)``; the arithmetic behind the numbers is binary floating point, which is
fine for synthetic data and never reaches a dossier.

Determinism: every random number is a function of ``(seed, stream, enterprise index …)``
(:mod:`lingjun.demo.rng`), so the same ``(n, seed, year)`` gives identical tables, and the
first *k* enterprises (with all their rows) are the same for every ``n ≥ k``. USCCs and names are
bijections of the enterprise index, hence unique (up to 147² + 147³ + 147⁴ ≈ 4.7·10⁸
enterprises; more raise ``ValueError``).

Credit years: the table form has no way to say "known: no events", so an enterprise without
``credit_events`` rows comes out of :func:`generate_dossiers` without ``research_misconduct_years``
/ ``major_accident_years`` (unknown), exactly as :func:`lingjun.dossier.tables.arrow_to_dossiers`
would give it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lingjun.demo.firms import generate_firms
from lingjun.demo.ip import ip_table, qualifications_table
from lingjun.demo.lists import (
    awards_table,
    conversions_table,
    financing_table,
    premises_table,
    projects_table,
    standards_table,
)
from lingjun.demo.rng import Rng
from lingjun.dossier.schema import CREDIT_EVENTS_TABLE, CREDIT_FIELDS, ENTERPRISE, LIST_SECTIONS, TABLES
from lingjun.dossier.tables import ARROW_SCHEMAS, CREDIT_EVENT_FIELDS

__all__ = ["DEFAULT_SEED", "generate_dossiers", "generate_tables"]

DEFAULT_SEED = 2019  # the year of the district's plan

#: enterprises generated per chunk (bounds the memory of the intermediate numpy arrays)
CHUNK = 250_000
#: enterprises per chunk of :func:`generate_dossiers` (bounds the memory of the Python objects)
DOSSIER_CHUNK = 50_000


def _check(*, n: int, year: int, today: date | None = None) -> None:
    if n < 0:
        raise ValueError(f"n must be ≥ 0, not {n}")
    if not 2000 <= year <= 2100:
        raise ValueError(f"year must be a data year between 2000 and 2100, not {year}")
    if today is not None and today.year <= year:
        raise ValueError(f"today ({today}) must be after the data year {year}")


def _chunk_tables(
    rng: Rng, *, n: int, offset: int, year: int, today: date | None = None
) -> dict[str, pa.Table]:
    firms, enterprise, annual, credit_events = generate_firms(rng, n=n, offset=offset, year=year)
    return {
        "enterprise": enterprise,
        "annual": annual,
        "ip": ip_table(rng, firms),
        "qualifications": qualifications_table(rng, firms, today),
        "awards": awards_table(rng, firms),
        "standards": standards_table(rng, firms),
        "projects": projects_table(rng, firms),
        "financing": financing_table(rng, firms),
        "conversions": conversions_table(rng, firms),
        "premises": premises_table(rng, firms),
        "credit_events": credit_events,
    }


def generate_tables(*, n: int, seed: int, year: int, today: date | None = None) -> dict[str, pa.Table]:
    """The table form (:data:`lingjun.dossier.tables.ARROW_SCHEMAS`) of ``n`` synthetic enterprises.

    ``year`` is the last complete data year: annual figures run up to it and no date that must
    not be in the future is after 31 December of ``year`` — except with ``today`` (a later day,
    the demo's), which adds the current year's tech SME registrations issued by then (valid for
    their year only: without them a district shown in the next year would have none). Rows of
    every table are grouped by enterprise, in the order of the ``enterprise`` table.
    """
    _check(n=n, year=year, today=today)
    rng = Rng(seed)
    chunks = [
        _chunk_tables(rng, n=min(CHUNK, n - start), offset=start, year=year, today=today)
        for start in range(0, n, CHUNK)
    ] or [{name: schema.empty_table() for name, schema in ARROW_SCHEMAS.items()}]
    out = {}
    for name in TABLES:
        table = pa.concat_tables([c[name] for c in chunks])
        out[name] = table.combine_chunks() if len(chunks) == 1 else table
    return out


def generate_dossiers(*, n: int, seed: int, year: int, today: date | None = None) -> Iterator[dict[str, Any]]:
    """The same enterprises as :func:`generate_tables`, as normalised dossiers.

    Generated chunk by chunk, so memory stays bounded for large ``n``.
    """
    _check(n=n, year=year, today=today)
    rng = Rng(seed)
    step = DOSSIER_CHUNK
    for start in range(0, n, step):
        chunk = _chunk_tables(rng, n=min(step, n - start), offset=start, year=year, today=today)
        yield from tables_to_dossiers(chunk)


def _python_column(column: pa.ChunkedArray | pa.Array) -> list[Any]:
    """Python values of a column; decimals exactly as :func:`lingjun.dossier.tables.arrow_to_dossiers`
    returns them (no exponent, no trailing zeros)."""
    if pa.types.is_decimal(column.type):  # text with 4 decimals: strip the trailing zeros
        text = pc.cast(column, pa.string()).to_pylist()
        return [None if t is None else Decimal(t.rstrip("0").rstrip(".")) for t in text]
    return column.to_pylist()


def _grouped(table: pa.Table, usccs: pa.Array) -> tuple[list[Any], np.ndarray]:
    """The rows of ``table`` (dicts without ``uscc`` and ``None``), in enterprise order, and the
    offsets of each enterprise's rows."""
    firm = pc.index_in(table["uscc"], value_set=usccs).to_numpy(zero_copy_only=False)
    order = np.argsort(firm, kind="stable")
    if not np.array_equal(order, np.arange(len(order))):
        table = table.take(pa.array(order))
        firm = firm[order]
    offsets = np.concatenate([[0], np.cumsum(np.bincount(firm, minlength=len(usccs)))])
    names = table.column_names[1:]
    columns = [_python_column(table[name]) for name in names]
    rows = [
        {k: v for k, v in zip(names, values, strict=True) if v is not None}
        for values in zip(*columns, strict=True)
    ]
    return rows, offsets


def tables_to_dossiers(tables: Mapping[str, pa.Table]) -> Iterator[dict[str, Any]]:
    """Normalised dossiers from the table form as :func:`generate_tables` writes it; the same
    result as :func:`lingjun.dossier.tables.arrow_to_dossiers` (a test compares them), about twice
    as fast on large tables.

    Only for that layout: unique USCCs, no list or credit row without its enterprise, ``uscc``
    the first column of each list table and amounts of scale 4. Anything else (an imported or
    hand-made table) goes through :func:`~lingjun.dossier.tables.arrow_to_dossiers`.
    """
    enterprise = tables[ENTERPRISE.table]
    usccs = enterprise["uscc"].combine_chunks()
    sections = [(s.key, *_grouped(tables[s.table], usccs)) for s in LIST_SECTIONS]
    events = tables[CREDIT_EVENTS_TABLE]
    event_firm = pc.index_in(events["uscc"], value_set=usccs).to_pylist()
    by_firm: dict[int, dict[str, list[int]]] = {}
    field_of = {kind: name for name, kind in CREDIT_EVENT_FIELDS.items()}
    for i, kind, year in zip(event_firm, events["kind"].to_pylist(), events["year"].to_pylist(), strict=True):
        by_firm.setdefault(i, {}).setdefault(field_of[kind], []).append(year)
    names = [f.name for f in ENTERPRISE.fields]
    columns = [
        _python_column(enterprise[name]) if name in enterprise.column_names else [None] * len(enterprise)
        for name in names
    ]
    credit_names = set(CREDIT_FIELDS)
    for i, values in enumerate(zip(*columns, strict=True)):
        dossier: dict[str, Any] = {}
        credit: dict[str, Any] = {}
        firm_events = by_firm.get(i, {})
        for name, value in zip(names, values, strict=True):
            if name in CREDIT_EVENT_FIELDS:
                value = firm_events.get(name)
            if value is None:
                continue
            (credit if name in credit_names else dossier)[name] = value
        if credit:
            dossier["credit"] = credit
        for key, rows, offsets in sections:
            start, end = offsets[i], offsets[i + 1]
            if end > start:
                dossier[key] = rows[start:end]
        yield dossier
