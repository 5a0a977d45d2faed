"""The files jobs keep under LINGJUN_HOME/jobs are deleted after LINGJUN_JOB_FILES_RETENTION_DAYS
(at every worker start), except those of jobs still waiting or running."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lingjun.apps.jobs import worker
from lingjun.apps.jobs.models import Job
from lingjun.apps.jobs.selectors import jobs_dir
from lingjun.apps.jobs.services import job_files_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def home(tmp_path, settings) -> None:
    settings.LINGJUN_HOME = tmp_path
    settings.LINGJUN_JOB_FILES_RETENTION_DAYS = 7


def _file(name: str, days_old: float) -> Path:
    path = jobs_dir() / name
    path.write_text("x")
    stamp = (timezone.now() - timedelta(days=days_old)).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def test_files_past_the_retention_are_deleted_but_not_those_of_waiting_or_running_jobs(make_user):
    user = make_user("district_staff")
    done = Job.objects.create(kind="export", user=user, status="done", result={"file": "export-1.xlsx"})
    running = Job.objects.create(kind="export", user=user, status="running", params={"format": "xlsx"})
    waiting = Job.objects.create(
        kind="import", user=user, status="queued", params={"stored": "upload-waiting.jsonl"}
    )
    old_export = _file(f"export-{done.pk}.xlsx", 8)
    old_upload = _file("upload-abandoned.xlsx", 30)
    killed_part = _file(f"export-{done.pk}.xlsx.4242.part", 10)
    running_part = _file(f"export-{running.pk}.xlsx.4343.part", 8)  # a long export: still writing
    waiting_upload = _file("upload-waiting.jsonl", 8)
    fresh = _file("export-999.jsonl", 6.9)
    removed = job_files_sweep(now=timezone.now())
    assert sorted(removed) == sorted([old_export, old_upload, killed_part])
    assert sorted(p.name for p in jobs_dir().iterdir()) == sorted(
        [running_part.name, waiting_upload.name, fresh.name]
    )
    assert waiting.status == "queued"


def test_retention_zero_keeps_everything(settings):
    settings.LINGJUN_JOB_FILES_RETENTION_DAYS = 0
    old = _file("export-1.xlsx", 400)
    assert job_files_sweep(now=timezone.now()) == [] and old.exists()


def test_a_worker_sweeps_when_it_starts(settings, monkeypatch):
    settings.LINGJUN_TASKS = "database"
    old = _file("export-1.xlsx", 8)
    monkeypatch.setattr(worker, "_run_database", lambda *, burst: None)  # start, then stop at once
    worker.worker_run(burst=True)
    assert not old.exists()


def test_the_job_page_says_when_the_export_file_is_gone(make_user):
    user = make_user("district_staff")
    job = Job.objects.create(kind="export", user=user, status="done")
    Job.objects.filter(pk=job.pk).update(
        result={"file": f"export-{job.pk}.jsonl", "download_name": "企业档案.jsonl", "count": 3}
    )
    client = Client()
    client.force_login(user)
    _file(f"export-{job.pk}.jsonl", 0)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert 'id="download"' in page and 'id="file-gone"' not in page
    (jobs_dir() / f"export-{job.pk}.jsonl").unlink()
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert 'id="download"' not in page and "已超过保留期限（7天）被删除" in page
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404
