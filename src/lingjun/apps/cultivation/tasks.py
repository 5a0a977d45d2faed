"""Cultivation's background tasks (Django's Tasks API; ``lingjun worker`` executes them)."""

from __future__ import annotations

from django_tasks import task

from lingjun.apps.jobs.services import job_execute


@task()
def gaps_refresh_task(*, job_id: int, attempt: int) -> None:
    """Recompute the pool's gap lists (:func:`lingjun.apps.cultivation.services.gaps_refresh_job`)."""
    from lingjun.apps.cultivation.services import gaps_refresh_job

    job_execute(job_id=job_id, attempt=attempt, work=gaps_refresh_job)
