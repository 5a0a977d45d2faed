"""成长性监测评估 (the plan's 五(二)): growth indicators and early warnings for the whole pool at
once, in Ibis (DuckDB over the pool's snapshot; PostgreSQL in-database works the same), never a
loop over enterprises.

The data year ``Y`` is the last year whose annual update is due by ``as_of`` (pooled firms file it
after the income-tax settlement; it must be approved by 30 September: policy-reference §1.4), so
on 2026-10-01 ``Y`` is 2025 and on 2026-06-30 it is 2024.

Indicators (per enterprise, from the 年度数据 of Y-3 … Y):

* ``revenue_cagr``: (revenue_Y / revenue_{Y-3})^(1/3) − 1, both positive;
* ``sales_growth`` and ``net_asset_growth``: the HNTE growth rate ½·(V₂/V₁ + V₃/V₂) − 1 over
  Y-2 … Y (国科发火〔2016〕195号; null when a base is not positive);
* ``rd_intensity``: Σ R&D expense / Σ sales revenue over Y-2 … Y (the years since registration;
  unknown when one of them has no figures), the HNTE policy's ``rd_intensity_3y``;
* ``staff_growth``: employees_Y / employees_{Y-1} − 1;
* ``high_growth`` (OECD–Eurostat, policy-reference §4): annualised growth > 20 % over three
  years in employees or revenue, with ≥ 10 employees at the start; ``gazelle``: high growth and
  at most 5 years old at the end of Y.

Warnings: ``revenue_falling`` (revenue fell in Y-1 and again in Y), ``rd_below`` (R&D intensity
below the threshold of what the firm holds: the HNTE band by last year's sales for a valid HNTE;
else its tier's, where known), ``expiring`` (a qualification — unless a renewal of the same kind
is in force — or a membership ending within 90 days after ``as_of``), ``annual_missing`` (no
revenue on file for Y).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from lingjun.dossier.schema import QUALIFICATIONS

#: warning codes -> words (the pages and the exports)
WARNINGS = {
    "revenue_falling": "营业收入连续两年下降",
    "rd_below": "研发强度低于标准",
    "expiring": "资质或入库有效期 90 天内到期",
    "annual_missing": "未完成年度信息更新",
}
EXPIRY_DAYS = 90
#: what an expiring qualification is called on the pages
KIND_LABELS = {c.value: c.label for c in QUALIFICATIONS.field("kind").choices}
HIGH_GROWTH_RATE = 0.20
HIGH_GROWTH_MIN_EMPLOYEES = 10
GAZELLE_MAX_AGE = 5
#: HNTE: R&D intensity by last year's sales (万元): ≤ 5000 → 5 %, ≤ 20000 → 4 %, above → 3 %
HNTE_RD_BANDS = ((5000, 0.05), (20000, 0.04), (None, 0.03))
#: membership tiers with a known R&D intensity threshold: 瞪羚's provisional 2.5 % (the national
#: high-tech-zone gazelle definition, policy-reference §1.3); 雏鹰, 领军培育 and 领军: not found
TIER_RD_THRESHOLDS = {"dengling": 0.025}
ANNUAL_UPDATE_DUE = (9, 30)


def data_year(as_of: date) -> int:
    """The last year whose annual update is due on ``as_of``."""
    due = date(as_of.year, *ANNUAL_UPDATE_DUE)
    return as_of.year - 1 if as_of > due else as_of.year - 2


def _f(value: ir.Value) -> ir.FloatingValue:
    return value.cast("float64")


def _pivot(annual: ir.Table, y: int) -> ir.Table:
    """One row per enterprise: revenue, sales, R&D, employees, net assets of Y-3 … Y."""
    t = annual.filter(annual.year.between(y - 3, y))
    sales = t.sales_revenue.coalesce(t.operating_revenue)
    aggs: dict[str, Any] = {}
    for k in range(4):
        year = y - 3 + k
        on = t.year == year
        aggs[f"rev{k}"] = _f(t.operating_revenue).max(where=on)
        aggs[f"sales{k}"] = _f(sales).max(where=on)
        aggs[f"rd{k}"] = _f(t.rd_expense).max(where=on)
        aggs[f"emp{k}"] = _f(t.employees).max(where=on)
        aggs[f"na{k}"] = _f(t.total_assets - t.total_liabilities).max(where=on)
    return t.group_by("uscc").aggregate(**aggs)


def _hnte_growth(v1: ir.FloatingValue, v2: ir.FloatingValue, v3: ir.FloatingValue) -> ir.FloatingValue:
    ok = (v1 > 0) & (v2 > 0) & v3.notnull()
    return ibis.ifelse(ok, 0.5 * (v2 / v1 + v3 / v2) - 1, ibis.null().cast("float64"))


def _cagr(first: ir.FloatingValue, last: ir.FloatingValue) -> ir.FloatingValue:
    ok = (first > 0) & (last > 0)
    return ibis.ifelse(ok, (last / first) ** (1.0 / 3) - 1, ibis.null().cast("float64"))


def indicators(tables: dict[str, ir.Table], *, as_of: date, members: pa.Table) -> ir.Table:
    """The indicators and warnings of every enterprise of the pool on ``as_of`` (one row each).

    ``members``: the active memberships on ``as_of`` (``uscc``, ``tier``, ``valid_until``), small
    enough to pass as Arrow."""
    y = data_year(as_of)
    ent = tables["enterprise"].select("uscc", "name", "town", "park", "industry_code", "registered_on")
    p = _pivot(tables["annual"], y)
    quals = tables["qualifications"]
    hnte = (
        quals.filter(
            (quals.kind == "hnte")
            & (quals.issued_on.isnull() | (quals.issued_on <= as_of))
            & (quals.expires_on.isnull() | (quals.expires_on >= as_of))
        )
        .select("uscc")
        .distinct()
        .mutate(holds_hnte=ibis.literal(True))
    )
    window_end = as_of + timedelta(days=EXPIRY_DAYS)
    # per kind, the last day any certificate in force today runs (a renewal in force is no warning)
    in_force = quals.filter(
        (quals.issued_on.isnull() | (quals.issued_on <= as_of))
        & (quals.expires_on.isnull() | (quals.expires_on >= as_of))
    )
    last = in_force.group_by(["uscc", "kind"]).aggregate(
        last=in_force.expires_on.fill_null(date(9999, 12, 31)).max()
    )
    ending = last.filter((last.last > as_of) & (last.last <= window_end))
    ending = ending.mutate(label=ending.kind.cases(*KIND_LABELS.items(), else_=ending.kind))
    q_exp = ending.group_by("uscc").aggregate(
        q_expires_on=ending.last.min(),
        q_expiring=ending.label.collect(order_by=ending.label).join("、"),
    )
    m = ibis.memtable(members)
    t = (
        ent.left_join(p, "uscc")
        .drop("uscc_right")
        .left_join(hnte, "uscc")
        .drop("uscc_right")
        .left_join(q_exp, "uscc")
        .drop("uscc_right")
        .left_join(m, "uscc")
        .drop("uscc_right")
    )
    # the years Y-2 … Y since registration (the actual period); one of them without figures: unknown
    in_period = {k: ibis.literal(y - 3 + k) >= t.registered_on.year() for k in (1, 2, 3)}
    rd_sum = sum((ibis.ifelse(in_period[k], t[f"rd{k}"], 0.0) for k in (1, 2, 3)), ibis.literal(0.0))
    sales_sum = sum((ibis.ifelse(in_period[k], t[f"sales{k}"], 0.0) for k in (1, 2, 3)), ibis.literal(0.0))
    rd_intensity = ibis.ifelse(sales_sum > 0, rd_sum / sales_sum, ibis.null().cast("float64"))
    revenue_cagr = _cagr(t.rev0, t.rev3)
    staff_cagr = ibis.ifelse(
        t.emp0 >= HIGH_GROWTH_MIN_EMPLOYEES, _cagr(t.emp0, t.emp3), ibis.null().cast("float64")
    )
    high_growth = (t.emp0 >= HIGH_GROWTH_MIN_EMPLOYEES) & (
        (staff_cagr > HIGH_GROWTH_RATE).fill_null(False) | (revenue_cagr > HIGH_GROWTH_RATE).fill_null(False)
    )
    age = y - t.registered_on.year()
    hnte_band = ibis.cases(
        (t.sales3 <= HNTE_RD_BANDS[0][0], HNTE_RD_BANDS[0][1]),
        (t.sales3 <= HNTE_RD_BANDS[1][0], HNTE_RD_BANDS[1][1]),
        else_=HNTE_RD_BANDS[2][1],
    )
    tier_threshold = ibis.cases(
        *((t.tier == tier, value) for tier, value in TIER_RD_THRESHOLDS.items()),
        else_=ibis.null().cast("float64"),
    )
    threshold = ibis.ifelse(t.holds_hnte.fill_null(False) & t.sales3.notnull(), hnte_band, tier_threshold)
    m_expiring = (t.valid_until > as_of) & (t.valid_until <= window_end)
    expires_on = ibis.least(
        t.q_expires_on, ibis.ifelse(m_expiring.fill_null(False), t.valid_until, ibis.null().cast("date"))
    )
    out = t.mutate(
        data_year=ibis.literal(y),
        revenue=t.rev3,
        revenue_cagr=revenue_cagr,
        sales_growth=_hnte_growth(t.sales1, t.sales2, t.sales3),
        net_asset_growth=_hnte_growth(t.na1, t.na2, t.na3),
        rd_intensity=rd_intensity,
        rd_threshold=threshold,
        staff_growth=ibis.ifelse(t.emp2 > 0, t.emp3 / t.emp2 - 1, ibis.null().cast("float64")),
        staff_cagr=staff_cagr,
        high_growth=high_growth.fill_null(False),
        gazelle=(high_growth & (age <= GAZELLE_MAX_AGE)).fill_null(False),
        revenue_falling=((t.rev3 < t.rev2) & (t.rev2 < t.rev1)).fill_null(False),
        rd_below=(rd_intensity < threshold).fill_null(False),
        expiring=(t.q_expires_on.notnull() | m_expiring.fill_null(False)),
        expires_on=expires_on,
        expiring_what=ibis.ifelse(
            m_expiring.fill_null(False),
            ibis.ifelse(t.q_expiring.isnull(), "入库有效期", t.q_expiring.concat("、入库有效期")),
            t.q_expiring,
        ),
        annual_missing=t.rev3.isnull() & (t.registered_on <= date(y, 12, 31)),
    )
    return out.select(
        "uscc", "name", "town", "park", "industry_code", "registered_on", "tier", "data_year",
        "rev1", "rev2", "revenue", "revenue_cagr", "sales_growth", "net_asset_growth",
        "rd_intensity", "rd_threshold", "staff_growth", "staff_cagr", "high_growth", "gazelle",
        "revenue_falling", "rd_below", "expiring", "expires_on", "expiring_what", "annual_missing",
    )  # fmt: skip
