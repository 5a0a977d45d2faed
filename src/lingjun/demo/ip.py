"""Intellectual property and qualifications of the synthetic district (:mod:`lingjun.demo`).

Rows are drawn per enterprise with counter-based randomness (:mod:`lingjun.demo.rng`) and
come out grouped by enterprise, in enterprise order. Numbers and titles are synthetic (patent
numbers carry a mod-11 check character in the style of CNIPA application numbers).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lingjun.demo.model import MISS_IP, Firms, H, L, subjects
from lingjun.demo.rng import (
    I64,
    U64,
    Bools,
    Rng,
    Rows,
    between,
    bool_array,
    date_array,
    expand,
    jan1,
    join,
    pick,
    row_keys,
    text_of,
    year_of,
    ymd,
)
from lingjun.demo.words import PATENT_SUFFIXES
from lingjun.dossier.schema import IP_KINDS, QUALIFICATION_KINDS
from lingjun.dossier.tables import ARROW_SCHEMAS

# ------------------------------------------------------------------------------------------ IP

_IP_CODES = tuple(c.value for c in IP_KINDS)
# class I kinds by high-tech field (rows: FIELDS order, then no field); columns: the 7 class I kinds
_CLASS1 = (
    (0.88, 0.01, 0, 0, 0, 0, 0.11),
    (0.86, 0, 0.03, 0.02, 0.06, 0.03, 0),
    (0.9, 0.1, 0, 0, 0, 0, 0),
    (0.99, 0.01, 0, 0, 0, 0, 0),
    (0.99, 0, 0, 0, 0, 0, 0.01),
    (0.99, 0.01, 0, 0, 0, 0, 0),
    (0.98, 0, 0.02, 0, 0, 0, 0),
    (0.98, 0.02, 0, 0, 0, 0, 0),
    (1.0, 0, 0, 0, 0, 0, 0),
)
_CLASS2 = ((0.7, 0.2, 0.1), (0.15, 0.05, 0.8))  # utility, design, software; rows: not software / software
#: protection term after grant, years (0: no expiry recorded)
_TERM = (17, 17, 15, 0, 0, 10, 10, 9, 14, 0)
_PREFIX = ("ZL", "GF", "CNA", "国审", "国药准字H", "ZYB", "BS.", "ZL", "ZL", "")
_INFIX = ("1", "1", "", "", "", "", "", "2", "3", "SR")
_PATENT = np.array([1, 1, 0, 0, 0, 0, 0, 1, 1, 0], dtype=bool)


def _patent_check(year: I64, kind_digit: I64, serial: I64) -> pa.Array:
    """Check character of a 12-digit CN application number (weights 2–9, 2–5; mod 11, 10 → X)."""
    digits = (
        [year // 10**p % 10 for p in (3, 2, 1, 0)]
        + [kind_digit]
        + [serial // 10**p % 10 for p in range(6, -1, -1)]
    )
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
    total = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
    return pick(tuple("0123456789X"), total)


def ip_table(rng: Rng, f: Firms) -> pa.Table:
    keys, year = f.keys, f.year
    no_ip = f.mode == MISS_IP
    grown = np.clip((year - f.reg_year + 1) / 8.0, 0.1, 1.0)  # young firms hold fewer patents
    class1 = rng.count("ip1", keys, grown * np.where(no_ip, 0.0, f.by_arch((0.02, 0.5, 2.0, 3.0, 25.0))))
    class2 = rng.count("ip2", keys, grown * np.where(no_ip, 2.0, f.by_arch((0.15, 2.5, 5.0, 6.0, 40.0))))
    class2 = np.where((f.arch == H) & ~no_ip & (class1 + class2 == 0), 1, class2)
    firm, j = expand(class1 + class2)
    rk = row_keys(keys, firm, j)
    is1 = j < class1[firm]
    kind = np.where(
        is1,
        rng.choice_by("ip_kind1", rk, f.field[firm], _CLASS1),
        7 + rng.choice_by("ip_kind2", rk, f.software[firm].astype(np.int64), _CLASS2),
    )
    end = ymd(year, 12, 31)
    granted = between(
        rng, "granted", rk, np.maximum(f.reg_days[firm], jan1(year - 14)), np.full(len(rk), end), skew=0.7
    )
    term = np.asarray(_TERM)[kind]
    expires = granted + np.round(term * 365.25).astype(np.int64) - 1
    lapsed = rng.chance("lapsed", rk, np.where(is1, 0.04, 0.10))
    expires = np.where(lapsed, between(rng, "lapsed_on", rk, granted, np.full(len(rk), end)), expires)
    has_expiry = (term > 0) | lapsed
    invalidated = rng.chance("invalidated", rk, 0.01)
    valid = (~has_expiry | (expires > end)) & ~invalidated
    core = rng.chance("core", rk, f.by_arch((0.3, 0.5, 0.55, 0.6, 0.6))[firm])
    core = np.where((f.arch[firm] == H) & (j == 0), True, core) & ~no_ip[firm]
    acquired = rng.choice("acquired", rk, (0.9, 0.08, 0.005, 0.015))

    grant_year = year_of(granted)
    patent = _PATENT[kind]
    number_year = np.where(patent, grant_year - rng.integers("filed", rk, 0, 3), grant_year)
    serial = rng.integers("serial", rk, 0, 9_999_999)
    kind_digit = np.where(kind == 7, 2, np.where(kind == 8, 3, 1))
    check = _patent_check(number_year, kind_digit, serial)
    number = join(
        pick(_PREFIX, kind),
        text_of(number_year),
        pick(_INFIX, kind),
        text_of(serial, width=7),
        pc.if_else(pa.array(patent), join(".", check), ""),
    )
    subject = subjects(rng, "ip_subject", rk, f.field[firm])
    software = kind == 9
    title = pc.if_else(
        pa.array(software),
        join(subject, "软件V", text_of(rng.integers("version", rk, 1, 5)), ".0"),
        pc.if_else(
            pa.array(patent),
            join("一种", subject, pick(PATENT_SUFFIXES, rng.choice("suffix", rk, (3, 2, 2, 2, 1)))),
            subject,
        ),
    )
    return pa.table(
        {
            "uscc": f.uscc_of(firm),
            "kind": pick(_IP_CODES, kind),
            "number": number,
            "title": title,
            "granted_on": date_array(granted),
            "expires_on": date_array(expires, valid=has_expiry),
            "valid": bool_array(valid),
            "core": bool_array(core),
            "acquired_by": pick(("own", "transfer", "gift", "merger"), acquired),
        },
        schema=ARROW_SCHEMAS["ip"],
    )


# ------------------------------------------------------------------------------ qualifications

_Q = {c.value: i for i, c in enumerate(QUALIFICATION_KINDS)}
_Q_CODES = tuple(c.value for c in QUALIFICATION_KINDS)
_LEVELS = ("national", "provincial", "municipal")
_NATIONAL, _PROVINCIAL, _MUNICIPAL, _NO_LEVEL = 0, 1, 2, 3
_Q_PREFIX = {
    "hnte": "GR",
    "tianjin_hnte": "TJGX",
    "tech_sme": "",
    "software_enterprise": "津RQ-",
    "software_product": "津RC-",
    "rd_institution": "YFJG",
    "chuying": "TJCY",
    "dengling": "TJDL",
    "lingjun_peiyu": "TJPY",
    "lingjun": "TJLJ",
}
_Q_INFIX = {"hnte": "1200", "tech_sme": "120114A", "software_enterprise": "-", "software_product": "-"}


def _issue(rng: Rng, name: str, keys: U64, year: I64, months: tuple[int, int]) -> tuple[I64, I64, I64]:
    month = rng.integers(name + "/m", keys, *months)
    day = rng.integers(name + "/d", keys, 1, 28)
    return ymd(year, month, day), month, day


def qualifications_table(rng: Rng, f: Firms, today: date | None = None) -> pa.Table:
    """The qualifications; with ``today`` (a day of ``year + 1``) also this year's tech SME
    registrations issued by then: a registration number is valid for its year only, so a district
    shown late in a year holds most of them (the demo), and none before March."""
    keys, year, arch = f.keys, f.year, f.arch
    rows = Rows()

    def add(block: int, kind: str, mask: Bools, issued: I64, expires: I64 | None, level: int | I64) -> None:
        idx = np.flatnonzero(mask)
        rows.add(
            idx,
            block,
            kind=_Q[kind],
            level=np.broadcast_to(np.asarray(level), mask.shape)[idx],
            issued=issued[idx],
            expires=0 if expires is None else expires[idx],
            has_expiry=expires is not None,
        )

    # national HNTE: the latest certificate (valid or lapsed) and perhaps the one before it
    has = rng.chance("hnte", keys, f.by_arch((0.003, 0.10, 0.85, 0.7, 0.95)))
    back = np.where(
        rng.chance("hnte_valid", keys, 0.8),
        rng.integers("hnte_o", keys, 0, 2),
        rng.integers("hnte_o_old", keys, 3, 5),
    )
    latest = year - back
    issued, month, day = _issue(rng, "hnte_issue", keys, latest, (10, 12))
    add(1, "hnte", has & (latest >= f.reg_year + 1), issued, ymd(latest + 3, month, day) - 1, _NATIONAL)
    before = latest - 3
    issued0, month0, day0 = _issue(rng, "hnte_issue0", keys, before, (10, 12))
    add(
        0,
        "hnte",
        has & rng.chance("hnte_twice", keys, 0.5) & (before >= f.reg_year + 1),
        issued0,
        ymd(before + 3, month0, day0) - 1,
        _NATIONAL,
    )

    # Tianjin HNTE
    t_year = year - rng.integers("tj_o", keys, 0, 2)
    issued, month, day = _issue(rng, "tj_issue", keys, t_year, (6, 9))
    add(
        2,
        "tianjin_hnte",
        rng.chance("tj", keys, f.by_arch((0.002, 0.15, 0.3, 0.3, 0.1))) & (t_year >= f.reg_year),
        np.maximum(issued, f.reg_days),
        ymd(t_year + 3, month, day) - 1,
        _PROVINCIAL,
    )

    # tech SME registrations, one per year, valid to the year's end
    p_sme = f.by_arch((0.01, 0.65, 0.55, 0.5, 0.0))
    for k, t in enumerate((year - 2, year - 1, year)):
        issued, _, _ = _issue(rng, f"sme{k}", keys, np.full(f.n, t), (3, 8))
        registered = rng.chance(f"sme{k}", keys, p_sme) & (f.reg_year <= t)
        add(
            3 + k,
            "tech_sme",
            registered,
            np.maximum(issued, f.reg_days),
            np.full(f.n, ymd(t, 12, 31)),
            _NATIONAL,
        )
    if today is not None and today.year == year + 1:  # this year's, as far as issued by today
        issued, _, _ = _issue(rng, "sme_now", keys, np.full(f.n, year + 1), (3, 8))
        renewed = (
            registered
            & rng.chance("sme_now", keys, 0.85)
            & (issued <= ymd(today.year, today.month, today.day))
        )
        rows.add(
            np.flatnonzero(renewed),
            5,
            1,  # after last year's registration
            kind=_Q["tech_sme"],
            level=_NATIONAL,
            issued=issued[renewed],
            expires=ymd(year + 1, 12, 31),
            has_expiry=True,
        )

    # software enterprise (valid 1 year) and software product (5 years) certificates
    u = rng.uniform("software", keys)
    p_both = f.by_arch((0.02, 0.35, 0.5, 0.5, 0.6))
    enterprise = f.software & ((u < p_both) | ((u >= p_both + 0.1) & (u < p_both + 0.15)))
    product = f.software & (u < p_both + 0.1)
    for block, kind, mask, lag, valid_years in (
        (6, "software_enterprise", enterprise, 1, 1),
        (7, "software_product", product, 4, 5),
    ):
        cert_year = year - rng.integers(kind + "_o", keys, 0, lag)
        issued, month, day = _issue(rng, kind, keys, cert_year, (1, 12))
        add(
            block,
            kind,
            mask & (cert_year >= f.reg_year),
            np.maximum(issued, f.reg_days),
            ymd(cert_year + valid_years, month, day) - 1,
            _NO_LEVEL,
        )

    # R&D institutions (no expiry)
    level = rng.choice_by(
        "rd_level", keys, (arch == L).astype(np.int64), ((0.04, 0.42, 0.54), (0.15, 0.5, 0.35))
    )
    rd_year = rng.integers("rd_year", keys, np.minimum(f.reg_year + 1, year), year)
    issued, _, _ = _issue(rng, "rd_issue", keys, rd_year, (1, 12))
    add(
        8,
        "rd_institution",
        rng.chance("rd_inst", keys, f.by_arch((0.003, 0.04, 0.25, 0.3, 0.8))),
        np.maximum(issued, f.reg_days),
        None,
        level,
    )

    # existing pool memberships (validity rules not found: no expiry recorded)
    pools = (
        ("chuying", (0.002, 0.12, 0.25, 0.3, 0.0), 1, f.reg_year >= year - 9),
        ("dengling", (0.0, 0.005, 0.02, 0.25, 0.1), 4, np.ones(f.n, dtype=bool)),
        ("lingjun_peiyu", (0.0, 0.0, 0.005, 0.08, 0.35), 3, np.ones(f.n, dtype=bool)),
        ("lingjun", (0.0, 0.0, 0.0, 0.01, 0.25), 3, np.ones(f.n, dtype=bool)),
    )
    for block, (kind, chances, min_age, eligible) in enumerate(pools, start=9):
        low = np.maximum(2019, f.reg_year + min_age)
        batch = rng.integers(kind + "_year", keys, low, year)
        issued, _, _ = _issue(rng, kind + "_issue", keys, batch, (6, 12))
        add(
            block,
            kind,
            rng.chance(kind, keys, f.by_arch(chances)) & eligible & (low <= year),
            issued,
            None,
            _PROVINCIAL,
        )

    cols = rows.build()
    firm, kind_idx = cols["firm"], cols["kind"]
    issued = cols["issued"]
    rk = (keys[firm] << np.uint64(20)) | cols["sort"].astype(np.uint64)
    number = join(
        pick([_Q_PREFIX[c] for c in _Q_CODES], kind_idx),
        text_of(year_of(issued)),
        pick([_Q_INFIX.get(c, "") for c in _Q_CODES], kind_idx),
        text_of(rng.integers("q_serial", rk, 1, 9999), width=4),
    )
    return pa.table(
        {
            "uscc": f.uscc_of(firm),
            "kind": pick(_Q_CODES, kind_idx),
            "level": pick((*_LEVELS, None), cols["level"]),
            "number": number,
            "issued_on": date_array(issued),
            "expires_on": date_array(cols["expires"], valid=cols["has_expiry"].astype(bool)),
        },
        schema=ARROW_SCHEMAS["qualifications"],
    )
