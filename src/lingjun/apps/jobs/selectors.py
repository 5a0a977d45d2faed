"""Jobs as the pages read them."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet

from lingjun.apps.accounts.models import User
from lingjun.apps.jobs.models import Job


def jobs_visible_to(user: User) -> QuerySet[Job]:
    """A job's page is its starter's (and a superuser's): an import's errors and an export's file
    hold the dossiers of the starter's jurisdiction."""
    jobs = Job.objects.select_related("user")
    if not (user.is_active and user.is_authenticated):
        return jobs.none()
    return jobs if user.is_superuser else jobs.filter(user=user)


def jobs_dir() -> Path:
    """Where jobs keep their files: uploads waiting to be imported, exports to download."""
    path = Path(settings.LINGJUN_HOME) / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_file(job: Job) -> Path | None:
    """The file a finished job wrote (an export), ``None`` when it has none or it is gone."""
    name = (job.result or {}).get("file")
    if job.status != Job.Status.DONE or not name:
        return None
    path = jobs_dir() / Path(name).name
    return path if path.exists() else None
