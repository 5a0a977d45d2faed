"""The enterprises of the synthetic district (:mod:`lingjun.demo`): identities (USCC,
name), registration, industry, location, listing and credit; the annual figures come from
:mod:`lingjun.demo.annual`."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from lingjun.demo.annual import annual_table
from lingjun.demo.model import (
    ABNORMAL,
    AGE_SCALE,
    AGE_SHAPE2,
    ARCHETYPE_WEIGHTS,
    DISHONEST,
    FIRST_YEAR,
    GAP_WEIGHTS,
    LOW_REV,
    MIN_AGE,
    MODE_WEIGHTS,
    Firms,
    S,
    T,
)
from lingjun.demo.rng import (
    I64,
    U64,
    Rng,
    bool_array,
    const,
    date_array,
    int_array,
    jan1,
    join,
    pick,
    ymd,
)
from lingjun.demo.words import (
    FIELDS,
    INDUSTRIES,
    LISTING_CODES,
    LISTING_WEIGHTS,
    NAME_WORDS,
    NO_FIELD,
    PARK_SHARE,
    PARK_WEIGHTS,
    TOWN_WEIGHTS,
    TRADE_NAME_CHARS,
)
from lingjun.dossier import divisions
from lingjun.dossier.tables import ARROW_SCHEMAS
from lingjun.dossier.uscc import CHARSET, WEIGHTS, WUQING_AREA_CODE


def _permutation(rng: Rng, name: str, size: int) -> tuple[int, int]:
    """An affine bijection ``p ↦ (a·p + b) mod size`` drawn from the seed."""
    a = rng.scalar(name + "/a") % size
    while math.gcd(a, size) != 1:
        a = (a + 1) % size
    return a, rng.scalar(name + "/b") % size


def _uscc(rng: Rng, keys: U64) -> pa.Array:
    """Unique USCCs ``91120114MA0`` + 6 characters + check character, a bijection of the index."""
    n = len(keys)
    size = 31**6
    a, b = _permutation(rng, "uscc", size)
    q = (np.int64(a) * keys.astype(np.int64) + np.int64(b)) % size
    prefix = "91" + WUQING_AREA_CODE + "MA0"
    value = {c: i for i, c in enumerate(CHARSET)}
    total = np.full(n, sum(value[c] * w for c, w in zip(prefix, WEIGHTS, strict=False)), dtype=np.int64)
    charset = np.frombuffer(CHARSET.encode(), dtype=np.uint8)
    out = np.empty((n, 18), dtype=np.uint8)
    out[:, :11] = np.frombuffer(prefix.encode(), dtype=np.uint8)
    for pos in range(6):
        digit = q // 31 ** (5 - pos) % 31
        out[:, 11 + pos] = charset[digit]
        total += digit * WEIGHTS[11 + pos]
    out[:, 17] = charset[(31 - total % 31) % 31]
    offsets = np.arange(0, 18 * (n + 1), 18, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(out)])


def _trade_names(rng: Rng, keys: U64) -> list[pa.Array]:
    """字号 characters (four columns, "" beyond the length): unique, a bijection of the index.

    Indexes below K² get two characters, the next K³ three, then four (K = number of characters).
    """
    k = len(TRADE_NAME_CHARS)
    idx = keys.astype(np.int64)
    digits = np.full((len(idx), 4), k, dtype=np.int64)  # k = the empty string
    start = 0
    for length in (2, 3, 4):
        size = k**length
        inside = (idx >= start) & (idx < start + size)
        if inside.any():
            a, b = _permutation(rng, f"name{length}", size)
            q = (np.int64(a) * (idx[inside] - start) + np.int64(b)) % size
            for pos in range(length):
                digits[inside, pos] = q // k**pos % k
        start += size
    if idx.size and idx.max() >= start:
        raise ValueError(f"too many enterprises for unique names (at most {start})")
    chars = (*TRADE_NAME_CHARS, "")
    return [pick(chars, digits[:, pos]) for pos in range(4)]


def _ages(rng: Rng, keys: U64, arch: I64, limit: int) -> I64:
    """Years since registration: young-skewed for traditional firms and gazelles (exponential),
    fewer very young tech firms and leaders (gamma with shape 2); redrawn uniformly above ``limit``."""
    scale = AGE_SCALE[arch]
    x = -scale * (
        np.log1p(-rng.uniform("age1", keys)) + AGE_SHAPE2[arch] * np.log1p(-rng.uniform("age2", keys))
    )
    span = limit - MIN_AGE[arch] + 1
    x = np.where(x >= span, rng.uniform("age3", keys) * span, x)
    out: I64 = np.minimum(MIN_AGE[arch] + np.floor(x).astype(np.int64), limit)
    return out


def generate_firms(rng: Rng, *, n: int, offset: int, year: int) -> tuple[Firms, pa.Table, pa.Table, pa.Table]:
    """The enterprise, annual and credit_events tables plus the state for the other sections."""
    keys = np.arange(offset, offset + n, dtype=np.uint64)
    arch = rng.choice("arch", keys, ARCHETYPE_WEIGHTS)
    mode = rng.choice_by("mode", keys, arch, MODE_WEIGHTS)
    gap = rng.choice("gap", keys, GAP_WEIGHTS)

    # registration: ages skewed young; boundary dates of the 雏鹰 8-year rule for a few
    max_age = year - FIRST_YEAR
    age = _ages(rng, keys, arch, max_age)
    age = np.where(mode == LOW_REV, rng.integers("age_low", keys, 1, 7), age)
    reg_year = year - np.minimum(age, max_age)
    start = jan1(reg_year)
    reg_days = start + np.floor(rng.uniform("reg_day", keys) * (jan1(reg_year + 1) - start)).astype(np.int64)
    boundary = (arch == S) & rng.chance("boundary", keys, 0.004)
    edge = np.array([ymd(year - 8, 12, 30), ymd(year - 8, 12, 31), ymd(year - 7, 1, 1)], dtype=np.int64)
    reg_days = np.where(boundary, edge[rng.integers("boundary_day", keys, 0, 2)], reg_days)
    reg_year = np.where(boundary, np.where(reg_days >= jan1(year - 7), year - 7, year - 8), reg_year)

    industry = rng.choice_by("industry", keys, arch, np.array([i.weights for i in INDUSTRIES]).T)
    industry_field = np.array([FIELDS.index(i.field) if i.field else NO_FIELD for i in INDUSTRIES])
    field = industry_field[industry]
    field = np.where((arch == T) & ~rng.chance("field_t", keys, 0.3), NO_FIELD, field)
    software = np.array([i.software for i in INDUSTRIES])[industry]
    listing = rng.choice_by("listing", keys, arch, LISTING_WEIGHTS)

    uscc = _uscc(rng, keys)
    annual, employees_last = annual_table(
        rng,
        keys,
        uscc,
        arch=arch,
        mode=mode,
        gap=gap,
        reg_days=reg_days,
        reg_year=reg_year,
        year=year,
        has_field=field != NO_FIELD,
    )
    firms = Firms(
        year=year,
        keys=keys,
        arch=arch,
        mode=mode,
        reg_days=reg_days,
        reg_year=reg_year,
        industry=industry,
        field=field,
        software=software,
        employees_last=employees_last,
        uscc=uscc,
    )
    enterprise = _enterprise(rng, firms, listing=listing)
    return firms, enterprise, annual, _credit_events(rng, firms)


def _enterprise(rng: Rng, f: Firms, *, listing: I64) -> pa.Table:
    keys, arch, n = f.keys, f.arch, f.n
    towns = divisions.towns()
    parks = divisions.parks()
    if len(TOWN_WEIGHTS) != len(towns) or len(PARK_WEIGHTS) != len(parks):
        raise ValueError("TOWN_WEIGHTS / PARK_WEIGHTS do not match the division list")
    district = divisions.district()

    independent = ~rng.chance("branch", keys, 0.003)
    word_table = np.array(
        [[NAME_WORDS.index(w) for w in i.words] + [0] * (3 - len(i.words)) for i in INDUSTRIES]
    )
    word_count = np.array([len(i.words) for i in INDUSTRIES])[f.industry]
    words = word_table[f.industry, rng.integers("word", keys, 0, word_count - 1)]
    shares = (listing != 0) | rng.chance("joint_stock", keys, 0.05)
    name = join(
        pick(("天津", "天津市"), rng.choice("prefix", keys, (0.85, 0.15))),
        *_trade_names(rng, keys),
        pick(NAME_WORDS, words),
        pick(("有限公司", "股份有限公司"), shares.astype(np.int64)),
        pick(("", "武清分公司"), (~independent).astype(np.int64)),
    )
    in_park = rng.chance("in_park", keys, np.asarray(PARK_SHARE)[arch])
    key_industries = [i.key_industry for i in INDUSTRIES]
    abnormal = rng.chance("abnormal", keys, ABNORMAL[arch])
    dishonest = rng.chance("dishonest", keys, DISHONEST[arch])
    columns = {
        "uscc": f.uscc,
        "name": name,
        "registered_on": date_array(f.reg_days),
        "province": const(district["province"], n),
        "city": const(district["city"], n),
        "district": const(district["name"], n),
        "town": pick([t.name for t in towns], rng.choice("town", keys, TOWN_WEIGHTS)),
        "park": pick([p.name for p in parks], rng.choice("park", keys, PARK_WEIGHTS), valid=in_park),
        "independent_legal_person": bool_array(independent),
        "industry_code": pick(
            [i.code for i in INDUSTRIES], f.industry, valid=~rng.chance("no_code", keys, 0.004)
        ),
        "hightech_field": pick((*FIELDS, None), f.field),
        "key_industry": pick(key_industries, f.industry, valid=~rng.chance("no_key", keys, 0.15)),
        "listing_status": pick(LISTING_CODES, listing),
        "abnormal_operation": bool_array(abnormal),
        "serious_dishonesty": bool_array(dishonest),
    }
    return pa.table(columns, schema=ARROW_SCHEMAS["enterprise"])


def _credit_events(rng: Rng, f: Firms) -> pa.Table:
    """A few research-misconduct years (tech firms) and major accidents (manufacturers)."""
    keys, year = f.keys, f.year
    manufacturing = np.array([i.code.startswith("C") for i in INDUSTRIES])[f.industry]
    low = np.maximum(f.reg_year, year - 3)
    chances = (np.where(f.arch == T, 0.0003, 0.003), np.where(manufacturing, 0.006, 0.0015))
    years = np.zeros((f.n, 4), dtype=np.int64)
    valid = np.zeros((f.n, 4), dtype=bool)
    for i, (kind, chance) in enumerate(zip(("misconduct", "accident"), chances, strict=True)):
        years[:, 2 * i] = rng.integers(f"{kind}/year", keys, low, year)
        years[:, 2 * i + 1] = years[:, 2 * i] - 1
        valid[:, 2 * i] = rng.chance(kind, keys, chance)
        valid[:, 2 * i + 1] = (
            valid[:, 2 * i] & rng.chance(f"{kind}/again", keys, 0.1) & (years[:, 2 * i] > low)
        )
    rows = valid.ravel()
    firm = np.repeat(np.arange(f.n), 4)[rows]
    kinds = np.tile(np.array([0, 0, 1, 1]), f.n)[rows]
    return pa.table(
        {
            "uscc": f.uscc.take(pa.array(firm)),
            "kind": pick(("research_misconduct", "major_accident"), kinds),
            "year": int_array(years.ravel()[rows]),
        },
        schema=ARROW_SCHEMAS["credit_events"],
    )
