"""Hand-written DuckDB SQL for 雏鹰 2021 (tianjin.chuying.2021): the benchmark's baseline.

It produces the same columns as the rules engine for that policy (one boolean per criterion, the
overall result, and the measured values of ``age`` and ``revenue``), written the way a developer
would write it by hand, with the thresholds inlined.
"""

from __future__ import annotations

from datetime import date

from lingjun.dossier.schema import IP_CLASS_I, IP_CLASS_II


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def chuying_2021_sql(year: int, as_of: date, prefix: str = "") -> str:
    y1 = year - 1
    d = f"DATE '{as_of.isoformat()}'"
    valid_ip = f"coalesce(valid, true) AND (granted_on IS NULL OR granted_on <= {d}) AND (expires_on IS NULL OR expires_on >= {d})"
    valid_q = f"(issued_on IS NULL OR issued_on <= {d}) AND (expires_on IS NULL OR expires_on >= {d})"
    t = prefix
    return f"""
WITH a AS (
  SELECT uscc, max(operating_revenue) AS revenue FROM {t}annual WHERE year = {y1} GROUP BY uscc
), ip AS (
  SELECT uscc,
    count(*) FILTER (WHERE kind IN {_in(IP_CLASS_I)} AND {valid_ip}) AS n1,
    count(*) FILTER (WHERE kind IN {_in(IP_CLASS_II)} AND {valid_ip}) AS n2,
    count(*) FILTER (WHERE {valid_ip}) AS n
  FROM {t}ip GROUP BY uscc
), q AS (
  SELECT uscc,
    count(*) FILTER (WHERE kind = 'software_enterprise' AND {valid_q}) AS sw_e,
    count(*) FILTER (WHERE kind = 'software_product' AND {valid_q}) AS sw_p,
    count(*) FILTER (WHERE kind IN ('hnte', 'tianjin_hnte') AND {valid_q}) AS hnte,
    count(*) FILTER (WHERE kind = 'rd_institution' AND level IN ('national', 'provincial') AND {valid_q}) AS rdi
  FROM {t}qualifications GROUP BY uscc
), aw AS (
  SELECT uscc,
    count(*) FILTER (WHERE kind = 'competition' AND level = 'national'
                     AND prize IN ('special', 'first', 'second', 'third', 'excellence') AND year <= {year}) AS c_nat,
    count(*) FILTER (WHERE kind = 'competition' AND level = 'provincial'
                     AND prize IN ('special', 'first', 'second', 'third') AND year <= {year}) AS c_prov,
    count(*) FILTER (WHERE kind = 'st_award' AND level IN ('national', 'provincial') AND year <= {year}) AS st
  FROM {t}awards GROUP BY uscc
), st AS (
  SELECT uscc, count(*) FILTER (WHERE year <= {year}) AS n FROM {t}standards GROUP BY uscc
), pr AS (
  SELECT uscc, count(*) FILTER (WHERE level IN ('national', 'provincial') AND year <= {year}) AS n
  FROM {t}projects GROUP BY uscc
), fi AS (
  SELECT uscc, count(*) FILTER (WHERE kind = 'venture' AND amount >= 100) AS n FROM {t}financing GROUP BY uscc
), ce AS (
  SELECT uscc, count(*) FILTER (WHERE kind = 'research_misconduct' AND year BETWEEN {year - 1} AND {year}) AS n
  FROM {t}credit_events GROUP BY uscc
), c AS (
  SELECT e.uscc,
    e.province = '天津市' AS registered_tianjin,
    e.independent_legal_person = true AS independent,
    e.registered_on < DATE '{year}-01-01' AS not_new,
    date_diff('year', e.registered_on, DATE '{y1}-12-31')
      - CASE WHEN strftime(e.registered_on, '%m%d') > '1231' THEN 1 ELSE 0 END AS age,
    coalesce(ce.n, 0) = 0 AND e.abnormal_operation = false AND e.serious_dishonesty = false AS integrity,
    a.revenue AS revenue,
    coalesce(ip.n1, 0) >= 1 OR coalesce(ip.n2, 0) >= 2 AS ip,
    coalesce(q.sw_e, 0) >= 1 AND coalesce(q.sw_p, 0) >= 1 AS software,
    (coalesce(aw.c_nat, 0) >= 1 OR coalesce(aw.c_prov, 0) >= 1) AND coalesce(ip.n, 0) >= 1 AS contest,
    coalesce(q.hnte, 0) >= 1 AS hnte,
    coalesce(aw.st, 0) >= 1 AS award,
    coalesce(q.rdi, 0) >= 1 AS rd_institution,
    coalesce(st.n, 0) >= 1 AS standard,
    coalesce(fi.n, 0) >= 1 AS venture,
    coalesce(pr.n, 0) >= 1 AS project
  FROM {t}enterprise e
  LEFT JOIN a USING (uscc) LEFT JOIN ip USING (uscc) LEFT JOIN q USING (uscc) LEFT JOIN aw USING (uscc)
  LEFT JOIN st USING (uscc) LEFT JOIN pr USING (uscc) LEFT JOIN fi USING (uscc) LEFT JOIN ce USING (uscc)
)
SELECT uscc, registered_tianjin, independent, not_new, age < 8 AS age_ok, age, integrity,
  revenue >= 10 AS revenue_ok, revenue, ip, software, contest, hnte, award, rd_institution, standard, venture, project,
  (ip OR software OR contest OR hnte OR award OR rd_institution OR standard OR venture OR project) AS innovation,
  registered_tianjin AND independent AND not_new AND age < 8 AND integrity AND revenue >= 10
    AND (ip OR software OR contest OR hnte OR award OR rd_institution OR standard OR venture OR project) AS result
FROM c
"""


#: hand-written column → (criterion id, or "" for the overall result)
COLUMNS = {
    "registered_tianjin": "registered_tianjin",
    "independent": "independent",
    "not_new": "not_new",
    "age_ok": "age",
    "integrity": "integrity",
    "revenue_ok": "revenue",
    "ip": "ip",
    "software": "software",
    "contest": "contest",
    "hnte": "hnte",
    "award": "award",
    "rd_institution": "rd_institution",
    "standard": "standard",
    "venture": "venture",
    "project": "project",
    "innovation": "innovation",
    "result": "",
}
