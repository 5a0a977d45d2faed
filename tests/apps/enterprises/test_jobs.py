"""Imports and exports as background jobs: the upload is stored, the job validates and applies it
all or nothing, the job page shows the counts or every error; an export job writes the file the
job page offers. Jobs run at once here (the tests' immediate backend)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from tests.factories import TODAY, build_dossier

from lingjun.apps.enterprises.jobs import (
    dossiers_export_enqueue,
    dossiers_export_job,
    enterprises_import_enqueue,
)
from lingjun.apps.enterprises.models import Enterprise, ImportBatch
from lingjun.apps.jobs.models import Job
from lingjun.apps.jobs.selectors import jobs_dir
from lingjun.apps.jobs.services import job_claim, job_create
from lingjun.dossier.jsonl import dossier_json, read_jsonl, write_jsonl

MB = 1024 * 1024
pytestmark = pytest.mark.django_db(transaction=True)  # jobs are enqueued when the transaction commits


@pytest.fixture(autouse=True)
def home(tmp_path, settings) -> None:
    settings.LINGJUN_HOME = tmp_path


def _jsonl(dossiers: list[dict[str, Any]]) -> io.BytesIO:
    out = io.BytesIO()
    write_jsonl(dossiers, out)
    out.seek(0)
    return out


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_import_job_applies_the_stored_upload_and_its_page_shows_the_counts(pool, make_user):
    staff = make_user("district_staff")
    job = enterprises_import_enqueue(
        source=_jsonl([build_dossier(11), build_dossier(1)]), file_name="新企业.jsonl", user=staff
    )
    job.refresh_from_db()
    assert (job.kind, job.status, job.user) == (Job.Kind.IMPORT, Job.Status.DONE, staff)
    assert job.result["created"] == 1 and job.result["unchanged"] + job.result["updated"] == 1
    assert Enterprise.objects.filter(uscc=build_dossier(11)["uscc"]).exists()
    assert list(jobs_dir().iterdir()) == []  # the upload is removed once imported
    page = _client(staff).get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "“新企业.jsonl”导入成功" in page and "新建 1 家" in page and 'id="progress"' not in page


def test_a_refused_import_job_stores_nothing_and_lists_every_error(pool, make_user):
    staff = make_user("district_staff")
    bad = build_dossier(7)
    bad["annual"][0]["operating_revenue"] = "-100"
    source = io.BytesIO("\n".join([dossier_json(build_dossier(6)), dossier_json(bad)]).encode("utf-8"))
    before = Enterprise.objects.count()
    job = enterprises_import_enqueue(source=source, file_name="坏文件.jsonl", user=staff)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "已整体拒绝导入" in job.error
    assert Enterprise.objects.count() == before
    assert ImportBatch.objects.get(pk=job.result["batch"]).status == ImportBatch.Status.REFUSED
    assert job.result["error_count"] == len(job.result["errors"]) >= 1
    page = _client(staff).get(reverse("jobs:detail", args=[job.pk])).content.decode()
    table = page[page.index('id="import-errors"') :].split("</table>")[0]
    assert "annual[0].operating_revenue" in table and "金额不能为负数" in table


def test_an_unsupported_upload_is_refused_before_anything_is_stored(pool, make_user):
    with pytest.raises(ValueError, match="不支持的文件格式"):
        enterprises_import_enqueue(
            source=io.BytesIO(b"x"), file_name="档案.csv", user=make_user("district_staff")
        )
    assert not Job.objects.exists() and list(jobs_dir().iterdir()) == []


def test_a_file_past_the_limits_is_refused_before_it_is_stored_or_queued(pool, make_user, settings):
    """Issue #12: the upload was stored for the job and only then checked. Now the limits (rows
    of a .jsonl here, an .xlsx's unzipped size below) are checked first: no job, no file kept,
    the refused batch records where."""
    from tests.hostile_files import book, row

    from lingjun.apps.enterprises.services import ImportRefused

    staff = make_user("district_staff")
    settings.LINGJUN_IMPORT_MAX_ROWS = 2
    lines = _jsonl([build_dossier(11), build_dossier(12), build_dossier(13)])
    with pytest.raises(ImportRefused) as refused:
        enterprises_import_enqueue(source=lines, file_name="三行.jsonl", user=staff)
    [error] = refused.value.errors
    assert (error.sheet, error.row, error.code) == ("三行.jsonl", 3, "too_many_rows")
    assert "行数超过上限（2行）" in error.message
    settings.LINGJUN_IMPORT_MAX_UNZIPPED_MB = 1
    bomb = book(rows=row(3, '<c r="B3" t="inlineStr"><is><t>甲</t></is></c>'), zeros=3 * MB)
    with pytest.raises(ImportRefused) as refused:
        enterprises_import_enqueue(source=bomb, file_name="炸弹.xlsx", user=staff)
    assert [e.code for e in refused.value.errors] == ["unzipped_too_large"]
    assert not Job.objects.exists() and list(jobs_dir().iterdir()) == []
    batches = ImportBatch.objects.order_by("pk")
    assert [(b.file_name, b.status, b.error_count) for b in batches] == [
        ("三行.jsonl", ImportBatch.Status.REFUSED, 1),
        ("炸弹.xlsx", ImportBatch.Status.REFUSED, 1),
    ]


def test_a_large_upload_past_the_limits_is_refused_on_the_page_without_a_job(
    pool, make_user, monkeypatch, settings
):
    from lingjun.apps.enterprises import views

    monkeypatch.setattr(views, "IMPORT_IN_REQUEST_BYTES", 10)  # every upload counts as large
    settings.LINGJUN_IMPORT_MAX_ROWS = 1
    client = _client(make_user("district_staff"))
    upload = _jsonl([build_dossier(11), build_dossier(12)])
    upload.name = "两行.jsonl"
    page = client.post(reverse("enterprises:transfer"), {"file": upload})
    assert page.status_code == 200
    text = page.content.decode()
    assert "已整体拒绝导入" in text and "行数超过上限（1行）" in text
    assert not Job.objects.exists() and list(jobs_dir().iterdir()) == []
    assert not Enterprise.objects.filter(uscc=build_dossier(11)["uscc"]).exists()


def test_an_export_job_writes_what_its_user_may_see_and_only_they_download_it(pool, make_user):
    officer = make_user("town_officer", town="梅厂镇")
    job = dossiers_export_enqueue(user=officer, fmt="jsonl")
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.result["count"] == 1
    client = _client(officer)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "已导出 1 家企业档案" in page and reverse("jobs:download", args=[job.pk]) in page
    response = client.get(reverse("jobs:download", args=[job.pk]))
    parsed = read_jsonl(io.BytesIO(b"".join(response.streaming_content)), today=TODAY, name="x.jsonl")
    assert [d["town"] for d in parsed.dossiers] == ["梅厂镇"]
    assert "attachment" in response["Content-Disposition"]
    other = _client(make_user("district_staff"))  # another user: no such page
    assert other.get(reverse("jobs:detail", args=[job.pk])).status_code == 404
    assert other.get(reverse("jobs:download", args=[job.pk])).status_code == 404


def test_a_waiting_job_shows_its_progress_and_can_be_cancelled(pool, make_user, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    staff = make_user("district_staff")
    job = dossiers_export_enqueue(user=staff, fmt="xlsx")
    client = _client(staff)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert 'id="progress"' in page and reverse("jobs:status", args=[job.pk]) in page and "排队中" in page
    assert client.post(reverse("jobs:cancel", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert client.get(reverse("jobs:status", args=[job.pk]))["HX-Refresh"] == "true"
    assert "任务已取消" in client.get(reverse("jobs:detail", args=[job.pk])).content.decode()


def test_an_export_job_writes_nothing_when_cancelled_before_writing(pool, make_user):
    staff = make_user("district_staff")
    job = job_create(kind=Job.Kind.EXPORT, user=staff, params={"format": "jsonl"})
    claimed = job_claim(job_id=job.pk, attempt=1)
    assert claimed is not None
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    from lingjun.apps.jobs.services import JobCancelled

    with pytest.raises(JobCancelled):
        dossiers_export_job(claimed)
    assert list(jobs_dir().iterdir()) == []


def test_a_large_upload_on_the_transfer_page_becomes_a_job_whose_page_shows_the_result(
    pool, make_user, monkeypatch
):
    from lingjun.apps.enterprises import views

    monkeypatch.setattr(views, "IMPORT_IN_REQUEST_BYTES", 10)  # every upload counts as large
    staff = make_user("district_staff")
    client = _client(staff)
    upload = io.BytesIO(dossier_json(build_dossier(12)).encode("utf-8"))
    upload.name = "大文件.jsonl"
    response = client.post(reverse("enterprises:transfer"), {"file": upload})
    job = Job.objects.get(kind=Job.Kind.IMPORT)
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.status == Job.Status.DONE and job.user == staff
    assert Enterprise.objects.filter(uscc=build_dossier(12)["uscc"]).exists()
    assert "“大文件.jsonl”导入成功" in client.get(response["Location"]).content.decode()
    bad = io.BytesIO(b"x")
    bad.name = "档案.csv"
    page = client.post(reverse("enterprises:transfer"), {"file": bad})
    assert page.status_code == 200 and Job.objects.count() == 1


def test_a_large_export_becomes_a_job(pool, make_user, monkeypatch):
    from lingjun.apps.enterprises import views

    monkeypatch.setattr(views, "EXPORT_IN_REQUEST", 1)
    staff = make_user("district_staff")
    response = _client(staff).get(reverse("enterprises:export", args=["xlsx"]))
    job = Job.objects.get(kind=Job.Kind.EXPORT)
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.status == Job.Status.DONE and job.result["count"] == 3
    assert job.result["download_name"].endswith(".xlsx")
