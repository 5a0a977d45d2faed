"""Background jobs: create and enqueue, claim, report progress, cancel, finish; recover the jobs
of workers that died.

A job runs as a task of Django's Tasks API (:func:`job_enqueue` hands it to the configured
backend: the database by default, RQ with ``REDIS_URL``). The task carries the job's id and the
attempt it was enqueued for; :func:`job_execute` claims the job for that attempt or does nothing,
so a task delivered twice, or a stale task of an attempt that was already retried, runs nothing.

A worker that dies mid-job (killed, machine restarted) leaves its job 执行中. The next worker
(and every worker, every half minute) finds it with :func:`jobs_recover`: a job whose worker
process is gone (same host: the pid no longer exists) or silent (another host: no heartbeat for
``LINGJUN_JOB_STALE_SECONDS``) is queued again once; when the retry dies too, the job is marked
failed and :data:`job_abandoned` tells its app (an evaluation run is then marked failed).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

from lingjun.apps.accounts.models import User
from lingjun.apps.jobs.models import Job
from lingjun.apps.jobs.selectors import jobs_dir

logger = logging.getLogger(__name__)

#: a job whose worker died is executed at most this many times in all
MAX_ATTEMPTS = 2
WORKER_DIED = (
    "执行该任务的后台进程在完成前停止了（被终止或机器重启），自动重试 1 次后仍未完成，结果没有保存。"
    "请重新发起。"
)
#: steps are stored in Chinese and translated when shown (``{% translate job.step %}``)
STEP_QUEUED = gettext_noop("等待后台进程执行")
STEP_RETRY = gettext_noop("后台进程中断，已重新排队")
STEP_STARTED = gettext_noop("开始执行")
STEP_CANCELLING = gettext_noop("正在取消…")
STEP_CANCELLED = gettext_noop("已取消")
STEP_DONE = gettext_noop("已完成")
STEP_FAILED = gettext_noop("失败")

#: sent with ``job=`` when a job is marked failed because its worker died (twice)
job_abandoned = Signal()
#: sent with ``job=`` when a queued job is cancelled before any worker took it
job_cancelled = Signal()


class JobCancelled(Exception):
    """The job's cancellation was requested: the work stops and stores nothing."""


class JobSuperseded(Exception):
    """The job is no longer this attempt's (retried after its worker was taken for dead, or
    over): the work stops and stores nothing."""


#: ids of the jobs this process is executing (their heartbeat is kept, recovery skips them)
RUNNING_HERE: set[int] = set()


def this_worker() -> str:
    """This process as a job's ``worker``: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_alive(worker: str) -> bool | None:
    """Whether the process ``host:pid`` still runs: ``None`` when it is on another host."""
    host, _sep, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    if int(pid) == os.getpid():  # this process, or a predecessor with the same pid (containers)
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of another user: alive
        return True
    return True


# ------------------------------------------------------------------------------ starting a job


def job_create(
    *,
    kind: str,
    user: User | None = None,
    subject_id: int | None = None,
    params: dict[str, Any] | None = None,
) -> Job:
    """Record a job (排队中); :func:`job_enqueue` hands it to the workers."""
    return Job.objects.create(
        kind=kind, user=user, subject_id=subject_id, params=dict(params or {}), step=STEP_QUEUED
    )


def job_enqueue(*, job: Job, task_path: str) -> None:
    """Hand the job to the task backend once the current transaction commits.

    ``task_path`` names a ``django_tasks`` task taking ``job_id`` and ``attempt`` (a path, so that
    an app's services need not import its tasks). With the immediate backend (tests) the job runs
    right here, before this returns.
    """
    Job.objects.filter(pk=job.pk).update(task_path=task_path)
    job.task_path = task_path
    pk, attempt = job.pk, job.attempt

    def send() -> None:
        task = import_string(task_path).using(queue_name=settings.LINGJUN_JOB_QUEUE)
        result = task.enqueue(job_id=pk, attempt=attempt)
        Job.objects.filter(pk=pk, attempt=attempt).update(task_id=str(result.id))

    transaction.on_commit(send)


# ---------------------------------------------------------------------------- executing a job


def job_claim(*, job_id: int, attempt: int) -> Job | None:
    """Take a queued job for this process; ``None`` when it is not this attempt's to run (already
    running or over, cancelled, or retried under a newer attempt)."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, attempt=attempt, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING,
        worker=this_worker(),
        heartbeat_at=now,
        started_at=now,
        step=STEP_STARTED,
        progress=0.0,
    )
    return Job.objects.get(pk=job_id) if claimed else None


def job_step(*, job: Job, progress: float, step: str) -> None:
    """Record progress (fraction 0–1 and the step in Chinese) and check the job is still wanted.

    Raises :class:`JobCancelled` when its cancellation was requested and :class:`JobSuperseded`
    when it is no longer this attempt's: the caller stops between its stages, storing nothing.
    """
    mine = Job.objects.filter(pk=job.pk, attempt=job.attempt, status=Job.Status.RUNNING)
    if not mine.update(progress=progress, step=step, heartbeat_at=timezone.now()):
        raise JobSuperseded(job.pk)
    job.progress, job.step = progress, step
    if mine.filter(cancel_requested=True).exists():
        raise JobCancelled(job.pk)


def job_is_current(*, job: Job) -> bool:
    """Whether the job is still this attempt's to run."""
    return Job.objects.filter(pk=job.pk, attempt=job.attempt, status=Job.Status.RUNNING).exists()


def job_check_current(*, job: Job) -> None:
    """Inside the transaction that stores a job's results: lock the job and make sure it is still
    this attempt's and not cancelled (else raise), so that exactly one attempt stores anything."""
    flags = list(
        Job.objects.select_for_update()
        .filter(pk=job.pk, attempt=job.attempt, status=Job.Status.RUNNING)
        .values_list("cancel_requested", flat=True)
    )
    if not flags:
        raise JobSuperseded(job.pk)
    if flags[0]:
        raise JobCancelled(job.pk)


def _over(job: Job, status: str, **fields: Any) -> bool:
    updated = Job.objects.filter(pk=job.pk, attempt=job.attempt, status=Job.Status.RUNNING).update(
        status=status, finished_at=timezone.now(), **fields
    )
    job.refresh_from_db()
    return bool(updated)


def job_finish(*, job: Job, result: dict[str, Any] | None = None) -> bool:
    return _over(job, Job.Status.DONE, progress=1.0, step=STEP_DONE, result=dict(result or {}))


def job_fail(*, job: Job, error: str, result: dict[str, Any] | None = None) -> bool:
    fields: dict[str, Any] = {"error": error, "step": STEP_FAILED}
    if result is not None:
        fields["result"] = result
    return _over(job, Job.Status.FAILED, **fields)


def job_execute(*, job_id: int, attempt: int, work: Callable[[Job], dict[str, Any] | None]) -> None:
    """Run ``work(job)`` for the job's claimed attempt and record how it ended.

    ``work`` returns the job's result (what its result page shows) and calls :func:`job_step`
    between its stages. A cancelled job is marked 已取消, a failure 失败 with the message of the
    error (a ``result`` attribute on the error, such as an import's error list, is kept too).
    Nothing happens when the attempt cannot be claimed.
    """
    job = job_claim(job_id=job_id, attempt=attempt)
    if job is None:
        logger.info("job %s attempt %s: not claimed (over, cancelled or retried)", job_id, attempt)
        return
    RUNNING_HERE.add(job.pk)
    try:
        result = work(job)
    except JobCancelled:
        _over(job, Job.Status.CANCELLED, step=STEP_CANCELLED)
    except JobSuperseded:
        logger.warning("job %s attempt %s was superseded; nothing stored", job_id, attempt)
    except Exception as exc:
        logger.exception("job %s failed", job_id)
        job_fail(job=job, error=str(exc) or type(exc).__name__, result=getattr(exc, "job_result", None))
    else:
        job_finish(job=job, result=result)
    finally:
        RUNNING_HERE.discard(job.pk)


# --------------------------------------------------------------------------------- cancelling


def job_cancel(*, job: Job) -> Job:
    """Cancel a job: a queued one at once (已取消), a running one at its next stage."""
    now = timezone.now()
    with transaction.atomic():
        queued = Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
            status=Job.Status.CANCELLED, cancel_requested=True, finished_at=now, step=STEP_CANCELLED
        )
        if not queued:
            Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
                cancel_requested=True, step=STEP_CANCELLING
            )
    job.refresh_from_db()
    if queued:
        job_cancelled.send(sender=Job, job=job)
    return job


# --------------------------------------------------------------------------------- recovering


def jobs_heartbeat() -> int:
    """Tell that this process's running jobs are alive."""
    if not RUNNING_HERE:
        return 0
    return Job.objects.filter(pk__in=list(RUNNING_HERE), status=Job.Status.RUNNING).update(
        heartbeat_at=timezone.now()
    )


def _dead(job: Job, stale: Any) -> bool:
    if job.pk in RUNNING_HERE:
        return False
    alive = worker_alive(job.worker)
    if alive is not None:
        return not alive
    return job.heartbeat_at is None or job.heartbeat_at < stale


def jobs_recover(*, stale_after: timedelta | None = None) -> list[tuple[int, str]]:
    """Queue again (once) or mark failed the running jobs whose worker died.

    Returns ``(job id, "retried" | "failed")`` for each job recovered. Safe to call from several
    workers at once: each change is conditional on the job's attempt, so one of them wins.
    """
    if stale_after is None:
        stale_after = timedelta(seconds=settings.LINGJUN_JOB_STALE_SECONDS)
    stale = timezone.now() - stale_after
    recovered: list[tuple[int, str]] = []
    for job in Job.objects.filter(status=Job.Status.RUNNING):
        if not _dead(job, stale):
            continue
        mine = Job.objects.filter(pk=job.pk, attempt=job.attempt, status=Job.Status.RUNNING)
        if job.attempt < MAX_ATTEMPTS and job.task_path and not job.cancel_requested:
            if mine.update(
                status=Job.Status.QUEUED,
                attempt=F("attempt") + 1,
                progress=0.0,
                step=STEP_RETRY,
                worker="",
                heartbeat_at=None,
                task_id="",
            ):
                job.refresh_from_db()
                job_enqueue(job=job, task_path=job.task_path)
                recovered.append((job.pk, "retried"))
        elif job.cancel_requested:
            if mine.update(status=Job.Status.CANCELLED, finished_at=timezone.now(), step=STEP_CANCELLED):
                job.refresh_from_db()
                job_cancelled.send(sender=Job, job=job)
                recovered.append((job.pk, "cancelled"))
        elif mine.update(
            status=Job.Status.FAILED, error=WORKER_DIED, step=STEP_FAILED, finished_at=timezone.now()
        ):
            job.refresh_from_db()
            job_abandoned.send(sender=Job, job=job)
            recovered.append((job.pk, "failed"))
    if recovered:
        logger.warning("jobs of dead workers recovered: %s", recovered)
    return recovered


# ------------------------------------------------------------------------------------ files


def job_files_sweep(*, now: datetime) -> list[Path]:
    """Delete the files under ``LINGJUN_HOME/jobs`` last written more than
    ``LINGJUN_JOB_FILES_RETENTION_DAYS`` days before ``now`` (0: keep them for ever): exports
    nobody downloaded, uploads of imports that never finished, parts of killed exports. The
    files of jobs still waiting or running are kept whatever their age. Called when a worker
    starts; returns the deleted paths (the job page then says the file is gone).
    """
    days = settings.LINGJUN_JOB_FILES_RETENTION_DAYS
    if days <= 0:
        return []
    folder = jobs_dir()
    cutoff = (now - timedelta(days=days)).timestamp()
    old = [p for p in folder.iterdir() if p.is_file() and p.stat().st_mtime < cutoff]
    if not old:
        return []
    busy: set[str] = set()
    prefixes: list[str] = []
    active = Job.objects.filter(status__in=(Job.Status.QUEUED, Job.Status.RUNNING))
    for pk, params, result in active.values_list("pk", "params", "result"):
        busy.update(str(v) for v in ((params or {}).get("stored"), (result or {}).get("file")) if v)
        prefixes.append(f"export-{pk}.")
    removed = []
    for path in old:
        if path.name in busy or path.name.startswith(tuple(prefixes)):
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    if removed:
        logger.info("removed %d job files older than %d days", len(removed), days)
    return removed
