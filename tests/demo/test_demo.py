"""The synthetic district (lingjun.demo): shape, determinism, validity and distributions.

The distribution checks evaluate a simplified version of the policy thresholds in SQL (DuckDB):
good enough to see that every tier has members and near misses, not a reference implementation
of the rules.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from lingjun import demo
from lingjun.demo import generate_dossiers, generate_tables, tables_to_dossiers
from lingjun.demo.words import NAME_WORDS, TRADE_NAME_CHARS
from lingjun.dossier import divisions
from lingjun.dossier.schema import (
    HIGHTECH_FIELDS,
    IP_CLASS_I,
    IP_CLASS_II,
    LIST_SECTIONS,
    SECTIONS,
    TABLES,
)
from lingjun.dossier.tables import ARROW_SCHEMAS, arrow_to_dossiers
from lingjun.dossier.uscc import WUQING_AREA_CODE, is_valid_uscc
from lingjun.dossier.validate import parse_dossier

YEAR = 2025
N = 10_000
SEED = 20251231


@pytest.fixture(scope="module")
def tables() -> dict[str, pa.Table]:
    return generate_tables(n=N, seed=SEED, year=YEAR)


@pytest.fixture(scope="module")
def db(tables: dict[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name, table in tables.items():
        con.register(name, table)
    return con


def one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


# ------------------------------------------------------------------------------ shape, determinism


def test_tables_have_exactly_the_contract_schemas(tables: dict[str, pa.Table]) -> None:
    assert list(tables) == list(TABLES)
    for name, table in tables.items():
        assert table.schema.equals(ARROW_SCHEMAS[name]), name
    assert tables["enterprise"].num_rows == N
    for name in TABLES:
        assert tables[name].num_rows > 0, f"{name} has no rows"


def test_zero_and_tiny_districts() -> None:
    empty = generate_tables(n=0, seed=1, year=YEAR)
    assert all(
        empty[name].num_rows == 0 and empty[name].schema.equals(ARROW_SCHEMAS[name]) for name in TABLES
    )
    assert list(generate_dossiers(n=0, seed=1, year=YEAR)) == []
    assert generate_tables(n=1, seed=1, year=YEAR)["enterprise"].num_rows == 1
    with pytest.raises(ValueError):
        generate_tables(n=-1, seed=1, year=YEAR)
    with pytest.raises(ValueError):
        generate_tables(n=5, seed=1, year=1990)


def test_same_arguments_same_tables_and_other_seeds_differ() -> None:
    a = generate_tables(n=800, seed=7, year=YEAR)
    b = generate_tables(n=800, seed=7, year=YEAR)
    c = generate_tables(n=800, seed=8, year=YEAR)
    assert all(a[name].equals(b[name]) for name in TABLES)
    assert set(a["enterprise"]["uscc"].to_pylist()).isdisjoint(c["enterprise"]["uscc"].to_pylist())
    assert a["enterprise"]["name"].to_pylist() != c["enterprise"]["name"].to_pylist()
    assert a["annual"]["operating_revenue"].to_pylist() != c["annual"]["operating_revenue"].to_pylist()


def test_other_year_shifts_the_figures() -> None:
    a = generate_tables(n=300, seed=7, year=2023)
    assert pc.max(a["annual"]["year"]).as_py() == 2023
    assert pc.max(a["enterprise"]["registered_on"]).as_py() <= date(2023, 12, 31)


def test_first_k_enterprises_do_not_depend_on_n() -> None:
    small = generate_tables(n=700, seed=3, year=YEAR)
    large = generate_tables(n=2100, seed=3, year=YEAR)
    for name in TABLES:
        head = large[name].slice(0, small[name].num_rows)
        assert head.equals(small[name]), name
        rest = large[name].slice(small[name].num_rows)
        assert not pc.any(pc.is_in(rest["uscc"], value_set=small["enterprise"]["uscc"])).as_py(), name


def test_chunking_does_not_change_the_district(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = generate_tables(n=500, seed=4, year=YEAR)
    whole_dossiers = list(generate_dossiers(n=500, seed=4, year=YEAR))
    monkeypatch.setattr(demo, "CHUNK", 128)
    monkeypatch.setattr(demo, "DOSSIER_CHUNK", 97)
    chunked = generate_tables(n=500, seed=4, year=YEAR)
    assert chunked["annual"].column("uscc").num_chunks > 1
    assert all(chunked[name].equals(whole[name]) for name in TABLES)
    assert list(generate_dossiers(n=500, seed=4, year=YEAR)) == whole_dossiers


def test_rows_are_grouped_in_enterprise_order(tables: dict[str, pa.Table]) -> None:
    usccs = tables["enterprise"]["uscc"]
    for name in TABLES[1:]:
        position = pc.index_in(tables[name]["uscc"], value_set=usccs).to_numpy(zero_copy_only=False)
        assert (position >= 0).all(), name
        assert (np.diff(position) >= 0).all(), name


# ---------------------------------------------------------------------------------- identities


def test_usccs_are_valid_unique_and_from_wuqing(tables: dict[str, pa.Table]) -> None:
    codes = tables["enterprise"]["uscc"].to_pylist()
    assert len(set(codes)) == len(codes)
    assert all(is_valid_uscc(c) for c in codes)
    assert all(c[2:8] == WUQING_AREA_CODE and c.startswith("91120114MA0") for c in codes)


def test_names_are_unique_and_look_like_tianjin_companies(tables: dict[str, pa.Table]) -> None:
    names = tables["enterprise"]["name"].to_pylist()
    assert len(set(names)) == len(names)
    pattern = re.compile(r"^天津(市)?\w{2,4}?(" + "|".join(NAME_WORDS) + r")(股份)?有限公司(武清分公司)?$")
    assert all(pattern.match(n) for n in names), [n for n in names if not pattern.match(n)][:5]


def test_trade_names_cannot_collide_across_lengths() -> None:
    """A longer 字号 ending in a word's head could spell another name: no word is chars + word."""
    chars = set(TRADE_NAME_CHARS)
    assert "市" not in chars
    for word in NAME_WORDS:
        for k in range(1, len(word)):
            assert not (word[k:] in NAME_WORDS and set(word[:k]) <= chars), word


def test_enums_towns_parks_and_codes_are_known_values(db: duckdb.DuckDBPyConnection) -> None:
    for section in SECTIONS:
        for f in section.fields:
            if f.choices:
                values = {
                    r[0] for r in db.execute(f"SELECT DISTINCT {f.name} FROM {section.table}").fetchall()
                }
                assert values - {None} <= set(f.choice_values), (section.table, f.name)
    towns = {t.name for t in divisions.towns()}
    parks = {p.name for p in divisions.parks()}
    assert {r[0] for r in db.execute("SELECT DISTINCT town FROM enterprise").fetchall()} == towns
    assert {r[0] for r in db.execute("SELECT DISTINCT park FROM enterprise").fetchall()} - {None} == parks
    assert {r[0] for r in db.execute("SELECT DISTINCT hightech_field FROM enterprise").fetchall()} - {
        None
    } == {c.value for c in HIGHTECH_FIELDS}
    codes = {r[0] for r in db.execute("SELECT DISTINCT industry_code FROM enterprise").fetchall()} - {None}
    assert codes and all(re.fullmatch(r"[A-T]\d{4}", c) for c in codes)
    district = db.execute("SELECT DISTINCT province, city, district FROM enterprise").fetchall()
    assert district == [("天津市", "天津市", "武清区")]


def test_every_town_is_represented_and_about_40_percent_are_in_a_park(db: duckdb.DuckDBPyConnection) -> None:
    smallest = one(db, "SELECT min(c) FROM (SELECT count(*) c FROM enterprise GROUP BY town)")
    assert smallest >= 50
    assert 0.33 <= one(db, "SELECT avg((park IS NOT NULL)::INT) FROM enterprise") <= 0.47


# ---------------------------------------------------------------------------------- validity


def test_tech_staff_never_exceeds_employees(db: duckdb.DuckDBPyConnection) -> None:
    assert one(db, "SELECT count(*) FROM annual WHERE tech_staff > employees") == 0
    assert one(db, "SELECT count(*) FROM annual WHERE employees <= 0 OR employees IS NULL") == 0


def test_money_and_areas_are_never_negative_except_profit(
    tables: dict[str, pa.Table], db: duckdb.DuckDBPyConnection
) -> None:
    for section in SECTIONS:
        for f in section.fields:
            if f.nonnegative:
                assert one(db, f"SELECT count(*) FROM {section.table} WHERE {f.name} < 0") == 0, f.name
    assert one(db, "SELECT count(*) FROM annual WHERE net_profit < 0") > 0  # losses exist
    assert one(db, "SELECT count(*) FROM annual WHERE rd_expense_domestic > rd_expense") == 0
    assert one(db, "SELECT count(*) FROM annual WHERE hightech_revenue > operating_revenue") == 0
    assert one(db, "SELECT count(*) FROM annual WHERE rd_expense > total_cost_expense") == 0


def test_no_date_after_the_data_year_where_the_schema_forbids_the_future(
    tables: dict[str, pa.Table], db: duckdb.DuckDBPyConnection
) -> None:
    last_day = date(YEAR, 12, 31)
    checked = 0
    for section in SECTIONS:
        for f in section.fields:
            if f.not_future:
                latest = pc.max(tables[section.table][f.name]).as_py()
                assert latest is not None and latest <= last_day, (section.table, f.name)
                checked += 1
    assert checked == 4  # registered_on, granted_on, issued_on, financing date
    for table in ("annual", "awards", "standards", "projects", "conversions", "premises", "credit_events"):
        assert one(db, f"SELECT max(year) FROM {table}") <= YEAR, table
    assert one(db, "SELECT min(registered_on) FROM enterprise") >= date(1998, 1, 1)
    assert one(db, "SELECT count(*) FROM ip WHERE expires_on < granted_on") == 0
    assert one(db, "SELECT count(*) FROM qualifications WHERE expires_on < issued_on") == 0


@pytest.mark.parametrize(
    ("today", "issued"), [(date(YEAR + 1, 2, 1), False), (date(YEAR + 1, 12, 7), True)], ids=["feb", "dec"]
)
def test_the_demo_holds_this_years_tech_sme_registrations_issued_by_today(today: date, issued: bool) -> None:
    """A registration number is valid for its year only: with ``today`` the district holds this
    year's registrations issued by then (none before March), re-registrations of last year's, and
    nothing else changes."""
    plain = generate_tables(n=3000, seed=5, year=YEAR)
    shown = generate_tables(n=3000, seed=5, year=YEAR, today=today)
    for name in plain:
        if name != "qualifications":
            assert shown[name].equals(plain[name]), name
    quals = shown["qualifications"]
    this_year = quals.filter(pc.greater(quals["issued_on"], date(YEAR, 12, 31)))
    assert set(this_year["kind"].to_pylist()) <= {"tech_sme"}
    assert (this_year.num_rows > 200) is issued and (this_year.num_rows == 0) is not issued
    if issued:
        assert pc.max(this_year["issued_on"]).as_py() <= today
        assert set(this_year["expires_on"].to_pylist()) == {date(YEAR + 1, 12, 31)}
        last_year = quals.filter(
            pc.and_(pc.equal(quals["kind"], "tech_sme"), pc.equal(quals["expires_on"], date(YEAR, 12, 31)))
        )
        assert set(this_year["uscc"].to_pylist()) <= set(last_year["uscc"].to_pylist())
    assert plain["qualifications"].num_rows + this_year.num_rows == quals.num_rows
    with pytest.raises(ValueError, match="after the data year"):
        generate_tables(n=1, seed=5, year=YEAR, today=date(YEAR, 12, 31))


def test_nothing_happens_before_registration(db: duckdb.DuckDBPyConnection) -> None:
    joins = {
        "annual": "year < year(registered_on)",
        "ip": "granted_on < registered_on",
        "qualifications": "issued_on < registered_on",
        "financing": "date < registered_on",
        "conversions": "year < year(registered_on)",
        "premises": "year < year(registered_on)",
        "credit_events": "year < year(registered_on)",
    }
    for table, condition in joins.items():
        sql = f"SELECT count(*) FROM {table} JOIN enterprise USING (uscc) WHERE {condition}"
        assert one(db, sql) == 0, table


def test_annual_years_are_unique_recent_and_capped_at_five(db: duckdb.DuckDBPyConnection) -> None:
    assert (
        one(db, "SELECT count(*) FROM (SELECT uscc, year FROM annual GROUP BY ALL HAVING count(*) > 1)") == 0
    )
    assert one(db, "SELECT min(year) FROM annual") == YEAR - 4
    assert one(db, "SELECT max(c) FROM (SELECT count(*) c FROM annual GROUP BY uscc)") == 5
    # every enterprise has figures for the data year
    assert one(db, "SELECT count(DISTINCT uscc) FROM annual WHERE year = " + str(YEAR)) == N


def test_ip_validity_matches_expiry(db: duckdb.DuckDBPyConnection) -> None:
    expired = f"expires_on <= DATE '{YEAR}-12-31'"
    assert one(db, f"SELECT count(*) FROM ip WHERE valid AND {expired}") == 0
    assert one(db, f"SELECT count(*) FROM ip WHERE NOT valid AND {expired}") > 0  # lapsed or expired
    assert one(db, f"SELECT count(*) FROM ip WHERE NOT valid AND NOT {expired}") > 0  # invalidated
    assert (
        one(
            db,
            "SELECT count(*) FROM ip WHERE number LIKE 'ZL%' AND number NOT SIMILAR TO 'ZL\\d{12}\\.[0-9X]'",
        )
        == 0
    )


def test_unknowns_are_null_not_zero(db: duckdb.DuckDBPyConnection) -> None:
    firms_with_gap = one(
        db,
        """SELECT count(DISTINCT uscc) FROM (
             SELECT uscc FROM annual WHERE operating_revenue IS NULL OR tech_staff IS NULL
               OR total_assets IS NULL OR rd_expense IS NULL OR hightech_revenue IS NULL
             UNION
             SELECT uscc FROM annual GROUP BY uscc HAVING max(year) - min(year) + 1 > count(*))""",
    )
    assert 0.02 * N <= firms_with_gap <= 0.08 * N
    for column in ("operating_revenue", "tech_staff", "total_assets", "rd_expense", "hightech_revenue"):
        assert one(db, f"SELECT count(*) FROM annual WHERE {column} IS NULL") > 0, column
    missing_year = "SELECT count(*) FROM (SELECT uscc FROM annual GROUP BY uscc HAVING max(year) - min(year) + 1 > count(*))"
    assert one(db, missing_year) > 0
    # null sales revenue means "equals operating revenue" and is common; operating revenue is not
    assert one(db, "SELECT avg((sales_revenue IS NULL)::INT) FROM annual") > 0.2
    assert one(db, "SELECT count(*) FROM annual WHERE operating_revenue = 0") == 0


def test_credit_flags_have_plausible_rates(db: duckdb.DuckDBPyConnection) -> None:
    assert 0.01 <= one(db, "SELECT avg(abnormal_operation::INT) FROM enterprise") <= 0.035
    assert 0.001 <= one(db, "SELECT avg(serious_dishonesty::INT) FROM enterprise") <= 0.012
    kinds = dict(db.execute("SELECT kind, count(*) FROM credit_events GROUP BY kind").fetchall())
    assert kinds.get("research_misconduct", 0) > 0 and kinds.get("major_accident", 0) > 0
    assert one(db, "SELECT count(*) FROM credit_events") < 0.02 * N
    assert one(db, "SELECT avg((NOT independent_legal_person)::INT) FROM enterprise") < 0.01


# -------------------------------------------------------------------------------- distributions

_CLASS_I = ", ".join(f"'{k}'" for k in IP_CLASS_I)
_CLASS_II = ", ".join(f"'{k}'" for k in IP_CLASS_II)

#: per enterprise: the simplified criteria for application year YEAR + 1
_FIRMS_SQL = f"""
WITH a AS (SELECT *, coalesce(sales_revenue, operating_revenue) AS sales FROM annual),
last AS (SELECT uscc, operating_revenue AS rev, sales, employees AS emp, tech_staff AS tech,
                total_assets AS assets, rd_expense AS rd, hightech_revenue AS ht, total_cost_expense AS cost
         FROM a WHERE year = {YEAR}),
w3 AS (SELECT uscc, sum(rd_expense) / nullif(sum(sales), 0) AS rd3,
              sum(rd_expense_domestic) / nullif(sum(rd_expense), 0) AS dom
       FROM a WHERE year > {YEAR} - 3 GROUP BY uscc),
w4 AS (SELECT uscc, sum(rd_expense) / nullif(sum(operating_revenue), 0) AS rd4 FROM a
       WHERE year > {YEAR} - 4 GROUP BY uscc),
first AS (SELECT uscc, operating_revenue AS rev0 FROM a WHERE year = {YEAR} - 3),
ipv AS (SELECT uscc, count(*) FILTER (WHERE valid AND kind IN ({_CLASS_I})) AS c1,
               count(*) FILTER (WHERE valid AND kind IN ({_CLASS_II})) AS c2, bool_or(valid AND core) AS core
        FROM ip GROUP BY uscc),
bad AS (SELECT DISTINCT uscc FROM credit_events WHERE year >= {YEAR}),
q AS (SELECT uscc,
             bool_or(kind IN ('hnte', 'tianjin_hnte') AND expires_on > DATE '{YEAR}-12-31') AS hnte_cert,
             bool_or(kind = 'software_enterprise' AND expires_on > DATE '{YEAR}-12-31')
               AND bool_or(kind = 'software_product' AND expires_on > DATE '{YEAR}-12-31') AS software,
             bool_or(kind = 'rd_institution' AND level IN ('national', 'provincial')) AS rd_inst
      FROM qualifications GROUP BY uscc),
other AS (SELECT DISTINCT uscc FROM (
            SELECT uscc FROM standards UNION ALL SELECT uscc FROM projects
            UNION ALL SELECT uscc FROM awards WHERE kind = 'st_award'
            UNION ALL SELECT uscc FROM financing WHERE kind = 'venture' AND amount >= 100)),
m AS (
  SELECT e.uscc, e.registered_on >= DATE '{YEAR - 8}-12-31' AS young,
         e.abnormal_operation OR e.serious_dishonesty OR bad.uscc IS NOT NULL AS integrity_bad,
         e.hightech_field IS NOT NULL AS field,
         last.*, rd3, dom, rd4, rev0, coalesce(c1, 0) AS c1, coalesce(c2, 0) AS c2,
         coalesce(core, false) AS core, coalesce(hnte_cert, false) AS hnte_cert,
         coalesce(software, false) AS software, coalesce(rd_inst, false) AS rd_inst,
         other.uscc IS NOT NULL AS other,
         CASE WHEN sales <= 5000 THEN 0.05 WHEN sales <= 20000 THEN 0.04 ELSE 0.03 END AS band,
         tech / emp AS tech_ratio, power(rev / nullif(rev0, 0), 1 / 3) - 1 AS cagr
  FROM enterprise e
  LEFT JOIN last USING (uscc) LEFT JOIN w3 USING (uscc) LEFT JOIN w4 USING (uscc)
  LEFT JOIN first USING (uscc) LEFT JOIN ipv USING (uscc) LEFT JOIN bad USING (uscc)
  LEFT JOIN q USING (uscc) LEFT JOIN other USING (uscc)),
s AS (
  SELECT *,
    CASE WHEN tech_ratio >= 0.3 THEN 20 WHEN tech_ratio >= 0.25 THEN 16 WHEN tech_ratio >= 0.2 THEN 12
         WHEN tech_ratio >= 0.15 THEN 8 WHEN tech_ratio >= 0.1 THEN 4 ELSE 0 END AS p_tech,
    greatest(
      CASE WHEN rd / sales >= 0.06 THEN 50 WHEN rd / sales >= 0.05 THEN 40 WHEN rd / sales >= 0.04 THEN 30
           WHEN rd / sales >= 0.03 THEN 20 WHEN rd / sales >= 0.02 THEN 10 ELSE 0 END,
      CASE WHEN rd / cost >= 0.3 THEN 50 WHEN rd / cost >= 0.25 THEN 40 WHEN rd / cost >= 0.2 THEN 30
           WHEN rd / cost >= 0.15 THEN 20 WHEN rd / cost >= 0.1 THEN 10 ELSE 0 END) AS p_rd,
    CASE WHEN c1 >= 1 THEN 30 WHEN c2 >= 4 THEN 24 WHEN c2 = 3 THEN 18 WHEN c2 = 2 THEN 12
         WHEN c2 = 1 THEN 6 ELSE 0 END AS p_ip,
    emp <= 500 AND sales <= 20000 AND assets <= 20000 AS small,
    coalesce(core, false) AND field AS hnte_ip,
    tech_ratio >= 0.1 AS hnte_tech, rd3 >= band AS hnte_rd, dom >= 0.6 AS hnte_dom, ht / rev >= 0.6 AS hnte_ht
  FROM m)
SELECT *, coalesce(hnte_ip AND hnte_tech AND hnte_rd AND hnte_dom AND hnte_ht, false) AS hnte,
       coalesce(small AND NOT integrity_bad AND ((p_tech + p_rd + p_ip >= 60 AND p_tech > 0) OR hnte_cert), false)
         AS tech_sme,
       coalesce(young AND rev >= 10 AND NOT integrity_bad
                AND (c1 >= 1 OR c2 >= 2 OR hnte_cert OR software OR rd_inst OR other), false) AS chuying,
       coalesce(rd4 > 0.025 AND cagr >= 0.2 AND rev0 > 1000 AND NOT integrity_bad, false) AS dengling
FROM s
"""


@pytest.fixture(scope="module")
def firms(db: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    db.execute(f"CREATE TEMP TABLE firms AS {_FIRMS_SQL}")
    return db


def share(con: duckdb.DuckDBPyConnection, condition: str) -> float:
    return float(one(con, f"SELECT avg(({condition})::INT) FROM firms"))


def count(con: duckdb.DuckDBPyConnection, condition: str) -> int:
    return int(one(con, f"SELECT count(*) FROM firms WHERE {condition}"))


def test_every_tier_has_members_in_the_intended_proportions(firms: duckdb.DuckDBPyConnection) -> None:
    assert 0.10 <= share(firms, "tech_sme") <= 0.20
    assert 0.05 <= share(firms, "hnte") <= 0.10
    assert 0.02 <= share(firms, "chuying") <= 0.09
    assert 0.004 <= share(firms, "dengling") <= 0.015
    # pools and leaders exist as qualifications (their 2021 conditions were not found)
    kinds = {r[0] for r in firms.execute("SELECT DISTINCT kind FROM qualifications").fetchall()}
    assert {"chuying", "dengling", "lingjun_peiyu", "lingjun", "hnte", "tech_sme"} <= kinds


def test_rd_intensity_and_growth_spread(firms: duckdb.DuckDBPyConnection) -> None:
    assert 0.10 <= share(firms, "coalesce(rd3 >= 0.03, false)") <= 0.35
    assert 0.4 <= share(firms, "coalesce(rd3 = 0, false)") <= 0.7  # most traditional firms: no R&D
    assert count(firms, "cagr >= 0.2 AND rev0 > 1000") >= 0.005 * N
    assert count(firms, "cagr < 0") > 0.1 * N
    assert count(firms, "rev > 20000") > 0 and count(firms, "rev < 10") > 0


def test_near_misses_of_each_key_threshold(firms: duckdb.DuckDBPyConnection) -> None:
    hnte_others = "hnte_ip AND hnte_tech AND hnte_rd AND hnte_dom AND hnte_ht"
    for part, near in (
        ("hnte_rd", "rd3 >= 0.85 * band"),
        ("hnte_tech", "tech_ratio >= 0.07"),
        ("hnte_ht", "ht / rev >= 0.48"),
        ("hnte_dom", "dom >= 0.45"),
        ("hnte_ip", "c1 + c2 > 0"),
    ):
        only_this = hnte_others.replace(part, f"NOT {part}")
        assert count(firms, f"{only_this} AND {near}") >= 5, part
    dengling = "rd4 > 0.025 AND cagr >= 0.2 AND rev0 > 1000"
    assert count(firms, dengling.replace("cagr >= 0.2", "cagr >= 0.15 AND cagr < 0.2")) >= 3
    assert count(firms, dengling.replace("rev0 > 1000", "rev0 > 750 AND rev0 <= 1000")) >= 3
    assert count(firms, dengling.replace("rd4 > 0.025", "rd4 > 0.018 AND rd4 <= 0.025")) >= 3
    assert count(firms, "young AND rev >= 5 AND rev < 10 AND (c1 >= 1 OR c2 >= 2 OR other)") >= 3
    assert count(firms, "p_tech + p_rd + p_ip BETWEEN 50 AND 59 AND p_tech > 0 AND small") >= 20
    assert count(firms, "p_tech + p_rd + p_ip >= 60 AND NOT small AND emp <= 560 AND sales <= 26000") >= 5
    assert count(firms, "young AND c2 = 1 AND c1 = 0") > 0  # one class II IP: 雏鹰 4.1 needs two
    boundary = one(firms, f"SELECT count(*) FROM enterprise WHERE registered_on = DATE '{YEAR - 8}-12-31'")
    assert boundary > 0
    assert (
        one(firms, "SELECT count(*) FROM financing WHERE kind = 'venture' AND amount >= 60 AND amount < 100")
        > 0
    )


# ------------------------------------------------------------------------------------ dossiers


def _walk(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return [v for item in value.values() for v in _walk(item)]
    if isinstance(value, list):
        return [v for item in value for v in _walk(item)]
    return [value]


def test_dossiers_are_the_tables_as_dossiers() -> None:
    dossiers = list(generate_dossiers(n=400, seed=5, year=YEAR))
    tables = generate_tables(n=400, seed=5, year=YEAR)
    reference = list(arrow_to_dossiers(tables))
    assert dossiers == reference
    assert [list(d) for d in dossiers] == [list(d) for d in reference]  # key order too
    assert list(tables_to_dossiers(tables)) == reference
    assert not any(isinstance(v, float) for d in dossiers for v in _walk(d))
    assert any(isinstance(v, Decimal) for v in _walk(dossiers[0]))


def test_dossiers_pass_validation_unchanged() -> None:
    towns = [t.name for t in divisions.towns()]
    checked = 0
    for dossier in generate_dossiers(n=1500, seed=11, year=YEAR):
        normalised, problems = parse_dossier(dossier, today=date(YEAR + 1, 1, 1), towns=towns)
        assert problems == [], (dossier["uscc"], problems[:3])
        assert normalised == dossier
        checked += 1
    assert checked == 1500


def test_dossier_sections_use_every_list_section() -> None:
    keys = {k for d in generate_dossiers(n=3000, seed=2, year=YEAR) for k in d}
    assert {s.key for s in LIST_SECTIONS} <= keys
    assert "credit" in keys


@pytest.mark.slow
def test_print_timing_of_100k() -> None:
    """Not a timed assertion: prints how long 100 000 enterprises take (see the benchmarks)."""
    start = time.perf_counter()
    tables = generate_tables(n=100_000, seed=1, year=YEAR)
    elapsed = time.perf_counter() - start
    assert tables["enterprise"].num_rows == 100_000
    start = time.perf_counter()
    size = sum(
        len(json.dumps(d, ensure_ascii=False, default=str))
        for d in generate_dossiers(n=10_000, seed=1, year=YEAR)
    )
    dossier_seconds = time.perf_counter() - start
    print(
        f"\ngenerate_tables(n=100000): {elapsed:.2f} s; 10000 dossiers as JSON: {dossier_seconds:.2f} s, {size} chars"
    )
