"""Membership's background tasks (Django's Tasks API; ``lingjun worker`` executes them)."""

from __future__ import annotations

from django_tasks import task

from lingjun.apps.jobs.services import job_execute


@task()
def membership_sweep_task(*, job_id: int, attempt: int) -> None:
    """The daily exit check (:func:`lingjun.apps.membership.services.memberships_sweep_job`)."""
    from lingjun.apps.membership.services import memberships_sweep_job

    job_execute(job_id=job_id, attempt=attempt, work=memberships_sweep_job)


@task()
def pool_review_task(*, job_id: int, attempt: int) -> None:
    """Re-evaluate the pool (:func:`lingjun.apps.membership.services.pool_review_job`)."""
    from lingjun.apps.membership.services import pool_review_job

    job_execute(job_id=job_id, attempt=attempt, work=pool_review_job)
