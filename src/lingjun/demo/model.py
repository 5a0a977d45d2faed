"""The model of the synthetic district (:mod:`lingjun.demo`): archetypes, modes, gaps,
their parameters, and the enterprise-level state shared by the generators of every table.

Each enterprise gets an *archetype* (traditional, small tech, HNTE-like, gazelle-like, leader), a
*mode* (mostly "normal"; otherwise the one threshold it is built to miss narrowly) and a *gap*
(mostly none; otherwise the kind of data that is missing). Everything else is drawn from
distributions that depend on these three. All numbers here are synthetic choices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from lingjun.demo.rng import F64, I64, U64, Bools, Rng, pick
from lingjun.demo.words import NO_FIELD, SUBJECTS

#: archetypes: traditional firm, small tech firm, HNTE-like, gazelle-like, large leader
T, S, H, G, L = range(5)
ARCHETYPE_NAMES = ("traditional", "small_tech", "hnte_like", "gazelle_like", "leader")
ARCHETYPE_WEIGHTS = (0.769, 0.14, 0.075, 0.009, 0.007)

#: years of annual figures (the last ``YEARS`` years up to the data year)
YEARS = 5
#: the earliest registration year
FIRST_YEAR = 1998

# modes: the threshold an enterprise is built to miss narrowly
NORMAL, MISS_RD, MISS_TECH, MISS_HT, MISS_DOM, MISS_IP, MISS_CAGR, MISS_FIRST, MISS_SIZE, LOW_REV = range(10)
MODE_WEIGHTS = (
    (0.97, 0, 0, 0, 0, 0, 0, 0, 0, 0.03),  # traditional: a few with revenue just under 10
    (0.91, 0, 0, 0, 0, 0, 0, 0, 0.04, 0.05),  # small tech: a few just too big for a tech SME
    (0.64, 0.10, 0.08, 0.08, 0.04, 0.06, 0, 0, 0, 0),  # HNTE-like: each HNTE ratio narrowly missed
    (0.58, 0.13, 0, 0, 0, 0, 0.16, 0.13, 0, 0),  # gazelle-like: R&D, CAGR, first-year revenue
    (1.0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
)
# gaps: the data that is missing (never written as 0)
NO_GAP, GAP_REVENUE, GAP_TECH, GAP_YEAR, GAP_ASSETS, GAP_RD, GAP_HIGHTECH = range(7)
GAP_WEIGHTS = (0.955, 0.012, 0.010, 0.008, 0.005, 0.005, 0.005)

#: per archetype T, S, H, G, L
MIN_AGE = np.array([0, 1, 1, 4, 6])
AGE_SCALE = np.array([6.5, 7.0, 7.5, 5.0, 5.0])  # years: exponential (T, G) or gamma(2) (S, H, L)
AGE_SHAPE2 = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
REV_MEDIAN = np.array([250.0, 600.0, 3500.0, 2500.0, 50000.0])
REV_SIGMA = np.array([1.6, 1.3, 1.1, 0.6, 0.7])
PRODUCTIVITY = np.array([70.0, 35.0, 60.0, 60.0, 110.0])  # 万元 revenue per employee
MIN_EMPLOYEES = np.array([1.0, 2.0, 5.0, 10.0, 50.0])
ASSET_RATIO = np.array([0.9, 1.0, 1.2, 1.1, 1.4])
MARGIN = np.array([0.04, 0.05, 0.08, 0.09, 0.08])
ABNORMAL = np.array([0.028, 0.012, 0.005, 0.004, 0.002])
DISHONEST = np.array([0.0065, 0.003, 0.002, 0.002, 0.001])


@dataclass
class Firms:
    """Enterprise-level state shared by the generators of the list sections."""

    year: int
    keys: U64  # global enterprise index
    arch: I64
    mode: I64
    reg_days: I64  # registration date, days since 1970-01-01
    reg_year: I64
    industry: I64
    field: I64  # index into FIELDS, NO_FIELD for none
    software: Bools
    employees_last: F64
    uscc: pa.Array

    @property
    def n(self) -> int:
        return len(self.keys)

    def by_arch(self, values: Sequence[float]) -> F64:
        """One value per enterprise from a value per archetype (T, S, H, G, L)."""
        out: F64 = np.asarray(values, dtype=np.float64)[self.arch]
        return out

    def uscc_of(self, firm: npt.ArrayLike) -> pa.Array:
        """The USCCs of the enterprises at the given positions (for list rows)."""
        return self.uscc.take(pa.array(firm, type=pa.int64()))


def subjects(rng: Rng, name: str, keys: U64, field: I64) -> pa.Array:
    """Subjects of titles (patents, projects, conversions) that fit the high-tech field."""
    flat = [s for group in SUBJECTS for s in group]
    sizes = np.array([len(g) for g in SUBJECTS])
    starts = np.cumsum(sizes) - sizes
    group = np.minimum(field, NO_FIELD)
    return pick(flat, starts[group] + rng.integers(name, keys, 0, sizes[group] - 1))
