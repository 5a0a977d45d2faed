"""Awards, standards, projects, financing, conversions and premises of the synthetic district
(:mod:`lingjun.demo`).

Rows are drawn per enterprise with counter-based randomness (:mod:`lingjun.demo.rng`) and
come out grouped by enterprise, in enterprise order. Codes, titles and counterparties are
synthetic (the bank branch names are generic).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lingjun.demo.model import Firms, L, subjects
from lingjun.demo.rng import (
    Rng,
    Rows,
    between,
    bool_array,
    date_array,
    decimal_array,
    expand,
    int_array,
    jan1,
    join,
    pick,
    row_keys,
    text_of,
    ymd,
)
from lingjun.demo.words import (
    BANKS,
    FUND_SUFFIXES,
    PROJECT_SUFFIXES,
    TRADE_NAME_CHARS,
)
from lingjun.dossier.schema import PRIZES, STANDARD_LEVELS
from lingjun.dossier.tables import ARROW_SCHEMAS

# -------------------------------------------------------------------- awards, standards, projects


def awards_table(rng: Rng, f: Firms) -> pa.Table:
    keys, year = f.keys, f.year
    rows = Rows()
    prizes = tuple(c.value for c in PRIZES)  # special, first, second, third, excellence, finalist
    for block, kind, means in (
        (0, "st_award", (0.001, 0.01, 0.06, 0.12, 0.6)),
        (1, "competition", (0.002, 0.07, 0.06, 0.2, 0.02)),
    ):
        firm, j = expand(rng.count(kind, keys, f.by_arch(means), cap=50))
        rk = row_keys(keys, firm, j, salt=block)
        national = rng.chance(kind + "_national", rk, 0.08 if block == 0 else 0.25)
        if block == 0:
            prize = rng.choice_by(
                "st_prize",
                rk,
                national.astype(np.int64),
                ((0.02, 0.2, 0.35, 0.43, 0, 0), (0.05, 0.25, 0.7, 0, 0, 0)),
            )
            rank = np.where(rng.chance("rank1", rk, 0.3), 1, rng.integers("rank", rk, 2, 8))
            low = np.maximum(f.reg_year[firm] + 1, year - 7)
        else:
            prize = rng.choice("c_prize", rk, (0.02, 0.06, 0.12, 0.2, 0.35, 0.25))
            rank = np.ones(len(rk), dtype=np.int64)
            low = np.maximum(f.reg_year[firm], year - 5)
        award_year = rng.integers(kind + "_year", rk, np.minimum(low, year), year)
        rows.add(
            firm,
            block,
            j,
            kind=block,
            level=(~national).astype(np.int64),
            year=award_year,
            rank=rank,
            prize=prize,
        )
    cols = rows.build()
    return pa.table(
        {
            "uscc": f.uscc_of(cols["firm"]),
            "kind": pick(("st_award", "competition"), cols["kind"]),
            "level": pick(("national", "provincial"), cols["level"]),
            "year": int_array(cols["year"]),
            "rank": int_array(cols["rank"]),
            "prize": pick(prizes, cols["prize"]),
        },
        schema=ARROW_SCHEMAS["awards"],
    )


_STANDARD_PREFIX = ("ISO ", "GB/T ", "JB/T ", "DB12/T ", "T/TJ", "Q/12WQ")


def standards_table(rng: Rng, f: Firms) -> pa.Table:
    keys, year = f.keys, f.year
    firm, j = expand(rng.count("standards", keys, f.by_arch((0.002, 0.03, 0.12, 0.2, 1.5)), cap=60))
    rk = row_keys(keys, firm, j)
    level = rng.choice("std_level", rk, (0.02, 0.15, 0.2, 0.1, 0.33, 0.2))
    lead = rng.chance("std_lead", rk, np.where(f.arch[firm] == L, 0.5, 0.35))
    std_year = rng.integers("std_year", rk, np.minimum(np.maximum(f.reg_year[firm], year - 6), year), year)
    code = join(
        pick(_STANDARD_PREFIX, level),
        text_of(rng.integers("std_no", rk, 1, 49999), width=4),
        "-",
        text_of(std_year),
    )
    return pa.table(
        {
            "uscc": f.uscc_of(firm),
            "level": pick(tuple(c.value for c in STANDARD_LEVELS), level),
            "role": pick(("participant", "lead"), lead.astype(np.int64)),
            "year": int_array(std_year),
            "code": code,
        },
        schema=ARROW_SCHEMAS["standards"],
    )


def projects_table(rng: Rng, f: Firms) -> pa.Table:
    keys, year = f.keys, f.year
    firm, j = expand(rng.count("projects", keys, f.by_arch((0.0005, 0.02, 0.08, 0.15, 0.8)), cap=40))
    rk = row_keys(keys, firm, j)
    national = rng.chance("proj_national", rk, 0.15)
    title = join(
        subjects(rng, "proj_subject", rk, f.field[firm]),
        pick(PROJECT_SUFFIXES, rng.choice("proj_suffix", rk, (1, 1, 1, 1))),
    )
    return pa.table(
        {
            "uscc": f.uscc_of(firm),
            "level": pick(("national", "provincial"), (~national).astype(np.int64)),
            "year": int_array(
                rng.integers("proj_year", rk, np.minimum(np.maximum(f.reg_year[firm], year - 5), year), year)
            ),
            "title": title,
        },
        schema=ARROW_SCHEMAS["projects"],
    )


# ------------------------------------------------------------------------- financing, premises …


def financing_table(rng: Rng, f: Firms) -> pa.Table:
    keys, year = f.keys, f.year
    end = ymd(year, 12, 31)
    rows = Rows()
    # venture rounds: amounts log-normal, some just under the 雏鹰 100 万元 line and a few exactly on it
    firm, j = expand(rng.count("venture", keys, f.by_arch((0.002, 0.08, 0.08, 0.5, 0.2)), cap=12))
    rk = row_keys(keys, firm, j, salt=0)
    amount = rng.lognormal("vc_amount", rk, 400.0, 1.0)
    amount = np.where(rng.chance("vc_near", rk, 0.08), rng.uniform("vc_near_v", rk, 60.0, 99.99), amount)
    amount = np.where(rng.chance("vc_exact", rk, 0.01), 100.0, amount)
    date = between(rng, "vc_date", rk, f.reg_days[firm], np.full(len(rk), end), skew=0.8)
    rows.add(
        firm,
        0,
        j,
        kind=0,
        date=date,
        amount=amount,
        party=rng.integers("fund", rk, 0, 10**6),
        low_risk=False,
        balance=0.0,
        has_loan_fields=False,
    )
    # bank loans: some low-risk, 12-month daily average balance known for most
    firm, j = expand(rng.count("loan", keys, f.by_arch((0.15, 0.2, 0.3, 0.4, 0.8)), cap=12))
    rk = row_keys(keys, firm, j, salt=1)
    amount = np.maximum(rng.lognormal("loan_amount", rk, 300.0, 1.0), 10.0)
    date = between(rng, "loan_date", rk, np.maximum(f.reg_days[firm], jan1(year - 2)), np.full(len(rk), end))
    balance = np.where(
        rng.chance("balance_known", rk, 0.85), amount * rng.uniform("balance", rk, 0.2, 1.0), np.nan
    )
    rows.add(
        firm,
        1,
        j,
        kind=1,
        date=date,
        amount=amount,
        party=rng.integers("bank", rk, 0, len(BANKS) - 1),
        low_risk=rng.chance("low_risk", rk, 0.2),
        balance=balance,
        has_loan_fields=True,
    )
    cols = rows.build()
    kind, party = cols["kind"], cols["party"]
    k = len(TRADE_NAME_CHARS)
    fund = join(
        "天津",
        pick(TRADE_NAME_CHARS, party % k),
        pick(TRADE_NAME_CHARS, party // k % k),
        pick(FUND_SUFFIXES, party // (k * k) % len(FUND_SUFFIXES)),
    )
    loan = cols["has_loan_fields"].astype(bool)
    balance = cols["balance"].astype(np.float64)
    return pa.table(
        {
            "uscc": f.uscc_of(cols["firm"]),
            "kind": pick(("venture", "bank_loan"), kind),
            "date": date_array(cols["date"]),
            "amount": decimal_array(cols["amount"].astype(np.float64)),
            "counterparty": pc.if_else(pa.array(loan), pick(BANKS, np.minimum(party, len(BANKS) - 1)), fund),
            "low_risk": bool_array(cols["low_risk"].astype(bool), valid=loan),
            "daily_avg_balance_12m": decimal_array(balance, valid=loan & np.isfinite(balance)),
        },
        schema=ARROW_SCHEMAS["financing"],
    )


def conversions_table(rng: Rng, f: Firms) -> pa.Table:
    keys, year = f.keys, f.year
    years = np.array([year - 2, year - 1, year])
    mean = f.by_arch((0.03, 0.6, 3.0, 3.0, 6.0)) * rng.lognormal("conv_level", keys, 1.0, 0.5)
    ykeys = (keys[:, None] * np.uint64(4) + np.arange(3, dtype=np.uint64)[None, :]).ravel()
    counts = rng.count("conversions", ykeys, np.repeat(mean, 3), cap=30)
    counts = np.where((years[None, :] >= f.reg_year[:, None]).ravel(), counts, 0)
    cell, j = expand(counts)
    firm = cell // 3
    rk = row_keys(keys, firm, j + 64 * (cell % 3))
    title = join(
        subjects(rng, "conv_subject", rk, f.field[firm]),
        pick(("产业化", "成果转化", "技术转让", "技术许可"), rng.choice("conv_kind", rk, (4, 3, 2, 1))),
    )
    return pa.table(
        {"uscc": f.uscc_of(firm), "year": int_array(years[cell % 3]), "title": title},
        schema=ARROW_SCHEMAS["conversions"],
    )


def premises_table(rng: Rng, f: Firms) -> pa.Table:
    keys, year = f.keys, f.year
    rows = Rows()
    lease = rng.chance("lease", keys, f.by_arch((0.5, 0.7, 0.5, 0.6, 0.3)))
    area = np.maximum(30.0, f.employees_last * rng.uniform("area_per_head", keys, 15.0, 40.0))
    rent = area * rng.uniform("rent_per_m2", keys, 0.015, 0.06)  # 万元 per m² and year
    previous = lease & rng.chance("lease_prev", keys, 0.5) & (f.reg_year <= year - 1)
    for block, mask, lease_year, factor in ((0, previous, year - 1, 0.97), (1, lease, year, 1.0)):
        idx = np.flatnonzero(mask)
        rows.add(
            idx,
            block,
            kind=0,
            year=lease_year,
            area=np.round(area[idx], 2),
            rent=rent[idx] * factor,
            has_rent=True,
        )
    buy = rng.chance("purchase", keys, f.by_arch((0.08, 0.03, 0.15, 0.12, 0.5)))
    idx = np.flatnonzero(buy)
    buy_year = rng.integers("buy_year", keys[idx], np.maximum(f.reg_year[idx], year - 4), year)
    rows.add(
        idx,
        2,
        kind=1,
        year=buy_year,
        area=rng.lognormal("buy_area", keys[idx], 3000.0, 0.8),
        rent=0.0,
        has_rent=False,
    )
    cols = rows.build()
    return pa.table(
        {
            "uscc": f.uscc_of(cols["firm"]),
            "kind": pick(("lease", "purchase"), cols["kind"]),
            "year": int_array(cols["year"]),
            "area_m2": decimal_array(cols["area"].astype(np.float64)),
            "annual_rent": decimal_array(
                cols["rent"].astype(np.float64), valid=cols["has_rent"].astype(bool)
            ),
        },
        schema=ARROW_SCHEMAS["premises"],
    )
