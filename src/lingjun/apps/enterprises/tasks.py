"""Imports and exports of dossiers as background tasks (``lingjun worker`` executes them)."""

from __future__ import annotations

from django_tasks import task

from lingjun.apps.jobs.services import job_execute


@task()
def enterprises_import_task(*, job_id: int, attempt: int) -> None:
    from lingjun.apps.enterprises.jobs import enterprises_import_job

    job_execute(job_id=job_id, attempt=attempt, work=enterprises_import_job)


@task()
def dossiers_export_task(*, job_id: int, attempt: int) -> None:
    from lingjun.apps.enterprises.jobs import dossiers_export_job

    job_execute(job_id=job_id, attempt=attempt, work=dossiers_export_job)
