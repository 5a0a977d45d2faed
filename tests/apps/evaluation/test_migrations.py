"""The stored runs of one row per enterprise and policy are converted to one row per enterprise
(migrations 0003-0005), and back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from lingjun.apps.evaluation.models import EvaluationResult, EvaluationRun

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("evaluation", "0002_evaluationrun_worker_begun_at")]
AFTER = [("evaluation", "0006_evaluationrun_cancelled")]  # the latest: the schema the other tests expect
CHUYING, TECH = "tianjin.chuying.2021", "national.tech_sme.2017"


def _migrate(target: list[tuple[str, str]]) -> object:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def test_stored_runs_become_one_row_per_enterprise_and_back(pool):
    old = _migrate(BEFORE)
    Run, Result = (
        old.get_model("evaluation", "EvaluationRun"),
        old.get_model("evaluation", "EvaluationResult"),
    )
    run = Run.objects.create(policies=[TECH, CHUYING], year=2025, as_of=date(2025, 6, 30), status="done")
    plain = Run.objects.create(policies=[CHUYING], year=2025, as_of=date(2025, 6, 30), status="done")
    a, b, _c = pool
    Result.objects.bulk_create(
        [
            Result(run=run, enterprise_id=a, policy=TECH, result="pass", score=Decimal("61.5")),
            Result(run=run, enterprise_id=a, policy=CHUYING, result="fail"),
            Result(run=run, enterprise_id=b, policy=TECH, result="unknown", score=None),
            Result(run=run, enterprise_id=b, policy=CHUYING, result="pass"),
            Result(run=plain, enterprise_id=a, policy=CHUYING, result="unknown"),
        ]
    )
    try:
        _migrate(AFTER)
        rows = {
            (r.run_id, r.enterprise_id): (r.outcomes, r.scores, r.results())
            for r in EvaluationResult.objects.select_related("run")
        }
        assert rows == {
            (run.pk, a): ("pf", "61.50;", {TECH: ("pass", Decimal("61.5")), CHUYING: ("fail", None)}),
            (run.pk, b): ("up", "", {TECH: ("unknown", None), CHUYING: ("pass", None)}),
            (plain.pk, a): ("u", "", {CHUYING: ("unknown", None)}),
        }
        assert (
            EvaluationResult.objects.of(EvaluationRun.objects.get(pk=run.pk), policy=CHUYING, result="pass")
            .get()
            .enterprise_id
            == b
        )

        back = _migrate(BEFORE)
        Result = back.get_model("evaluation", "EvaluationResult")
        assert set(Result.objects.values_list("run_id", "enterprise_id", "policy", "result", "score")) == {
            (run.pk, a, TECH, "pass", Decimal("61.50")),
            (run.pk, a, CHUYING, "fail", None),
            (run.pk, b, TECH, "unknown", None),
            (run.pk, b, CHUYING, "pass", None),
            (plain.pk, a, CHUYING, "unknown", None),
        }
    finally:
        _migrate(AFTER)  # the other tests expect the current schema
