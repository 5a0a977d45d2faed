"""Seeded random dossiers for parity tests: messy on purpose (nulls, zeros, edge values, old rows,
list rows with attributes left empty)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa

from lingjun.dossier import schema
from lingjun.dossier.uscc import make_uscc

_EDGES = [Decimal(x) for x in ("0", "10", "1000", "5000", "20000", "20000.0001", "9.9999")]


def _money(rng: random.Random, hi: int = 30000) -> Decimal | None:
    r = rng.random()
    if r < 0.08:
        return None
    if r < 0.2:
        return rng.choice(_EDGES)
    return Decimal(rng.randint(0, hi * 10000)) / 10000


def _maybe(rng: random.Random, value: Any, p_null: float = 0.1) -> Any:
    return None if rng.random() < p_null else value


def random_dossier(rng: random.Random, i: int, year: int) -> dict[str, Any]:
    reg = date(year - rng.randint(0, 14), rng.randint(1, 12), rng.randint(1, 28))
    d: dict[str, Any] = {
        "uscc": make_uscc(f"91120114{i:09d}"),
        "name": f"企业{i}",
        "registered_on": _maybe(rng, reg, 0.05),
        "province": rng.choice(["天津市", "天津市", "天津市", "北京市", "香港特别行政区", None]),
        "independent_legal_person": rng.choice([True, True, False, None]),
        "hightech_field": rng.choice([None, "电子信息", "新材料", "现代农业"]),
        "credit": {
            "abnormal_operation": rng.choice([False, False, True, None]),
            "serious_dishonesty": rng.choice([False, False, True, None]),
            "research_misconduct_years": rng.sample(range(year - 3, year + 1), rng.choice([0, 0, 0, 1])),
            "major_accident_years": rng.sample(range(year - 3, year + 1), rng.choice([0, 0, 0, 1])),
        },
    }
    annual = []
    for y in range(year - 5, year):
        if rng.random() < 0.15:
            continue
        revenue = _money(rng)
        row: dict[str, Any] = {"year": y, "operating_revenue": revenue}
        for f in (
            "sales_revenue",
            "hightech_revenue",
            "total_assets",
            "total_liabilities",
            "total_cost_expense",
        ):
            row[f] = _money(rng)
        if rng.random() < 0.4:
            row["sales_revenue"] = None
        row["rd_expense"] = _money(rng, 2000)
        row["rd_expense_domestic"] = _money(rng, 2000)
        employees = _maybe(rng, Decimal(rng.randint(0, 800)))
        row["employees"] = employees
        row["tech_staff"] = _maybe(rng, Decimal(rng.randint(0, int(employees or 10))))
        annual.append(row)
    d["annual"] = annual
    d["ip"] = [
        {
            "kind": rng.choice(schema.IP_CLASS_I + schema.IP_CLASS_II * 3),
            "valid": rng.choice([True, True, False, None]),
            "core": rng.choice([True, False, None]),
            "granted_on": date(year - rng.randint(0, 8), 3, 1),
            "expires_on": rng.choice([None, date(year, rng.randint(1, 12), 15), date(year + 5, 1, 1)]),
        }
        for _ in range(rng.choice([0, 0, 1, 2, 3, 5, 8]))
    ]
    d["qualifications"] = [
        {
            "kind": rng.choice(schema.QUALIFICATIONS.field("kind").choice_values),
            "level": rng.choice(["national", "provincial", "municipal", None]),
            "issued_on": date(year - rng.randint(0, 4), 6, 1),
            "expires_on": rng.choice([None, date(year - 1, 6, 1), date(year + 2, 6, 1)]),
        }
        for _ in range(rng.choice([0, 0, 1, 2]))
    ]
    d["awards"] = [
        {
            "kind": rng.choice(["st_award", "competition"]),
            "level": rng.choice(["national", "provincial", "national", None]),
            "year": rng.choice([None, year - rng.randint(0, 8)]),
            "rank": rng.choice([None, 1, 3, 4]),
            "prize": _maybe(rng, rng.choice(schema.PRIZES).value),
        }
        for _ in range(rng.choice([0, 0, 0, 1, 2]))
    ]
    d["standards"] = [
        {
            "level": rng.choice(schema.STANDARD_LEVELS).value,
            "role": rng.choice(["lead", "participant", None]),
            "year": _maybe(rng, year - rng.randint(0, 8), 0.2),
        }
        for _ in range(rng.choice([0, 0, 0, 1]))
    ]
    d["projects"] = [
        {"level": rng.choice(["national", "provincial"]), "year": _maybe(rng, year - rng.randint(0, 4), 0.2)}
        for _ in range(rng.choice([0, 0, 0, 1]))
    ]
    d["financing"] = [
        {
            "kind": rng.choice(["venture", "bank_loan"]),
            "date": date(year - rng.randint(0, 4), 5, 1),
            "amount": _money(rng, 500),
        }
        for _ in range(rng.choice([0, 0, 1]))
    ]
    d["conversions"] = [{"year": year - rng.randint(0, 4)} for _ in range(rng.choice([0, 1, 3, 6, 12, 15]))]
    d["registered_on"] = (
        d["registered_on"] if d["registered_on"] is None or rng.random() > 0.02 else reg + timedelta(days=1)
    )
    return d


def random_inputs(rng: random.Random, usccs: list[str]) -> pa.Table:
    def num(lo: int, hi: int) -> list[Decimal | None]:
        return [None if rng.random() < 0.2 else Decimal(rng.randint(lo * 2, hi * 2)) / 2 for _ in usccs]

    def flag() -> list[bool | None]:
        return [rng.choice([True, False, None]) for _ in usccs]

    return pa.table(
        {
            "uscc": usccs,
            "prohibited_sector": flag(),
            "ip_points": pa.array(num(0, 30), pa.decimal128(18, 4)),
            "conversion_points": pa.array(num(0, 30), pa.decimal128(18, 4)),
            "management_points": pa.array(num(0, 20), pa.decimal128(18, 4)),
            "growth_points": pa.array(num(0, 20), pa.decimal128(18, 4)),
            "other_conditions_met": flag(),
            "site_investigation_passed": flag(),
        }
    )
