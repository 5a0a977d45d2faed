"""What an evaluation run does when its job is given up or cancelled before it began."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from lingjun.apps.evaluation.services import evaluation_run_abandoned, evaluation_run_cancelled
from lingjun.apps.jobs.models import Job
from lingjun.apps.jobs.services import job_abandoned, job_cancelled


@receiver(job_abandoned)
def _run_abandoned(sender: Any, job: Job, **kwargs: Any) -> None:
    if job.kind == Job.Kind.EVALUATION and job.subject_id is not None:
        evaluation_run_abandoned(run_pk=job.subject_id, error=job.error)


@receiver(job_cancelled)
def _run_cancelled(sender: Any, job: Job, **kwargs: Any) -> None:
    if job.kind == Job.Kind.EVALUATION and job.subject_id is not None:
        evaluation_run_cancelled(run_pk=job.subject_id)
