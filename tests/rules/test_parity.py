"""Vectorised (Ibis on DuckDB) and per-record reference evaluation agree on random dossiers."""

from __future__ import annotations

import random
from datetime import date

import pytest
from tests.rules.randomdata import random_dossier, random_inputs

from lingjun.rules import evaluate_dossiers, evaluate_reference, load_library
from lingjun.rules.spec import RunSpec


@pytest.mark.parametrize(
    ("seed", "year", "as_of"), [(1, 2024, date(2024, 6, 30)), (2, 2022, date(2022, 12, 31))]
)
def test_reference_and_vectorised_agree_on_random_dossiers(seed: int, year: int, as_of: date) -> None:
    rng = random.Random(seed)
    dossiers = [random_dossier(rng, i, year) for i in range(200)]
    inputs = random_inputs(rng, [d["uscc"] for d in dossiers])
    policies = sorted(load_library().policies)
    fast = evaluate_dossiers(
        dossiers, spec=RunSpec.of(policies, year=year, as_of=as_of), inputs_table=inputs
    ).to_records()
    slow = evaluate_reference(
        dossiers, spec=RunSpec.of(policies, year=year, as_of=as_of), inputs_table=inputs
    ).to_records()
    assert len(fast) == len(slow) == 200 * len(policies)
    results = {r["result"] for r in fast}
    assert results == {"pass", "fail", "unknown"}, "the random data should reach every outcome"
    for a, b in zip(fast, slow, strict=True):
        assert a == b, f"{a['uscc']} {a['policy']}"
