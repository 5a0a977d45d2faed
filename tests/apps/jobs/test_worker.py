"""Real worker processes, on the database backend and on RQ with the local Redis.

A run is queued over a generated pool, the worker evaluating it is killed (SIGKILL) in the middle
of the evaluation, a new worker is started: it retries the job and exactly one complete result
set exists (one row per enterprise, no duplicate), the run is done. The same with
100 000 enterprises: ``bench/bench_jobs.py`` (docs/benchmarks.md).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from django.db.models import Count
from tests.apps.jobs.workers import BACKENDS, flush_redis, redis_or_skip, wait_for, worker

from lingjun.apps.divisions.services import divisions_seed
from lingjun.apps.enterprises.services import dossiers_apply
from lingjun.apps.evaluation.models import EvaluationResult, EvaluationRun
from lingjun.apps.evaluation.services import (
    STEP_EVALUATING,
    evaluation_run_enqueue,
    evaluation_run_start,
)
from lingjun.apps.jobs.models import Job
from lingjun.demo import generate_dossiers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

POLICIES = ["national.hnte.2016", "national.tech_sme.2017", "tianjin.chuying.2021", "tianjin.dengling.2021"]
N = 500


@pytest.fixture(params=sorted(BACKENDS))
def backend(request, settings, tmp_path) -> Iterator[str]:
    if request.param == "rq":
        redis_or_skip()
        from tests.apps.jobs.workers import REDIS_URL

        settings.RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
        flush_redis()
    settings.TASKS = {"default": BACKENDS[request.param]}
    settings.LINGJUN_HOME = tmp_path
    yield request.param
    if request.param == "rq":
        flush_redis()


def test_a_worker_killed_mid_run_leaves_one_complete_result_set_after_a_new_worker(backend, tmp_path: Path):
    divisions_seed()
    dossiers_apply(dossiers=list(generate_dossiers(n=N, seed=21, year=2024)), user=None, source="import")
    run = evaluation_run_start(policies=POLICIES, year=2025, as_of=date(2025, 6, 30))
    log_path = tmp_path / "workers.log"
    with log_path.open("w") as log:
        with worker(backend, tmp_path, log) as first:
            job = evaluation_run_enqueue(run=run)

            def evaluating() -> bool:
                return Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, step=STEP_EVALUATING).exists()

            wait_for(evaluating, seconds=120, what="the first worker to begin the evaluation")
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
        job.refresh_from_db()
        run.refresh_from_db()
        # killed mid-run: nothing stored, the job still says 执行中 (its worker cannot say otherwise)
        assert (job.status, job.attempt, run.status) == (Job.Status.RUNNING, 1, EvaluationRun.Status.RUNNING)
        assert not EvaluationResult.objects.filter(run=run).exists()

        with worker(backend, tmp_path, log):  # recovers the dead worker's job at start: retried once
            wait_for(
                lambda: (
                    EvaluationRun.objects.filter(pk=run.pk, status=EvaluationRun.Status.RUNNING).exists()
                    is False
                ),
                seconds=300,
                what="the second worker to finish the run",
                every=0.2,
            )
    out = log_path.read_text()
    job.refresh_from_db()
    run.refresh_from_db()
    assert run.status == EvaluationRun.Status.DONE, (run.error, out)
    assert (job.status, job.attempt, job.progress) == (Job.Status.DONE, 2, 1.0)
    assert f"后台进程中断的任务 #{job.pk}已重新排队" in out
    rows = EvaluationResult.objects.filter(run=run)
    assert rows.count() == N == run.enterprise_count
    duplicates = rows.values("enterprise_id").annotate(n=Count("id")).filter(n__gt=1)
    assert not duplicates.exists()
    assert {p: sum(c.values()) for p, c in run.counts.items()} == dict.fromkeys(POLICIES, N)
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [f"run-{run.pk}.parquet"]
