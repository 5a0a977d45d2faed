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
from tests.apps.jobs.workers import (
    BACKENDS,
    QUEUE,
    flush_redis,
    redis_or_skip,
    use_own_queue,
    wait_for,
    worker,
)

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
        flush_redis()
    use_own_queue(settings, request.param)
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


def test_this_runs_jobs_go_to_its_own_queue(backend, make_user):
    """A worker left from a killed test run listens on the shared Redis database's ``default``
    queue (or another run's): this run's jobs are on a queue of its own, out of its reach."""
    from lingjun.apps.jobs.services import job_create, job_enqueue

    assert QUEUE.endswith(str(os.getpid())) and QUEUE != "default"
    job = job_create(kind=Job.Kind.EXPORT, user=make_user("district_staff"), params={"format": "jsonl"})
    job_enqueue(job=job, task_path="lingjun.apps.enterprises.tasks.dossiers_export_task")
    if backend == "rq":
        import django_rq
        import redis
        from rq import Queue
        from tests.apps.jobs.workers import REDIS_URL

        assert django_rq.get_queue(QUEUE).count == 1
        assert Queue("default", connection=redis.Redis.from_url(REDIS_URL)).count == 0
    else:
        from django_tasks_db.models import DBTaskResult

        assert list(DBTaskResult.objects.values_list("queue_name", flat=True)) == [QUEUE]
