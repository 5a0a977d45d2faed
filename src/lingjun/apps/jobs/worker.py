"""The worker process (``lingjun worker``): executes queued jobs on the configured backend.

One job at a time per worker (a run of a large pool takes the memory of one). Beside the
backend's own loop a keeper thread sends the heartbeat of the running job every
:data:`HEARTBEAT_SECONDS` and recovers the jobs of dead workers every :data:`RECOVER_SECONDS`
(at start too), so that a worker killed mid-job is followed up without anyone's help.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from lingjun.apps.jobs.services import job_files_sweep, jobs_heartbeat, jobs_recover, this_worker

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10.0
RECOVER_SECONDS = 30.0
NO_WORKER_FOR_IMMEDIATE = "LINGJUN_TASKS=immediate 在发起任务的请求中直接执行，无需（也不能）启动后台进程。"


def _keep(stop: threading.Event) -> None:
    waited = 0.0
    while not stop.wait(HEARTBEAT_SECONDS):
        waited += HEARTBEAT_SECONDS
        try:
            jobs_heartbeat()
            if waited >= RECOVER_SECONDS:
                waited = 0.0
                jobs_recover()
        except DatabaseError:  # a locked SQLite file while a job stores its results: next time
            logger.warning("job heartbeat or recovery skipped", exc_info=True)
        finally:
            connection.close()


def worker_run(
    *, burst: bool = False, started: Callable[[list[tuple[int, str]]], None] | None = None
) -> None:
    """Run a worker until it is stopped (SIGTERM or Ctrl+C: the running job finishes first), or,
    with ``burst``, until the queue is empty. ``started`` is told what the start-up recovery did."""
    backend = settings.LINGJUN_TASKS
    if backend == "immediate":
        raise ValueError(NO_WORKER_FOR_IMMEDIATE)
    recovered = jobs_recover()
    job_files_sweep(now=timezone.now())  # files past LINGJUN_JOB_FILES_RETENTION_DAYS
    connection.close()
    if started is not None:
        started(recovered)
    stop = threading.Event()
    keeper = threading.Thread(target=_keep, args=(stop,), name="lingjun-job-keeper", daemon=True)
    keeper.start()
    try:
        if backend == "rq":
            _run_rq(burst=burst)
        else:
            _run_database(burst=burst)
    finally:
        stop.set()


def _run_database(*, burst: bool) -> None:
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=[settings.LINGJUN_JOB_QUEUE],
        interval=0.5,
        batch=burst,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=this_worker()[:64],
        excluded_queue_names=[],
    )
    worker.configure_signals()
    worker.run()


def _run_rq(*, burst: bool) -> None:
    import django_rq

    worker = django_rq.get_worker(
        settings.LINGJUN_JOB_QUEUE,
        job_class="django_tasks_rq.backend.Job",
        worker_class="lingjun.apps.jobs.rqworker.JobWorker",
        name=f"lingjun-{this_worker()}-{uuid.uuid4().hex[:6]}",
    )
    worker.work(burst=burst, with_scheduler=False, logging_level="WARNING")
