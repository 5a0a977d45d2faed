"""Regression: a large what-if threshold overflowed DuckDB's INT32 constant arithmetic."""

from __future__ import annotations

from datetime import date

from lingjun.demo import generate_dossiers
from lingjun.rules import evaluate_dossiers
from lingjun.rules.spec import RunSpec


def test_a_threshold_of_a_million_wan_yuan_evaluates():
    dossiers = list(generate_dossiers(n=30, seed=4, year=2024))
    ev = evaluate_dossiers(
        dossiers,
        spec=RunSpec.of(
            ["tianjin.chuying.2021"],
            year=2025,
            as_of=date(2025, 6, 30),
            overrides={"tianjin.chuying.2021.revenue_min": "1000000"},
        ),
    )
    assert ev.counts()["tianjin.chuying.2021"]["pass"] == 0
