"""Evaluation runs as background tasks (Django's Tasks API; ``lingjun worker`` executes them)."""

from __future__ import annotations

from django_tasks import task

from lingjun.apps.jobs.services import job_execute


@task()
def evaluation_run_task(*, job_id: int, attempt: int) -> None:
    """Evaluate the run of a job (:func:`lingjun.apps.evaluation.services.evaluation_run_job`)."""
    from lingjun.apps.evaluation.services import evaluation_run_job

    job_execute(job_id=job_id, attempt=attempt, work=evaluation_run_job)
