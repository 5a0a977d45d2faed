"""The page of a background job (后台任务): progress while it runs (htmx polling), then its result:
an import's counts or its error list, an export's file, an evaluation's run."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from lingjun.apps.accounts.permissions import request_user, requires
from lingjun.apps.jobs.models import Job
from lingjun.apps.jobs.selectors import job_file, jobs_visible_to
from lingjun.apps.jobs.services import job_cancel


def _job(request: HttpRequest, job_pk: int) -> Job:
    """The job, if it is the user's (another's is a 404, as if it did not exist)."""
    return get_object_or_404(jobs_visible_to(request_user(request)), pk=job_pk)


def _context(job: Job) -> dict[str, object]:
    return {
        "job": job,
        "errors": (job.result or {}).get("errors") or [],
        # an export's file is deleted after LINGJUN_JOB_FILES_RETENTION_DAYS
        "file_kept": job_file(job) is not None,
        "retention_days": settings.LINGJUN_JOB_FILES_RETENTION_DAYS,
    }


# every role may follow the jobs it started itself (jobs_visible_to): "home.view" is everybody's


@requires("home.view")
def job_detail(request: HttpRequest, job_pk: int) -> HttpResponse:
    job = _job(request, job_pk)
    if job.kind == Job.Kind.EVALUATION and job.subject_id is not None:
        return redirect("evaluation:run_detail", run_pk=job.subject_id)
    return render(request, "jobs/job_detail.html", _context(job))


@requires("home.view")
def job_status(request: HttpRequest, job_pk: int) -> HttpResponse:
    """Progress of a job not over yet (polled by htmx); once it is over, the page reloads itself."""
    job = _job(request, job_pk)
    if job.over:
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    return render(request, "jobs/_progress.html", _context(job))


@requires(post="home.view")
def job_cancel_view(request: HttpRequest, job_pk: int) -> HttpResponse:
    job_cancel(job=_job(request, job_pk))
    return redirect("jobs:detail", job_pk=job_pk)


@requires("home.view")
def job_download(request: HttpRequest, job_pk: int) -> FileResponse:
    """The file an export job wrote."""
    job = _job(request, job_pk)
    path = job_file(job)
    if path is None:
        raise Http404
    name = (job.result or {}).get("download_name") or path.name
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)
