"""What a re-evaluation (复核) does when its job is given up (worker died twice) or cancelled."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from lingjun.apps.jobs.models import Job
from lingjun.apps.jobs.services import job_abandoned, job_cancelled
from lingjun.apps.membership.services import REVIEW_JOB, pool_review_stopped


@receiver(job_abandoned)
def _review_abandoned(sender: Any, job: Job, **kwargs: Any) -> None:
    if job.kind == REVIEW_JOB and job.subject_id is not None:
        pool_review_stopped(review_pk=job.subject_id, error=job.error)


@receiver(job_cancelled)
def _review_cancelled(sender: Any, job: Job, **kwargs: Any) -> None:
    if job.kind == REVIEW_JOB and job.subject_id is not None:
        pool_review_stopped(review_pk=job.subject_id, error="已取消")
