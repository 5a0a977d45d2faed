"""Hand-written DuckDB SQL for all seven policies in one query: the benchmark's full baseline.

:func:`all_policies_sql` produces, for every enterprise, the same cells as the rules engine for
``national.hnte.2016``, ``national.tech_sme.2017``, ``tianjin.chuying.2019``,
``tianjin.chuying.2021``, ``tianjin.dengling.2021``, ``tianjin.lingjun.2021`` and
``tianjin.lingjun_peiyu.2021``: one boolean per criterion (NULL = unknown), the overall result,
the indicators' points, the score, the bands (letters), the metrics and the measured value (and
computed threshold) of every comparison criterion. It is written the way a developer would write
it by hand from the policy texts: one CTE per source table for the facts (the annual figures
pivoted by year, the lists counted with ``count(*) FILTER``), left joins on ``uscc``, each fact and
each shared criterion computed once and reused by every policy that reads it, the thresholds
inlined as constants. Nothing is generated from the YAML. :data:`ALL_COLUMNS` says which engine
cell each output column is, and :func:`differences` runs both and counts the differing cells.

Semantics kept exactly as the engine's (``lingjun.rules.compiler`` / ``reference``):

* missing data makes a criterion unknown, never failed (SQL's three-valued logic); a list without
  rows counts 0; a ratio whose divisor is 0 or less (or unknown) is unknown;
* "last year" is the application year Y - 1; an annual value is the largest of its year's rows;
  ``sales_revenue`` falls back to ``operating_revenue`` row by row; net assets = total assets -
  total liabilities; multi-year sums leave out the years before registration (unknown when
  registered after the last year or when an included year is missing);
* ``max_of`` is unknown when any alternative is (``greatest()`` alone would skip a NULL), unless a
  known alternative already has the most any of them can have (50 points of R&D investment);
* a list row whose filter reads an empty attribute (an award without its rank, level, prize or
  year; a standard without its role or year; a patent not marked core or not …) may count: each
  such count has a ``_maybe`` twin, and ``count >= 1`` is unknown, not failed, when only such rows
  could meet it (:func:`_has`);
* policy inputs (expert points, sector check, officers' confirmations) are not given in the
  benchmark: they are typed NULL constants, as the engine runs without inputs.

Exact arithmetic: no threshold is compared with a double. A ratio ``a / b >= 0.30`` is written
``100 * a >= 30 * b`` (guarded by ``b > 0``) in DuckDB's DECIMAL(18, 4), which is exact or raises on
overflow (14 integer digits: far beyond any enterprise's amounts); a double would be wrong at an
edge (``0.7 / 7`` is ``0.09999999999999999`` in binary floating point, so a tech-staff share of
exactly 10 % would fail). Integer coefficients rather than ``a >= 0.30 * b``: the same exact
result, but DuckDB multiplies a DECIMAL(18, 4) by a fractional constant through its slow
overflow-checked path (a result of scale 6 beyond 18 digits), five times the cost of ``30 * b``
(measured on the tech SME points). The HNTE growth rate ``(V2/V1 + V3/V2) / 2 - 1`` is a fraction
``n / d`` of the amounts as HUGEINT integers of 0.0001 万元 (products of two amounts overflow BIGINT
and DECIMAL(18, 8) on real figures), with the sign folded into ``n`` so that ``d > 0``; each band
edge is the exact integer comparison ``100 * n >= 35 * d`` (computed in doubles, ``(V2/V1 + V3/V2)
/ 2 - 1`` misses band A for rates of exactly 35 %: see the test). The compound growth rate is
compared as ``25 * x1 >= 36 * x0`` ((1 + 20 %)² = 36/25). Displayed metrics and measured values
are doubles, as in the engine's output.

Usage: ``python bench/bench_rules_sql_all.py [--n 100000] [--seed 2024] [--year 2024]
[--as-of 2024-06-30] [--threads 1]`` prints the differing cells and both wall times.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from lingjun.dossier.schema import IP_CLASS_I, IP_CLASS_II


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _pair(cond: str, name: str) -> str:
    """Two counts of a list: the rows that count (``name``) and those that may, where an attribute
    the condition reads is empty (``name_maybe``: the condition is NULL)."""
    return (
        f"count(*) FILTER (WHERE {cond}) AS {name}, count(*) FILTER (WHERE ({cond}) IS NULL) AS {name}_maybe"
    )


def _has(name: str) -> str:
    """``count >= 1`` for a count with rows that may count: unknown unless decided either way."""
    return f"CASE WHEN {name} >= 1 THEN TRUE WHEN {name}_maybe > 0 THEN NULL ELSE FALSE END"


def _known(name: str) -> str:
    """The count itself, unknown while some row may count."""
    return f"CASE WHEN {name}_maybe = 0 THEN {name} END"


#: the counts a row with an empty attribute may join (each has a ``_maybe`` column)
_UNCERTAIN = (
    "ip_core",
    "q_rd_institution",
    "aw_st_national_top3_5y",
    "aw_st_top3_5y",
    "aw_st",
    "aw_contest_national_finalist_5y",
    "aw_contest_provincial_third_5y",
    "aw_contest_national_excellence",
    "aw_contest_provincial_third",
    "std_n",
    "std_lead_5y",
    "projects",
    "venture_100",
)


def all_policies_sql(year: int, as_of: date, prefix: str = "") -> str:
    """One DuckDB query: ``uscc`` and the columns of :data:`ALL_COLUMNS` (application year ``year``,
    evaluation date ``as_of``; the tables are ``<prefix>enterprise`` …)."""
    y = year
    d = f"DATE '{as_of.isoformat()}'"
    as_of_mmdd = as_of.month * 100 + as_of.day
    valid_ip = (
        f"coalesce(valid, true) AND (granted_on IS NULL OR granted_on <= {d}) "
        f"AND (expires_on IS NULL OR expires_on >= {d})"
    )
    valid_q = f"(issued_on IS NULL OR issued_on <= {d}) AND (expires_on IS NULL OR expires_on >= {d})"
    t = prefix
    return f"""
WITH e AS (
  SELECT uscc, province, independent_legal_person, hightech_field, abnormal_operation, serious_dishonesty,
    registered_on, year(registered_on) AS reg_year, month(registered_on) * 100 + day(registered_on) AS reg_mmdd
  FROM {t}enterprise
), a AS (
  -- annual figures pivoted by year: _1 = last year (Y-1), _2 = Y-2, _3 = Y-3, _4 = Y-4
  SELECT uscc,
    max(operating_revenue) FILTER (WHERE year = {y - 1}) AS rev_1,
    max(operating_revenue) FILTER (WHERE year = {y - 2}) AS rev_2,
    max(operating_revenue) FILTER (WHERE year = {y - 3}) AS rev_3,
    max(operating_revenue) FILTER (WHERE year = {y - 4}) AS rev_4,
    max(coalesce(sales_revenue, operating_revenue)) FILTER (WHERE year = {y - 1}) AS sales_1,
    max(coalesce(sales_revenue, operating_revenue)) FILTER (WHERE year = {y - 2}) AS sales_2,
    max(coalesce(sales_revenue, operating_revenue)) FILTER (WHERE year = {y - 3}) AS sales_3,
    max(rd_expense) FILTER (WHERE year = {y - 1}) AS rd_1,
    max(rd_expense) FILTER (WHERE year = {y - 2}) AS rd_2,
    max(rd_expense) FILTER (WHERE year = {y - 3}) AS rd_3,
    max(rd_expense) FILTER (WHERE year = {y - 4}) AS rd_4,
    max(rd_expense_domestic) FILTER (WHERE year = {y - 1}) AS rdd_1,
    max(rd_expense_domestic) FILTER (WHERE year = {y - 2}) AS rdd_2,
    max(rd_expense_domestic) FILTER (WHERE year = {y - 3}) AS rdd_3,
    max(total_assets - total_liabilities) FILTER (WHERE year = {y - 1}) AS net_1,
    max(total_assets - total_liabilities) FILTER (WHERE year = {y - 2}) AS net_2,
    max(total_assets - total_liabilities) FILTER (WHERE year = {y - 3}) AS net_3,
    max(hightech_revenue) FILTER (WHERE year = {y - 1}) AS hightech_1,
    max(total_assets) FILTER (WHERE year = {y - 1}) AS assets_1,
    max(total_cost_expense) FILTER (WHERE year = {y - 1}) AS cost_1,
    max(employees) FILTER (WHERE year = {y - 1}) AS employees_1,
    max(tech_staff) FILTER (WHERE year = {y - 1}) AS tech_staff_1
  FROM {t}annual WHERE year BETWEEN {y - 4} AND {y - 1} GROUP BY uscc
), ip AS (
  -- IP valid on the evaluation date
  SELECT uscc,
    count(*) AS n,
    count(*) FILTER (WHERE kind IN {_in(IP_CLASS_I)}) AS class_i,
    count(*) FILTER (WHERE kind IN {_in(IP_CLASS_II)}) AS class_ii,
    {_pair("core", "core")}
  FROM {t}ip WHERE {valid_ip} GROUP BY uscc
), q AS (
  -- qualifications valid on the evaluation date
  SELECT uscc,
    count(*) FILTER (WHERE kind = 'hnte') AS hnte,
    count(*) FILTER (WHERE kind IN ('hnte', 'tianjin_hnte')) AS hnte_any,
    count(*) FILTER (WHERE kind = 'software_enterprise') AS sw_enterprise,
    count(*) FILTER (WHERE kind = 'software_product') AS sw_product,
    {_pair("kind = 'rd_institution' AND level IN ('national', 'provincial')", "rd_institution")}
  FROM {t}qualifications WHERE {valid_q} GROUP BY uscc
), aw AS (
  -- awards up to the application year; "5y" = the last five years, Y-4 … Y; a row without its level, rank, prize or
  -- year may count
  SELECT uscc,
    {
        _pair(
            f"kind = 'st_award' AND level = 'national' AND rank <= 3 AND year BETWEEN {y - 4} AND {y}",
            "st_national_top3_5y",
        )
    },
    {
        _pair(
            f"kind = 'st_award' AND level IN ('national', 'provincial') AND rank <= 3 "
            f"AND year BETWEEN {y - 4} AND {y}",
            "st_top3_5y",
        )
    },
    {_pair(f"kind = 'st_award' AND level IN ('national', 'provincial') AND year <= {y}", "st")},
    {
        _pair(
            f"kind = 'competition' AND level = 'national' "
            f"AND prize IN ('special', 'first', 'second', 'third', 'excellence', 'finalist') "
            f"AND year BETWEEN {y - 4} AND {y}",
            "contest_national_finalist_5y",
        )
    },
    {
        _pair(
            f"kind = 'competition' AND level = 'provincial' AND prize IN ('special', 'first', 'second', 'third') "
            f"AND year BETWEEN {y - 4} AND {y}",
            "contest_provincial_third_5y",
        )
    },
    {
        _pair(
            f"kind = 'competition' AND level = 'national' "
            f"AND prize IN ('special', 'first', 'second', 'third', 'excellence') AND year <= {y}",
            "contest_national_excellence",
        )
    },
    {
        _pair(
            f"kind = 'competition' AND level = 'provincial' AND prize IN ('special', 'first', 'second', 'third') "
            f"AND year <= {y}",
            "contest_provincial_third",
        )
    }
  FROM {t}awards GROUP BY uscc
), st AS (
  SELECT uscc,
    {_pair(f"year <= {y}", "n")},
    {
        _pair(
            f"level IN ('international', 'national', 'industry') AND role = 'lead' AND year BETWEEN {y - 4} AND {y}",
            "lead_5y",
        )
    }
  FROM {t}standards GROUP BY uscc
), pr AS (
  SELECT uscc, {_pair(f"level IN ('national', 'provincial') AND year <= {y}", "n")} FROM {
        t
    }projects GROUP BY uscc
), fi AS (
  SELECT uscc, {_pair("kind = 'venture' AND amount >= 100", "venture_100")} FROM {t}financing GROUP BY uscc
), cv AS (
  SELECT uscc, count(*) AS n_3y FROM {t}conversions WHERE year BETWEEN {y - 3} AND {y - 1} GROUP BY uscc
), ce AS (
  -- credit events of last year and this year
  SELECT uscc,
    count(*) AS n,
    count(*) FILTER (WHERE kind = 'research_misconduct') AS misconduct,
    count(*) FILTER (WHERE kind = 'major_accident') AS accident
  FROM {t}credit_events WHERE year BETWEEN {y - 1} AND {y} GROUP BY uscc
), f AS (
  -- the facts, one row per enterprise (no list row = none)
  SELECT e.*, a.* EXCLUDE (uscc),
    coalesce(ip.n, 0) AS ip_n, coalesce(ip.class_i, 0) AS ip_i, coalesce(ip.class_ii, 0) AS ip_ii,
    coalesce(ip.core, 0) AS ip_core, coalesce(ip.core_maybe, 0) AS ip_core_maybe,
    coalesce(q.hnte, 0) AS q_hnte, coalesce(q.hnte_any, 0) AS q_hnte_any,
    coalesce(q.sw_enterprise, 0) AS q_sw_enterprise, coalesce(q.sw_product, 0) AS q_sw_product,
    coalesce(q.rd_institution, 0) AS q_rd_institution, coalesce(q.rd_institution_maybe, 0) AS q_rd_institution_maybe,
    coalesce(aw.st_national_top3_5y, 0) AS aw_st_national_top3_5y, coalesce(aw.st_national_top3_5y_maybe, 0) AS aw_st_national_top3_5y_maybe, coalesce(aw.st_top3_5y, 0) AS aw_st_top3_5y, coalesce(aw.st_top3_5y_maybe, 0) AS aw_st_top3_5y_maybe,
    coalesce(aw.st, 0) AS aw_st, coalesce(aw.st_maybe, 0) AS aw_st_maybe,
    coalesce(aw.contest_national_finalist_5y, 0) AS aw_contest_national_finalist_5y, coalesce(aw.contest_national_finalist_5y_maybe, 0) AS aw_contest_national_finalist_5y_maybe,
    coalesce(aw.contest_provincial_third_5y, 0) AS aw_contest_provincial_third_5y, coalesce(aw.contest_provincial_third_5y_maybe, 0) AS aw_contest_provincial_third_5y_maybe,
    coalesce(aw.contest_national_excellence, 0) AS aw_contest_national_excellence, coalesce(aw.contest_national_excellence_maybe, 0) AS aw_contest_national_excellence_maybe,
    coalesce(aw.contest_provincial_third, 0) AS aw_contest_provincial_third, coalesce(aw.contest_provincial_third_maybe, 0) AS aw_contest_provincial_third_maybe,
    coalesce(st.n, 0) AS std_n, coalesce(st.n_maybe, 0) AS std_n_maybe,
    coalesce(st.lead_5y, 0) AS std_lead_5y, coalesce(st.lead_5y_maybe, 0) AS std_lead_5y_maybe,
    coalesce(pr.n, 0) AS projects, coalesce(pr.n_maybe, 0) AS projects_maybe,
    coalesce(fi.venture_100, 0) AS venture_100, coalesce(fi.venture_100_maybe, 0) AS venture_100_maybe, coalesce(cv.n_3y, 0) AS conversions_3y,
    coalesce(ce.n, 0) AS ce_n, coalesce(ce.misconduct, 0) AS ce_misconduct, coalesce(ce.accident, 0) AS ce_accident
  FROM e
  LEFT JOIN a USING (uscc) LEFT JOIN ip USING (uscc) LEFT JOIN q USING (uscc) LEFT JOIN aw USING (uscc)
  LEFT JOIN st USING (uscc) LEFT JOIN pr USING (uscc) LEFT JOIN fi USING (uscc) LEFT JOIN cv USING (uscc)
  LEFT JOIN ce USING (uscc)
), v AS (
  SELECT *,
    -- completed years since registration on the evaluation date, on 1 January of Y, on 31 December of Y-1
    {as_of.year} - reg_year - CASE WHEN reg_mmdd > {as_of_mmdd} THEN 1 ELSE 0 END AS age_as_of,
    {y} - reg_year - CASE WHEN reg_mmdd > 101 THEN 1 ELSE 0 END AS age_jan1,
    {y - 1} - reg_year AS age_dec31,
    -- sums over the last 3 (4) years, leaving out the years before registration
    CASE WHEN reg_year <= {y - 3} THEN rd_3 + rd_2 + rd_1 WHEN reg_year = {y - 2} THEN rd_2 + rd_1
         WHEN reg_year = {y - 1} THEN rd_1 END AS rd_3y,
    CASE WHEN reg_year <= {y - 3} THEN rdd_3 + rdd_2 + rdd_1 WHEN reg_year = {y - 2} THEN rdd_2 + rdd_1
         WHEN reg_year = {y - 1} THEN rdd_1 END AS rdd_3y,
    CASE WHEN reg_year <= {y - 3} THEN sales_3 + sales_2 + sales_1 WHEN reg_year = {
        y - 2
    } THEN sales_2 + sales_1
         WHEN reg_year = {y - 1} THEN sales_1 END AS sales_3y,
    CASE WHEN reg_year <= {y - 4} THEN rd_4 + rd_3 + rd_2 + rd_1 WHEN reg_year = {
        y - 3
    } THEN rd_3 + rd_2 + rd_1
         WHEN reg_year = {y - 2} THEN rd_2 + rd_1 WHEN reg_year = {y - 1} THEN rd_1 END AS rd_4y,
    CASE WHEN reg_year <= {y - 4} THEN rev_4 + rev_3 + rev_2 + rev_1 WHEN reg_year = {
        y - 3
    } THEN rev_3 + rev_2 + rev_1
         WHEN reg_year = {y - 2} THEN rev_2 + rev_1 WHEN reg_year = {y - 1} THEN rev_1 END AS rev_4y,
    -- HNTE growth inputs as exact integers of 0.0001 万元 (their products need 128 bits)
    CAST(net_1 * 10000 AS HUGEINT) AS net_u1, CAST(net_2 * 10000 AS HUGEINT) AS net_u2,
    CAST(net_3 * 10000 AS HUGEINT) AS net_u3,
    CAST(sales_1 * 10000 AS HUGEINT) AS sales_u1, CAST(sales_2 * 10000 AS HUGEINT) AS sales_u2,
    CAST(sales_3 * 10000 AS HUGEINT) AS sales_u3,
    -- HNTE: R&D intensity required (in %) for last year's sales (≤ 5000 万元 5 %, ≤ 2 亿元 4 %, above 3 %)
    CASE WHEN sales_1 <= 5000 THEN 5 WHEN sales_1 <= 20000 THEN 4 WHEN sales_1 IS NOT NULL THEN 3
    END AS hnte_rd_min_pct,
    -- tech SME points: tech staff share; R&D over sales and over total cost (the higher counts); IP
    CASE WHEN tech_staff_1 IS NULL OR coalesce(employees_1, 0) <= 0 THEN NULL
         WHEN 100 * tech_staff_1 >= 30 * employees_1 THEN 20 WHEN 100 * tech_staff_1 >= 25 * employees_1 THEN 16
         WHEN 100 * tech_staff_1 >= 20 * employees_1 THEN 12 WHEN 100 * tech_staff_1 >= 15 * employees_1 THEN 8
         WHEN 100 * tech_staff_1 >= 10 * employees_1 THEN 4 ELSE 0 END AS sme_tech_staff,
    CASE WHEN rd_1 IS NULL OR coalesce(sales_1, 0) <= 0 THEN NULL
         WHEN 100 * rd_1 >= 6 * sales_1 THEN 50 WHEN 100 * rd_1 >= 5 * sales_1 THEN 40
         WHEN 100 * rd_1 >= 4 * sales_1 THEN 30 WHEN 100 * rd_1 >= 3 * sales_1 THEN 20
         WHEN 100 * rd_1 >= 2 * sales_1 THEN 10 ELSE 0 END AS sme_rd_sales,
    CASE WHEN rd_1 IS NULL OR coalesce(cost_1, 0) <= 0 THEN NULL
         WHEN 100 * rd_1 >= 30 * cost_1 THEN 50 WHEN 100 * rd_1 >= 25 * cost_1 THEN 40
         WHEN 100 * rd_1 >= 20 * cost_1 THEN 30 WHEN 100 * rd_1 >= 15 * cost_1 THEN 20
         WHEN 100 * rd_1 >= 10 * cost_1 THEN 10 ELSE 0 END AS sme_rd_cost,
    greatest(CASE WHEN ip_i >= 1 THEN 30 ELSE 0 END,
             CASE WHEN ip_ii >= 4 THEN 24 WHEN ip_ii >= 3 THEN 18 WHEN ip_ii >= 2 THEN 12 WHEN ip_ii >= 1 THEN 6
                  ELSE 0 END) AS sme_ip,
    -- criteria shared by several policies
    province = '天津市' AS tianjin,
    independent_legal_person = true AS independent,
    ce_n = 0 AND abnormal_operation = false AND serious_dishonesty = false AS integrity_all_events,
    ce_misconduct = 0 AND abnormal_operation = false AND serious_dishonesty = false AS integrity_misconduct,
    -- policy inputs: not given in the benchmark, hence unknown
    CAST(NULL AS DECIMAL(18, 4)) AS in_hnte_ip_points,
    CAST(NULL AS DECIMAL(18, 4)) AS in_hnte_conversion_points,
    CAST(NULL AS DECIMAL(18, 4)) AS in_hnte_management_points,
    CAST(NULL AS DECIMAL(18, 4)) AS in_hnte_growth_points,
    CAST(NULL AS BOOLEAN) AS in_sme_prohibited_sector,
    CAST(NULL AS BOOLEAN) AS in_lj_other_conditions_met,
    CAST(NULL AS BOOLEAN) AS in_lj_site_investigation_passed,
    CAST(NULL AS BOOLEAN) AS in_ljpy_other_conditions_met,
    CAST(NULL AS BOOLEAN) AS in_ljpy_site_investigation_passed
  FROM f
), g AS (
  SELECT *,
    -- HNTE growth rate = n / d (d > 0): (V2/V1 + V3/V2)/2 - 1 over Y-3, Y-2, Y-1; V3/V2 - 1 when registered
    -- in Y-2 or V1 = 0; 0 when registered in Y-1 or later or V2 = 0
    CASE WHEN reg_year IS NULL THEN NULL
         WHEN reg_year >= {y - 1} OR net_u2 = 0 THEN 0
         WHEN reg_year = {y - 2} OR net_u3 = 0 THEN (net_u1 - net_u2) * sign(net_u2)
         ELSE (net_u2 * net_u2 + net_u3 * net_u1 - 2 * net_u3 * net_u2) * sign(net_u3) * sign(net_u2)
    END AS net_growth_n,
    CASE WHEN reg_year >= {y - 1} OR net_u2 = 0 THEN 1
         WHEN reg_year = {y - 2} OR net_u3 = 0 THEN abs(net_u2)
         ELSE 2 * abs(net_u3) * abs(net_u2)
    END AS net_growth_d,
    CASE WHEN reg_year IS NULL THEN NULL
         WHEN reg_year >= {y - 1} OR sales_u2 = 0 THEN 0
         WHEN reg_year = {y - 2} OR sales_u3 = 0 THEN (sales_u1 - sales_u2) * sign(sales_u2)
         ELSE (sales_u2 * sales_u2 + sales_u3 * sales_u1 - 2 * sales_u3 * sales_u2) * sign(sales_u3) * sign(sales_u2)
    END AS sales_growth_n,
    CASE WHEN reg_year >= {y - 1} OR sales_u2 = 0 THEN 1
         WHEN reg_year = {y - 2} OR sales_u3 = 0 THEN abs(sales_u2)
         ELSE 2 * abs(sales_u3) * abs(sales_u2)
    END AS sales_growth_d,
    -- HNTE bands of IP quantity (class I count · 10000 + class II count) and conversions (3-year average)
    CASE WHEN ip_i * 10000 + ip_ii >= 10000 THEN 'A' WHEN ip_i * 10000 + ip_ii >= 5 THEN 'B'
         WHEN ip_i * 10000 + ip_ii >= 3 THEN 'C' WHEN ip_i * 10000 + ip_ii >= 1 THEN 'D' ELSE 'E'
    END AS hnte_ip_band,
    CASE WHEN conversions_3y >= 15 THEN 'A' WHEN conversions_3y >= 12 THEN 'B' WHEN conversions_3y >= 9 THEN 'C'
         WHEN conversions_3y >= 6 THEN 'D' WHEN conversions_3y >= 3 THEN 'E' ELSE 'F'
    END AS hnte_conversion_band,
    -- tech SME indicator: the higher of A and B; 50 as soon as either has 50 (the most there is),
    -- otherwise unknown when either is
    CASE WHEN sme_rd_sales = 50 OR sme_rd_cost = 50 THEN 50
         WHEN sme_rd_sales IS NULL OR sme_rd_cost IS NULL THEN NULL ELSE greatest(sme_rd_sales, sme_rd_cost)
    END AS sme_rd_investment,
    in_hnte_ip_points + in_hnte_conversion_points + in_hnte_management_points + in_hnte_growth_points AS hnte_score
  FROM v
), c AS (
  SELECT *,
    sme_tech_staff + sme_rd_investment + sme_ip AS sme_score,
    -- growth bands: ≥ 35 % A, ≥ 25 % B, ≥ 15 % C, ≥ 5 % D, > 0 E, else F (exact: 100·n ≥ 35·d)
    CASE WHEN net_growth_n IS NULL THEN NULL
         WHEN 100 * net_growth_n >= 35 * net_growth_d THEN 'A' WHEN 100 * net_growth_n >= 25 * net_growth_d THEN 'B'
         WHEN 100 * net_growth_n >= 15 * net_growth_d THEN 'C' WHEN 100 * net_growth_n >= 5 * net_growth_d THEN 'D'
         WHEN net_growth_n > 0 THEN 'E' ELSE 'F'
    END AS hnte_net_growth_band,
    CASE WHEN sales_growth_n IS NULL THEN NULL
         WHEN 100 * sales_growth_n >= 35 * sales_growth_d THEN 'A' WHEN 100 * sales_growth_n >= 25 * sales_growth_d THEN 'B'
         WHEN 100 * sales_growth_n >= 15 * sales_growth_d THEN 'C' WHEN 100 * sales_growth_n >= 5 * sales_growth_d THEN 'D'
         WHEN sales_growth_n > 0 THEN 'E' ELSE 'F'
    END AS hnte_sales_growth_band,
    -- HNTE criteria
    age_as_of >= 1 AS hnte_age,
    {_has("ip_core")} AS hnte_ip,
    hightech_field IN ('电子信息', '生物与新医药', '航空航天', '新材料', '高技术服务', '新能源与节能', '资源与环境',
                       '先进制造与自动化') AS hnte_field,
    CASE WHEN employees_1 > 0 THEN 100 * tech_staff_1 >= 10 * employees_1 END AS hnte_tech_staff,
    CASE WHEN sales_3y > 0 THEN 100 * rd_3y >= hnte_rd_min_pct * sales_3y END AS hnte_rd_intensity,
    CASE WHEN rd_3y > 0 THEN 100 * rdd_3y >= 60 * rd_3y END AS hnte_rd_domestic,
    CASE WHEN rev_1 > 0 THEN 100 * hightech_1 >= 60 * rev_1 END AS hnte_hightech_revenue,
    hnte_score > 70 AS hnte_innovation_score,
    ce_accident = 0 AS hnte_compliance,
    -- tech SME criteria
    province NOT IN ('香港特别行政区', '澳门特别行政区', '台湾省') AS sme_resident,
    employees_1 <= 500 AS sme_size_employees,
    sales_1 <= 20000 AS sme_size_sales,
    assets_1 <= 20000 AS sme_size_assets,
    in_sme_prohibited_sector = false AS sme_sector,
    q_hnte >= 1 AS sme_direct_hnte,
    {_has("aw_st_national_top3_5y")} AS sme_direct_award,
    {_has("q_rd_institution")} AS sme_direct_rd_institution,
    {_has("std_lead_5y")} AS sme_direct_standard,
    -- 雏鹰 2019 criteria
    age_jan1 >= 1 AS cy19_age_min,
    -- at most 5 years old on 1 January of Y, to the day (registered on or after 1 January of Y-5)
    registered_on >= DATE '{y - 5}-01-01' AS cy19_age_max,
    rev_1 <= 1000 AS cy19_revenue_cap,
    ip_n >= 1 AS cy19_has_ip,
    {_has("aw_contest_national_finalist_5y")} OR {_has("aw_contest_provincial_third_5y")} AS cy19_contest,
    ip_i >= 1 OR ip_ii >= 5 AS cy19_ip_strong,
    {_has("aw_st_top3_5y")} AS cy19_award,
    {_has("std_lead_5y")} AS cy19_standard,
    -- 雏鹰 2021 criteria
    registered_on < DATE '{y}-01-01' AS cy21_not_new,
    -- at most 8 years old on 31 December of Y-1, to the day ("8年以内" includes 8)
    registered_on >= DATE '{y - 9}-12-31' AS cy21_age,
    rev_1 >= 10 AS cy21_revenue,
    ip_i >= 1 OR ip_ii >= 2 AS cy21_ip,
    ({_has("aw_contest_national_excellence")} OR {
        _has("aw_contest_provincial_third")
    }) AND ip_n >= 1 AS cy21_contest,
    {_has("aw_st")} AS cy21_award,
    {_has("std_n")} AS cy21_standard,
    {_has("venture_100")} AS cy21_venture,
    {_has("projects")} AS cy21_project,
    -- shared by both 雏鹰
    q_hnte_any >= 1 AS cy_hnte,
    q_sw_enterprise >= 1 AND q_sw_product >= 1 AS cy_software,
    {_has("q_rd_institution")} AS cy_rd_institution,
    -- 瞪羚 criteria (compound growth over two years ≥ 20 %: x1 ≥ 1.2² · x0 = 36/25 · x0)
    CASE WHEN rev_4y > 0 THEN 1000 * rd_4y > 25 * rev_4y END AS dl_rd_intensity,
    CASE WHEN rev_3 > 0 THEN 25 * rev_1 >= 36 * rev_3 END AS dl_revenue_growth,
    rev_3 > 1000 AS dl_first_year_revenue
  FROM g
), r AS (
  SELECT *,
    -- HNTE: the expert points must lie in the ranges the bands allow
    in_hnte_growth_points >= CASE hnte_net_growth_band WHEN 'A' THEN 9 WHEN 'B' THEN 7 WHEN 'C' THEN 5
                                  WHEN 'D' THEN 3 WHEN 'E' THEN 1 WHEN 'F' THEN 0 END
                             + CASE hnte_sales_growth_band WHEN 'A' THEN 9 WHEN 'B' THEN 7 WHEN 'C' THEN 5
                                  WHEN 'D' THEN 3 WHEN 'E' THEN 1 WHEN 'F' THEN 0 END
      AND in_hnte_growth_points <= CASE hnte_net_growth_band WHEN 'A' THEN 10 WHEN 'B' THEN 8 WHEN 'C' THEN 6
                                       WHEN 'D' THEN 4 WHEN 'E' THEN 2 WHEN 'F' THEN 0 END
                                  + CASE hnte_sales_growth_band WHEN 'A' THEN 10 WHEN 'B' THEN 8 WHEN 'C' THEN 6
                                       WHEN 'D' THEN 4 WHEN 'E' THEN 2 WHEN 'F' THEN 0 END
      AS hnte_growth_points_in_range,
    in_hnte_conversion_points >= CASE hnte_conversion_band WHEN 'A' THEN 25 WHEN 'B' THEN 19 WHEN 'C' THEN 13
                                      WHEN 'D' THEN 7 WHEN 'E' THEN 1 WHEN 'F' THEN 0 END
      AND in_hnte_conversion_points <= CASE hnte_conversion_band WHEN 'A' THEN 30 WHEN 'B' THEN 24 WHEN 'C' THEN 18
                                           WHEN 'D' THEN 12 WHEN 'E' THEN 6 WHEN 'F' THEN 0 END
      AS hnte_conversion_points_in_range,
    sme_size_employees AND sme_size_sales AND sme_size_assets AS sme_size,
    sme_score >= 60 AS sme_score_min,
    sme_tech_staff > 0 AS sme_tech_staff_nonzero,
    sme_direct_hnte OR sme_direct_award OR sme_direct_rd_institution OR sme_direct_standard AS sme_direct_confirmation,
    cy_hnte OR cy_software OR cy19_contest OR cy19_ip_strong OR cy19_award OR cy_rd_institution OR cy19_standard
      AS cy19_innovation,
    cy21_ip OR cy_software OR cy21_contest OR cy_hnte OR cy21_award OR cy_rd_institution OR cy21_standard
      OR cy21_venture OR cy21_project AS cy21_innovation
  FROM c
)
SELECT uscc,
  -- national.hnte.2016
  hnte_age AND hnte_ip AND hnte_field AND hnte_tech_staff AND hnte_rd_intensity AND hnte_rd_domestic
    AND hnte_hightech_revenue AND hnte_innovation_score AND hnte_compliance AS hnte_result,
  hnte_score,
  in_hnte_ip_points AS hnte_indicator_ip, in_hnte_conversion_points AS hnte_indicator_conversion,
  in_hnte_management_points AS hnte_indicator_management, in_hnte_growth_points AS hnte_indicator_growth,
  CASE WHEN sales_3y > 0 THEN rd_3y / sales_3y END AS hnte_metric_rd_intensity_3y,
  CAST(net_growth_n AS DOUBLE) / CAST(net_growth_d AS DOUBLE) AS hnte_metric_net_asset_growth_rate,
  CAST(sales_growth_n AS DOUBLE) / CAST(sales_growth_d AS DOUBLE) AS hnte_metric_sales_growth_rate,
  conversions_3y / 3 AS hnte_metric_conversions_avg_3y,
  hnte_net_growth_band AS hnte_band_net_asset_growth, hnte_sales_growth_band AS hnte_band_sales_growth,
  hnte_ip_band AS hnte_band_ip_quantity, hnte_conversion_band AS hnte_band_conversions,
  hnte_age, age_as_of AS hnte_age_value,
  hnte_ip, {_known("ip_core")} AS hnte_ip_value,
  hnte_field,
  hnte_tech_staff, CASE WHEN employees_1 > 0 THEN tech_staff_1 / employees_1 END AS hnte_tech_staff_value,
  hnte_rd_intensity, CASE WHEN sales_3y > 0 THEN rd_3y / sales_3y END AS hnte_rd_intensity_value,
  hnte_rd_min_pct / 100 AS hnte_rd_intensity_threshold,
  hnte_rd_domestic, CASE WHEN rd_3y > 0 THEN rdd_3y / rd_3y END AS hnte_rd_domestic_value,
  hnte_hightech_revenue, CASE WHEN rev_1 > 0 THEN hightech_1 / rev_1 END AS hnte_hightech_revenue_value,
  hnte_innovation_score, hnte_score AS hnte_innovation_score_value,
  hnte_compliance, ce_accident AS hnte_compliance_value,
  hnte_growth_points_in_range, hnte_conversion_points_in_range,
  -- national.tech_sme.2017
  sme_resident AND sme_size AND sme_sector AND integrity_all_events
    AND ((sme_score_min AND sme_tech_staff_nonzero) OR sme_direct_confirmation) AS sme_result,
  sme_score,
  sme_tech_staff AS sme_indicator_tech_staff, sme_rd_investment AS sme_indicator_rd_investment,
  sme_ip AS sme_indicator_ip,
  sme_resident,
  sme_size_employees, employees_1 AS sme_size_employees_value,
  sme_size_sales, sales_1 AS sme_size_sales_value,
  sme_size_assets, assets_1 AS sme_size_assets_value,
  sme_size,
  sme_sector, in_sme_prohibited_sector AS sme_sector_value,
  integrity_all_events AS sme_integrity,
  sme_score_min, sme_score AS sme_score_min_value,
  sme_tech_staff_nonzero, sme_tech_staff AS sme_tech_staff_nonzero_value,
  sme_score_min AND sme_tech_staff_nonzero AS sme_scoring,
  sme_direct_hnte, q_hnte AS sme_direct_hnte_value,
  sme_direct_award, {_known("aw_st_national_top3_5y")} AS sme_direct_award_value,
  sme_direct_rd_institution, {_known("q_rd_institution")} AS sme_direct_rd_institution_value,
  sme_direct_standard, {_known("std_lead_5y")} AS sme_direct_standard_value,
  sme_direct_confirmation,
  (sme_score_min AND sme_tech_staff_nonzero) OR sme_direct_confirmation AS sme_evaluation,
  -- tianjin.chuying.2019
  tianjin AND independent AND cy19_age_min AND cy19_age_max AND integrity_all_events AND cy19_revenue_cap
    AND cy19_has_ip AND cy19_innovation AS cy19_result,
  tianjin AS cy19_registered_tianjin, province AS cy19_registered_tianjin_value,
  independent AS cy19_independent, independent_legal_person AS cy19_independent_value,
  cy19_age_min, age_jan1 AS cy19_age_min_value,
  cy19_age_max, registered_on AS cy19_age_max_value,
  integrity_all_events AS cy19_integrity,
  cy19_revenue_cap, rev_1 AS cy19_revenue_cap_value,
  cy19_has_ip, ip_n AS cy19_has_ip_value,
  cy_hnte AS cy19_hnte, q_hnte_any AS cy19_hnte_value,
  cy_software AS cy19_software,
  cy19_contest,
  cy19_ip_strong,
  cy19_award, {_known("aw_st_top3_5y")} AS cy19_award_value,
  cy_rd_institution AS cy19_rd_institution, {_known("q_rd_institution")} AS cy19_rd_institution_value,
  cy19_standard, {_known("std_lead_5y")} AS cy19_standard_value,
  cy19_innovation,
  -- tianjin.chuying.2021
  tianjin AND independent AND cy21_not_new AND cy21_age AND integrity_misconduct AND cy21_revenue
    AND cy21_innovation AS cy21_result,
  tianjin AS cy21_registered_tianjin, province AS cy21_registered_tianjin_value,
  independent AS cy21_independent, independent_legal_person AS cy21_independent_value,
  cy21_not_new, registered_on AS cy21_not_new_value,
  cy21_age, registered_on AS cy21_age_value,
  integrity_misconduct AS cy21_integrity,
  cy21_revenue, rev_1 AS cy21_revenue_value,
  cy21_ip,
  cy_software AS cy21_software,
  cy21_contest,
  cy_hnte AS cy21_hnte, q_hnte_any AS cy21_hnte_value,
  cy21_award, {_known("aw_st")} AS cy21_award_value,
  cy_rd_institution AS cy21_rd_institution, {_known("q_rd_institution")} AS cy21_rd_institution_value,
  cy21_standard, {_known("std_n")} AS cy21_standard_value,
  cy21_venture, {_known("venture_100")} AS cy21_venture_value,
  cy21_project, {_known("projects")} AS cy21_project_value,
  cy21_innovation,
  -- tianjin.dengling.2021
  tianjin AND independent AND integrity_misconduct AND dl_rd_intensity AND dl_revenue_growth
    AND dl_first_year_revenue AS dl_result,
  CASE WHEN rev_4y > 0 THEN rd_4y / rev_4y END AS dl_metric_rd_intensity_4y,
  CASE WHEN rev_3 > 0 THEN sqrt(rev_1 / rev_3) - 1 END AS dl_metric_revenue_cagr_3y,
  tianjin AS dl_registered_tianjin, province AS dl_registered_tianjin_value,
  independent AS dl_independent, independent_legal_person AS dl_independent_value,
  integrity_misconduct AS dl_integrity,
  dl_rd_intensity, CASE WHEN rev_4y > 0 THEN rd_4y / rev_4y END AS dl_rd_intensity_value,
  dl_revenue_growth, CASE WHEN rev_3 > 0 THEN sqrt(rev_1 / rev_3) - 1 END AS dl_revenue_growth_value,
  dl_first_year_revenue, rev_3 AS dl_first_year_revenue_value,
  -- tianjin.lingjun.2021
  tianjin AND independent AND integrity_misconduct AND in_lj_other_conditions_met = true
    AND in_lj_site_investigation_passed = true AS lj_result,
  tianjin AS lj_registered_tianjin, province AS lj_registered_tianjin_value,
  independent AS lj_independent, independent_legal_person AS lj_independent_value,
  integrity_misconduct AS lj_integrity,
  in_lj_other_conditions_met = true AS lj_other_conditions, in_lj_other_conditions_met AS lj_other_conditions_value,
  in_lj_site_investigation_passed = true AS lj_site_investigation,
  in_lj_site_investigation_passed AS lj_site_investigation_value,
  -- tianjin.lingjun_peiyu.2021
  tianjin AND independent AND integrity_misconduct AND in_ljpy_other_conditions_met = true
    AND in_ljpy_site_investigation_passed = true AS ljpy_result,
  tianjin AS ljpy_registered_tianjin, province AS ljpy_registered_tianjin_value,
  independent AS ljpy_independent, independent_legal_person AS ljpy_independent_value,
  integrity_misconduct AS ljpy_integrity,
  in_ljpy_other_conditions_met = true AS ljpy_other_conditions,
  in_ljpy_other_conditions_met AS ljpy_other_conditions_value,
  in_ljpy_site_investigation_passed = true AS ljpy_site_investigation,
  in_ljpy_site_investigation_passed AS ljpy_site_investigation_value
FROM r
"""


#: the hand-written columns' prefixes
POLICY_PREFIXES = {
    "hnte": "national.hnte.2016",
    "sme": "national.tech_sme.2017",
    "cy19": "tianjin.chuying.2019",
    "cy21": "tianjin.chuying.2021",
    "dl": "tianjin.dengling.2021",
    "lj": "tianjin.lingjun.2021",
    "ljpy": "tianjin.lingjun_peiyu.2021",
}
#: per prefix, what its columns hold: a criterion id (its result), "" (the overall result), "score",
#: "indicator.<id>", "band.<id>", "metric.<id>", "<criterion>.value", "<criterion>.threshold"; the
#: column is ``<prefix>_<what with "." as "_">`` (``<prefix>_result`` for "")
_WHAT = {
    "hnte": (
        *("", "score", "indicator.ip", "indicator.conversion", "indicator.management", "indicator.growth"),
        *("metric.rd_intensity_3y", "metric.net_asset_growth_rate", "metric.sales_growth_rate"),
        *("metric.conversions_avg_3y", "band.net_asset_growth", "band.sales_growth", "band.ip_quantity"),
        *(
            "band.conversions",
            "age",
            "age.value",
            "ip",
            "ip.value",
            "field",
            "tech_staff",
            "tech_staff.value",
        ),
        *("rd_intensity", "rd_intensity.value", "rd_intensity.threshold", "rd_domestic", "rd_domestic.value"),
        *("hightech_revenue", "hightech_revenue.value", "innovation_score", "innovation_score.value"),
        *("compliance", "compliance.value", "growth_points_in_range", "conversion_points_in_range"),
    ),
    "sme": (
        *("", "score", "indicator.tech_staff", "indicator.rd_investment", "indicator.ip", "resident"),
        *("size_employees", "size_employees.value", "size_sales", "size_sales.value", "size_assets"),
        *("size_assets.value", "size", "sector", "sector.value", "integrity", "score_min", "score_min.value"),
        *("tech_staff_nonzero", "tech_staff_nonzero.value", "scoring", "direct_hnte", "direct_hnte.value"),
        *("direct_award", "direct_award.value", "direct_rd_institution", "direct_rd_institution.value"),
        *("direct_standard", "direct_standard.value", "direct_confirmation", "evaluation"),
    ),
    "cy19": (
        *("", "registered_tianjin", "registered_tianjin.value", "independent", "independent.value"),
        *("age_min", "age_min.value", "age_max", "age_max.value", "integrity", "revenue_cap"),
        *("revenue_cap.value", "has_ip", "has_ip.value", "hnte", "hnte.value", "software", "contest"),
        *("ip_strong", "award", "award.value", "rd_institution", "rd_institution.value", "standard"),
        *("standard.value", "innovation"),
    ),
    "cy21": (
        *("", "registered_tianjin", "registered_tianjin.value", "independent", "independent.value"),
        *("not_new", "not_new.value", "age", "age.value", "integrity", "revenue", "revenue.value", "ip"),
        *("software", "contest", "hnte", "hnte.value", "award", "award.value", "rd_institution"),
        *("rd_institution.value", "standard", "standard.value", "venture", "venture.value", "project"),
        *("project.value", "innovation"),
    ),
    "dl": (
        *("", "metric.rd_intensity_4y", "metric.revenue_cagr_3y", "registered_tianjin"),
        *("registered_tianjin.value", "independent", "independent.value", "integrity", "rd_intensity"),
        *("rd_intensity.value", "revenue_growth", "revenue_growth.value", "first_year_revenue"),
        "first_year_revenue.value",
    ),
    **{
        p: (
            *("", "registered_tianjin", "registered_tianjin.value", "independent", "independent.value"),
            *("integrity", "other_conditions", "other_conditions.value", "site_investigation"),
            "site_investigation.value",
        )
        for p in ("lj", "ljpy")
    },
}
#: hand-written column → (policy id, what): the cells that must equal the engine's
ALL_COLUMNS: dict[str, tuple[str, str]] = {
    f"{prefix}_{what.replace('.', '_') or 'result'}": (POLICY_PREFIXES[prefix], what)
    for prefix, whats in _WHAT.items()
    for what in whats
}


def engine_column(policy: str, what: str) -> str:
    """The column of :meth:`lingjun.rules.Evaluation.to_arrow` that holds ``(policy, what)``."""
    if what == "":
        return f"{policy}.result"
    if what == "score" or "." in what:
        return f"{policy}.{what}"
    return f"{policy}.{what}.result"  # a criterion


def engine_table(con: Any, year: int, as_of: date) -> pa.Table:
    """The engine's wide result for all seven policies (``con``: an Ibis DuckDB backend)."""
    from lingjun.rules import RunSpec, evaluate, load_library, tables_in

    policies = list(load_library().policies.values())
    spec = RunSpec.of(policies, year=year, as_of=as_of)
    return evaluate(tables=tables_in(con, prefix=""), spec=spec).to_arrow()


def hand_table(con: Any, year: int, as_of: date, sql: str | None = None) -> pa.Table:
    return con.con.sql(sql if sql is not None else all_policies_sql(year, as_of)).fetch_arrow_table()


def _text(col: pa.ChunkedArray) -> pa.Array:
    col = col.combine_chunks()
    if pa.types.is_dictionary(col.type):
        return col.dictionary_decode()
    return col


def _same(a: pa.Array, b: pa.Array) -> pa.Array:
    """Equal, two nulls being equal (never null)."""
    both = pc.and_(pc.is_valid(a), pc.is_valid(b))
    return pc.if_else(both, pc.fill_null(pc.equal(a, b), False), pc.equal(pc.is_null(a), pc.is_null(b)))


def _close(a: pa.Array, b: pa.Array, relative: bool, tol: float = 1e-9) -> pa.Array:
    a, b = pc.cast(a, pa.float64()), pc.cast(b, pa.float64())
    scale = pc.max_element_wise(pc.max_element_wise(pc.abs(a), pc.abs(b)), 1.0) if relative else 1.0
    near = pc.less_equal(pc.abs(pc.subtract(a, b)), pc.multiply(scale, tol))
    both = pc.and_(pc.is_valid(a), pc.is_valid(b))
    return pc.if_else(both, pc.fill_null(near, False), pc.equal(pc.is_null(a), pc.is_null(b)))


def compare(
    engine: pa.Table, hand: pa.Table, columns: Mapping[str, tuple[str, str]] = ALL_COLUMNS
) -> dict[str, int]:
    """Differing cells per hand-written column, rows joined on ``uscc``: results as pass/fail/unknown,
    bands as letters, scores and points within 1e-9, other numbers within 1e-9 relative, other values
    equal (two nulls equal). ``uscc`` counts the rows only one side has; an engine column that no
    hand-written column covers counts every row (so that zero everywhere means all cells compared)."""
    from lingjun.rules.result import result_words

    out: dict[str, int] = {}
    common = pc.is_in(engine["uscc"], value_set=hand["uscc"].combine_chunks())
    out["uscc"] = engine.num_rows + hand.num_rows - 2 * pc.sum(pc.cast(common, pa.int64())).as_py()
    engine = engine.filter(common)
    hand = hand.filter(pc.is_in(hand["uscc"], value_set=engine["uscc"].combine_chunks()))
    engine = engine.take(pc.sort_indices(engine["uscc"]))
    hand = hand.take(pc.sort_indices(hand["uscc"]))
    for col, (policy, what) in columns.items():
        e = engine[engine_column(policy, what)]
        h = hand[col].combine_chunks()
        if what == "" or ("." not in what and what != "score"):
            same = pc.equal(_text(e), result_words(h).dictionary_decode())
        elif what.startswith("band."):
            same = _same(_text(e), _text(hand[col]))
        elif what == "score" or what.startswith("indicator."):
            same = _close(e.combine_chunks(), h, relative=False)
        elif pa.types.is_integer(e.type) or pa.types.is_floating(e.type):
            same = _close(e.combine_chunks(), h, relative=True)
        else:
            same = _same(e.combine_chunks(), h)
        out[col] = len(same) - pc.sum(pc.cast(same, pa.int64())).as_py()
    covered = {engine_column(p, w) for p, w in columns.values()}
    for name in engine.column_names:
        if name != "uscc" and name not in covered:
            out[name] = engine.num_rows
    return out


def differences(con: Any, year: int, as_of: date, sql: str | None = None) -> dict[str, int]:
    """Run the engine and the hand-written query (or ``sql``) on ``con`` (an Ibis DuckDB backend
    holding the table form without prefix) and count the differing cells (see :func:`compare`)."""
    return compare(engine_table(con, year, as_of), hand_table(con, year, as_of, sql))


def main() -> None:
    import argparse
    import sys
    import tempfile
    import time
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from pool_file import write_pool

    from lingjun.demo import generate_tables
    from lingjun.rules import RunSpec, connect, evaluate, load_library, tables_in

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--data-year", type=int, default=None, help="last data year (default: year - 1)")
    p.add_argument("--year", type=int, default=2024, help="application year Y")
    p.add_argument("--as-of", default="2024-06-30")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--db", default=None, help="a DuckDB file holding the pool (written if missing)")
    args = p.parse_args()
    year, as_of = args.year, date.fromisoformat(args.as_of)
    db = Path(args.db) if args.db else Path(tempfile.mkdtemp(prefix="lingjun-sql-all-")) / "pool.duckdb"
    fresh = not db.exists()
    con = connect("duckdb", path=str(db), threads=args.threads)
    if fresh:
        data_year = args.data_year if args.data_year is not None else year - 1
        write_pool(con, generate_tables(n=args.n, seed=args.seed, year=data_year))
    diffs = differences(con, year, as_of)
    bad = {k: v for k, v in diffs.items() if v}
    rows = con.con.sql("SELECT count(*) FROM enterprise").fetchone()
    print(
        f"{rows[0] if rows else 0:,} enterprises, {len(ALL_COLUMNS)} columns compared; differing cells: {bad or 0}"
    )
    policies = list(load_library().policies.values())
    itables = tables_in(con, prefix="")
    sql = all_policies_sql(year, as_of)
    evaluate(tables=itables, spec=RunSpec.of(policies, year=year, as_of=as_of))  # compiles the query once
    best = {"engine": float("inf"), "engine + to_arrow": float("inf"), "hand-written": float("inf")}
    for _ in range(args.repeat):  # interleaved, best of each: the machine may be shared
        t = time.perf_counter()
        ev = evaluate(tables=itables, spec=RunSpec.of(policies, year=year, as_of=as_of))
        t1 = time.perf_counter()
        ev.to_arrow()
        t2 = time.perf_counter()
        con.con.sql(sql).fetch_arrow_table()
        t3 = time.perf_counter()
        best = {
            "engine": min(best["engine"], t1 - t),
            "engine + to_arrow": min(best["engine + to_arrow"], t2 - t),
            "hand-written": min(best["hand-written"], t3 - t2),
        }
    hand = best["hand-written"]
    print(
        f"best of {args.repeat}: engine (evaluate, query compiled) {best['engine']:.3f} s "
        f"({best['engine'] / hand:.2f}x), with to_arrow {best['engine + to_arrow']:.3f} s "
        f"({best['engine + to_arrow'] / hand:.2f}x), hand-written SQL to Arrow {hand:.3f} s"
    )
    con.disconnect()


if __name__ == "__main__":
    main()
