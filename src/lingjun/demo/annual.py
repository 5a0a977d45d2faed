"""Annual figures of the synthetic district (:mod:`lingjun.demo`): revenue paths,
R&D, staff, balance sheet, cost, profit and tax for the last five years, and the missing data."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from lingjun.demo.model import (
    ASSET_RATIO,
    GAP_ASSETS,
    GAP_HIGHTECH,
    GAP_RD,
    GAP_REVENUE,
    GAP_TECH,
    GAP_YEAR,
    LOW_REV,
    MARGIN,
    MIN_EMPLOYEES,
    MISS_CAGR,
    MISS_DOM,
    MISS_FIRST,
    MISS_HT,
    MISS_RD,
    MISS_SIZE,
    MISS_TECH,
    PRODUCTIVITY,
    REV_MEDIAN,
    REV_SIGMA,
    YEARS,
    G,
    H,
    L,
)
from lingjun.demo.rng import F64, I64, U64, Bools, Rng, decimal_array, int_array, jan1
from lingjun.dossier.tables import ARROW_SCHEMAS


def annual_table(
    rng: Rng,
    keys: U64,
    uscc: pa.Array,
    *,
    arch: I64,
    mode: I64,
    gap: I64,
    reg_days: I64,
    reg_year: I64,
    year: int,
    has_field: Bools,
) -> tuple[pa.Table, F64]:
    """Yearly figures for the last YEARS years (from the registration year on)."""
    n = len(keys)
    years = year - YEARS + 1 + np.arange(YEARS)
    back = (years - year)[None, :].astype(np.float64)  # -4 … 0
    present = years[None, :] >= reg_year[:, None]
    ykeys = keys[:, None] * np.uint64(8) + np.arange(YEARS, dtype=np.uint64)[None, :]

    def noise(name: str, sigma: float) -> F64:
        out: F64 = np.exp(sigma * rng.jitter(name, ykeys.ravel()).reshape(n, YEARS))
        return out

    gazelle = arch == G
    age = year - reg_year
    # revenue: last-year level and growth; gazelles from their first-year revenue and CAGR
    cagr = np.clip(0.04 + 0.08 * rng.normal("cagr", keys), -0.35, 0.6)
    cagr += np.where(age <= 3, rng.uniform("cagr_young", keys, 0.0, 0.4), 0.0)
    first = np.maximum(1050.0, rng.lognormal("first_rev", keys, 2500.0, 0.6))
    first = np.where(mode == MISS_FIRST, rng.uniform("first_miss", keys, 780.0, 999.5), first)
    g_cagr = np.where(
        mode == MISS_CAGR,
        rng.uniform("cagr_miss", keys, 0.15, 0.197),
        rng.uniform("cagr_g", keys, 0.21, 0.65),
    )
    cagr = np.where(gazelle, g_cagr, cagr)
    last = rng.lognormal("rev", keys, REV_MEDIAN[arch], REV_SIGMA[arch])
    last = np.where(arch == L, np.maximum(last, 21000.0), last)
    last = np.where(gazelle, first * (1.0 + cagr) ** 3, last)
    last = np.where(mode == LOW_REV, rng.uniform("rev_low", keys, 6.0, 9.99), last)
    size_variant = rng.integers("size_variant", keys, 0, 2)
    too_big = (mode == MISS_SIZE) & (size_variant == 0)
    last = np.where(too_big, rng.uniform("rev_big", keys, 20001.0, 25000.0), last)
    eta = noise("rev_noise", 0.06)
    eta[:, -1] = 1.0
    eta[gazelle, -4] = 1.0
    revenue_ann = last[:, None] * (1.0 + cagr[:, None]) ** back * eta
    fraction = np.ones((n, YEARS))
    in_first = years[None, :] == reg_year[:, None]
    part = (jan1(reg_year + 1) - reg_days) / (jan1(reg_year + 1) - jan1(reg_year))
    fraction = np.where(in_first, part[:, None], fraction)
    revenue = np.maximum(revenue_ann * fraction, 0.01)  # a firm of a few days still shows 100 元

    sales_share = np.where(
        rng.chance("sales_eq", keys, 0.55) | gazelle, 1.0, rng.uniform("sales_share", keys, 0.85, 0.995)
    )
    sales = revenue * sales_share[:, None]
    sales_known = (sales_share < 1.0) | ~rng.chance("sales_null", keys, 0.6)

    # R&D intensity (of sales): by archetype; HNTE-like firms around their band's threshold
    sales_last = last * sales_share
    band = np.where(sales_last <= 5000, 0.05, np.where(sales_last <= 20000, 0.04, 0.03))
    rho_by_arch = np.stack(
        [
            np.where(
                rng.chance("rd_zero", keys, 0.6),
                0.0,
                np.minimum(rng.lognormal("rd_t", keys, 0.008, 0.6), 0.03),
            ),
            np.clip(rng.lognormal("rd_s", keys, 0.04, 0.5), 0.005, 0.25),
            band
            * np.where(
                mode == MISS_RD,
                rng.uniform("rd_h_miss", keys, 0.86, 0.993),
                rng.uniform("rd_h", keys, 1.03, 1.9),
            ),
            np.where(
                mode == MISS_RD,
                rng.uniform("rd_g_miss", keys, 0.018, 0.0249),
                rng.uniform("rd_g", keys, 0.028, 0.08),
            ),
            rng.uniform("rd_l", keys, 0.031, 0.06),
        ]
    )
    rho = rho_by_arch[arch, np.arange(n)]
    rd = sales * rho[:, None] * np.where(gazelle[:, None], 1.0, noise("rd_noise", 0.1))
    # exact target over the last three years (the HNTE ratio Σ R&D / Σ sales)
    window = present & (years[None, :] > year - 3)
    sum_rd = np.where(window, rd, 0.0).sum(axis=1)
    sum_sales = np.where(window, sales, 0.0).sum(axis=1)
    scale = np.divide(rho * sum_sales, sum_rd, out=np.ones(n), where=sum_rd > 0)
    rd *= np.where(gazelle, 1.0, scale)[:, None]

    # employees and tech staff
    productivity = rng.lognormal("productivity", keys, PRODUCTIVITY[arch], 0.45)
    employees = np.maximum(
        revenue_ann / productivity[:, None] * noise("emp_noise", 0.05), MIN_EMPLOYEES[arch][:, None]
    )
    crowded = (mode == MISS_SIZE) & (size_variant == 1)
    target = rng.uniform("emp_big", keys, 501.0, 560.0)
    employees *= np.where(crowded, target / employees[:, -1], 1.0)[:, None]
    tenths = rng.chance("emp_fraction", keys, 0.15)
    employees = np.where(tenths[:, None], np.round(employees, 1), np.round(employees))
    ratio_by_arch = np.stack(
        [
            rng.uniform("tech_t", keys, 0.0, 0.12),
            rng.uniform("tech_s", keys, 0.06, 0.6),
            np.where(
                mode == MISS_TECH,
                rng.uniform("tech_h_miss", keys, 0.07, 0.098),
                rng.uniform("tech_h", keys, 0.11, 0.6),
            ),
            rng.uniform("tech_g", keys, 0.15, 0.5),
            rng.uniform("tech_l", keys, 0.12, 0.4),
        ]
    )
    ratio = ratio_by_arch[arch, np.arange(n)]
    ratio_t = np.clip(ratio[:, None] * noise("tech_noise", 0.08), 0.0, 1.0)
    ratio_t[:, -1] = ratio
    tech = np.round(ratio_t * employees)
    ten_pct = (np.round(employees[:, -1] * 10).astype(np.int64) + 99) // 100  # ceil(10 % of employees)
    hnte_like = arch == H
    tech[:, -1] = np.where(hnte_like & (mode != MISS_TECH), np.maximum(tech[:, -1], ten_pct), tech[:, -1])
    tech[:, -1] = np.where(mode == MISS_TECH, np.minimum(tech[:, -1], ten_pct - 1), tech[:, -1])
    tech = np.clip(tech, 0.0, np.floor(employees))

    # balance sheet, cost, profit, tax
    capital = np.clip(rng.lognormal("capital", keys, 100.0, 1.0), 3.0, 5000.0)
    asset_ratio = rng.lognormal("asset_ratio", keys, ASSET_RATIO[arch], 0.4)
    assets = revenue_ann * asset_ratio[:, None] * noise("asset_noise", 0.05) + capital[:, None]
    heavy = (mode == MISS_SIZE) & (size_variant == 2)
    assets *= np.where(heavy, rng.uniform("assets_big", keys, 20001.0, 26000.0) / assets[:, -1], 1.0)[:, None]
    debt = np.where(
        rng.chance("insolvent", keys, 0.005),
        rng.uniform("debt_hi", keys, 1.0, 1.3),
        rng.uniform("debt", keys, 0.1, 0.85),
    )
    liabilities = assets * np.clip(debt[:, None] * noise("debt_noise", 0.08), 0.0, 1.5)
    margin = MARGIN[arch] + 0.07 * rng.normal("margin", keys)
    margin_t = np.clip(
        margin[:, None] + 0.03 * rng.jitter("margin_t", ykeys.ravel()).reshape(n, YEARS), -0.8, 0.6
    )
    cost = np.maximum(revenue * (1.0 - margin_t), rd * 1.05)
    profit = revenue - cost
    profit = np.where(profit > 0, profit * 0.85, profit)
    tax = revenue * rng.uniform("tax_rate", keys, 0.005, 0.05)[:, None] + np.maximum(profit, 0.0) * 0.15

    share_by_arch = np.stack(
        [
            np.where(rng.chance("ht_zero", keys, 0.5) | ~has_field, 0.0, rng.uniform("ht_t", keys, 0.0, 0.4)),
            rng.uniform("ht_s", keys, 0.05, 0.9),
            np.where(
                mode == MISS_HT,
                rng.uniform("ht_h_miss", keys, 0.48, 0.597),
                rng.uniform("ht_h", keys, 0.61, 0.98),
            ),
            rng.uniform("ht_g", keys, 0.5, 0.98),
            rng.uniform("ht_l", keys, 0.6, 0.95),
        ]
    )
    share = share_by_arch[arch, np.arange(n)]
    share_t = np.clip(share[:, None] * noise("ht_noise", 0.05), 0.0, 1.0)
    share_t[:, -1] = share
    hightech = revenue * share_t
    domestic = np.where(rng.chance("dom_all", keys, 0.7), 1.0, rng.uniform("dom", keys, 0.75, 1.0))
    domestic = np.where(rng.chance("dom_low", keys, 0.02), rng.uniform("dom_low_v", keys, 0.4, 0.6), domestic)
    domestic = np.where(mode == MISS_DOM, rng.uniform("dom_miss", keys, 0.45, 0.595), domestic)
    rd_domestic = rd * domestic[:, None]

    # missing data: a year's revenue, tech staff, a whole year, year-end balance, R&D, high-tech revenue
    first_k = np.clip(reg_year - years[0], 0, YEARS - 1)
    some_year = rng.integers("gap_year", keys, first_k, YEARS - 1)
    col = np.arange(YEARS)[None, :]
    known = np.ones((n, YEARS), dtype=bool)
    revenue_known = known & ~((gap == GAP_REVENUE)[:, None] & (col == some_year[:, None]))
    tech_known = known & ~(gap == GAP_TECH)[:, None]
    middle_year = rng.integers("gap_drop", keys, first_k, YEARS - 2)
    present &= ~((gap == GAP_YEAR) & (first_k <= YEARS - 3))[:, None] | (col != middle_year[:, None])
    balance_known = known & ~((gap == GAP_ASSETS)[:, None] & (col == YEARS - 1))
    rd_known = known & ~((gap == GAP_RD)[:, None] & (col == some_year[:, None]))
    hightech_known = known & ~((gap == GAP_HIGHTECH)[:, None] & (col == YEARS - 1))

    rows = present.ravel()
    row_firm = np.repeat(np.arange(n), YEARS)[rows]

    def money(values: F64, valid: Bools | None = None) -> pa.Array:
        return decimal_array(values.ravel()[rows], valid=None if valid is None else valid.ravel()[rows])

    annual_columns = {
        "uscc": uscc.take(pa.array(row_firm)),
        "year": int_array(np.broadcast_to(years, (n, YEARS)).ravel()[rows]),
        "operating_revenue": money(revenue, revenue_known),
        "sales_revenue": money(sales, revenue_known & sales_known[:, None]),
        "hightech_revenue": money(hightech, hightech_known),
        "total_assets": money(assets, balance_known),
        "total_liabilities": money(liabilities, balance_known),
        "total_cost_expense": money(cost),
        "rd_expense": money(rd, rd_known),
        "rd_expense_domestic": money(rd_domestic, rd_known),
        "net_profit": money(profit),
        "tax_paid": money(tax),
        "employees": decimal_array(employees.ravel()[rows], places=1),
        "tech_staff": decimal_array(tech.ravel()[rows], valid=tech_known.ravel()[rows], places=0),
    }
    table = pa.table(annual_columns, schema=ARROW_SCHEMAS["annual"])
    return table, employees[:, -1]
