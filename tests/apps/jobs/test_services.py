"""Jobs: claiming, progress, cancellation, and the recovery of the jobs of dead workers.

Tasks go to django-tasks' dummy backend here (kept in memory, never run) so that what recovery
enqueues can be read back; tests/apps/jobs/test_worker.py runs real worker processes.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_tasks import default_task_backend

from lingjun.apps.evaluation.models import EvaluationRun
from lingjun.apps.evaluation.tasks import evaluation_run_task
from lingjun.apps.jobs.models import Job
from lingjun.apps.jobs.services import (
    WORKER_DIED,
    JobCancelled,
    JobSuperseded,
    job_cancel,
    job_claim,
    job_create,
    job_enqueue,
    job_step,
    jobs_recover,
    this_worker,
)

pytestmark = pytest.mark.django_db

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def _dummy_tasks(settings) -> None:
    settings.TASKS = DUMMY
    default_task_backend.clear()


def _enqueued() -> list[dict]:
    return [r.kwargs for r in default_task_backend.results]


def _job(**fields) -> Job:
    run = EvaluationRun.objects.create(policies=["tianjin.chuying.2021"], year=2025, as_of=date(2025, 6, 30))
    job = job_create(kind=Job.Kind.EVALUATION, subject_id=run.pk)
    job_enqueue(job=job, task_path=evaluation_run_task.module_path)
    if fields:
        Job.objects.filter(pk=job.pk).update(**fields)
        job.refresh_from_db()
    return job


def _dead_pid() -> int:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    return gone.pid


def test_a_job_is_enqueued_with_its_attempt_and_claimed_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = _job()
    assert _enqueued() == [{"job_id": job.pk, "attempt": 1}]
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and job.step == "等待后台进程执行" and job.task_id
    assert job_claim(job_id=job.pk, attempt=2) is None  # not this attempt's
    claimed = job_claim(job_id=job.pk, attempt=1)
    assert claimed is not None and claimed.status == Job.Status.RUNNING and claimed.worker == this_worker()
    assert job_claim(job_id=job.pk, attempt=1) is None  # delivered twice: the second does nothing


def test_progress_is_recorded_and_a_cancel_or_a_retry_stops_the_work():
    job = _job()
    claimed = job_claim(job_id=job.pk, attempt=1)
    assert claimed is not None
    job_step(job=claimed, progress=0.4, step="正在计算")
    job.refresh_from_db()
    assert (job.progress, job.step, job.percent) == (0.4, "正在计算", 40)
    job_cancel(job=job)
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.cancel_requested and job.step == "正在取消…"
    with pytest.raises(JobCancelled):
        job_step(job=claimed, progress=0.5, step="正在保存")
    Job.objects.filter(pk=job.pk).update(attempt=2, status=Job.Status.QUEUED)
    with pytest.raises(JobSuperseded):
        job_step(job=claimed, progress=0.5, step="正在保存")


def test_a_queued_job_is_cancelled_at_once_and_so_is_its_run():
    job = _job()
    job_cancel(job=job)
    assert job.status == Job.Status.CANCELLED and job.finished_at
    assert EvaluationRun.objects.get(pk=job.subject_id).status == EvaluationRun.Status.CANCELLED
    assert job_claim(job_id=job.pk, attempt=1) is None


def test_a_job_whose_worker_died_is_retried_once_then_marked_failed(django_capture_on_commit_callbacks):
    job = _job(status=Job.Status.RUNNING, worker=f"{socket.gethostname()}:{_dead_pid()}")
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_recover() == [(job.pk, "retried")]
    job.refresh_from_db()
    assert (job.status, job.attempt, job.worker, job.step) == (
        Job.Status.QUEUED,
        2,
        "",
        "后台进程中断，已重新排队",
    )
    assert _enqueued() == [{"job_id": job.pk, "attempt": 2}]
    assert jobs_recover() == []  # queued: nothing to recover

    # the retry's worker dies too: the job and its run fail, nothing is queued again
    claimed = job_claim(job_id=job.pk, attempt=2)
    assert claimed is not None
    Job.objects.filter(pk=job.pk).update(worker=f"{socket.gethostname()}:{_dead_pid()}")
    assert jobs_recover() == [(job.pk, "failed")]
    job.refresh_from_db()
    run = EvaluationRun.objects.get(pk=job.subject_id)
    assert (job.status, job.error) == (Job.Status.FAILED, WORKER_DIED)
    assert (run.status, run.error) == (EvaluationRun.Status.FAILED, WORKER_DIED)
    assert len(_enqueued()) == 1


def test_live_workers_keep_their_jobs_and_silent_ones_on_other_hosts_lose_them():
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        here = _job(status=Job.Status.RUNNING, worker=f"{socket.gethostname()}:{alive.pid}")
        recent = _job(status=Job.Status.RUNNING, worker="other-host:1", heartbeat_at=timezone.now())
        silent = _job(
            status=Job.Status.RUNNING, worker="other-host:2", heartbeat_at=timezone.now() - timedelta(hours=1)
        )
        assert jobs_recover(stale_after=timedelta(minutes=10)) == [(silent.pk, "retried")]
    finally:
        alive.kill()
        alive.wait()
    for job in (here, recent):
        job.refresh_from_db()
        assert job.status == Job.Status.RUNNING and job.attempt == 1
    assert jobs_recover(stale_after=timedelta(minutes=10)) == [(here.pk, "retried")]  # now it is dead


def test_a_dead_workers_job_that_was_being_cancelled_ends_cancelled():
    job = _job(
        status=Job.Status.RUNNING,
        worker=f"{socket.gethostname()}:{_dead_pid()}",
        cancel_requested=True,
    )
    assert jobs_recover() == [(job.pk, "cancelled")]
    assert EvaluationRun.objects.get(pk=job.subject_id).status == EvaluationRun.Status.CANCELLED
