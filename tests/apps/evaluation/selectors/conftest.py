"""Hand-made finished runs (no engine) for the tests of the evaluation pages' reads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from lingjun.apps.evaluation.models import EvaluationResult, EvaluationRun, outcomes_code, scores_code

CHUYING, TECH = "tianjin.chuying.2021", "national.tech_sme.2017"


def store_run(results: dict[str, dict[str, str]], **fields: Any) -> EvaluationRun:
    """A finished run with ``{uscc: {policy: result}}`` stored and counted like the service does
    (every enterprise with a result for each policy of the run, as the service stores them)."""
    policies = sorted({p for r in results.values() for p in r})
    counts = {p: {"pass": 0, "fail": 0, "unknown": 0} for p in policies}
    for by_policy in results.values():
        for p, r in by_policy.items():
            counts[p][r] += 1
    run = EvaluationRun.objects.create(
        policies=policies,
        year=2025,
        as_of=date(2025, 6, 30),
        status="done",
        counts=counts,
        enterprise_count=len(results),
        **fields,
    )
    EvaluationResult.objects.bulk_create(
        EvaluationResult(
            run=run,
            enterprise_id=u,
            outcomes=outcomes_code([by_policy[p] for p in policies]),
            scores=scores_code([Decimal("61.5") if p == TECH else None for p in policies]),
        )
        for u, by_policy in results.items()
    )
    return run


@pytest.fixture
def make_run() -> Callable[..., EvaluationRun]:
    return store_run


@pytest.fixture
def three(pool: list[str]) -> EvaluationRun:
    a, b, c = pool  # 杨村街道, 杨村街道 + 开发区, 梅厂镇
    return store_run(
        {
            a: {CHUYING: "pass", TECH: "fail"},
            b: {CHUYING: "fail", TECH: "unknown"},
            c: {CHUYING: "pass", TECH: "pass"},
        }
    )
