"""The page of a background job (后台任务): progress while it runs (htmx polling), then its result:
an import's counts or its error list, an export's file, an evaluation's run."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from lingjun.apps.accounts.models import User
from lingjun.apps.jobs.models import Job
from lingjun.apps.jobs.selectors import job_file, jobs_visible_to
from lingjun.apps.jobs.services import job_cancel


def _job(request: HttpRequest, pk: int) -> Job:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return get_object_or_404(jobs_visible_to(user), pk=pk)


def _context(job: Job) -> dict[str, object]:
    return {"job": job, "errors": (job.result or {}).get("errors") or []}


@login_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    if job.kind == Job.Kind.EVALUATION and job.subject_id is not None:
        return redirect("evaluation:run_detail", run_pk=job.subject_id)
    return render(request, "jobs/job_detail.html", _context(job))


@login_required
@require_GET
def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress of a job not over yet (polled by htmx); once it is over, the page reloads itself."""
    job = _job(request, pk)
    if job.over:
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    return render(request, "jobs/_progress.html", _context(job))


@login_required
@require_POST
def job_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    job_cancel(job=_job(request, pk))
    return redirect("jobs:detail", pk=pk)


@login_required
@require_GET
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    """The file an export job wrote."""
    job = _job(request, pk)
    path = job_file(job)
    if path is None:
        raise Http404
    name = (job.result or {}).get("download_name") or path.name
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)
