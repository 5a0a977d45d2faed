"""Funds jobs as background tasks (``lingjun worker`` executes them)."""

from __future__ import annotations

from django_tasks import task

from lingjun.apps.jobs.services import job_execute


@task()
def proposals_refresh_task(*, job_id: int, attempt: int) -> None:
    """Refresh the 免申即享 proposals (:func:`lingjun.apps.funds.services.proposals_job`)."""
    from lingjun.apps.funds.services import proposals_job

    job_execute(job_id=job_id, attempt=attempt, work=proposals_job)
