"""Large imports and exports of dossiers as background jobs.

An upload is first stored under ``LINGJUN_HOME/jobs/``; the job then validates the whole file and
applies it all-or-nothing (:func:`enterprises_import_file`), and its result is the batch's counts
or the refused file's error list. An export job writes the dossiers the user may see to
``LINGJUN_HOME/jobs/`` and its result is the file to download. A job whose worker dies is retried
(the upload stays until the import is over); an import applied twice changes nothing the second
time (dossiers are matched by USCC), an export is written anew.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext_noop

from lingjun.apps.accounts.models import User
from lingjun.apps.jobs.models import Job
from lingjun.apps.jobs.selectors import jobs_dir
from lingjun.apps.jobs.services import job_create, job_enqueue, job_step

#: imports shows this many errors of a refused file (the batch keeps 1000)
JOB_ERRORS_KEPT = 500
IMPORT_FORMATS = (".jsonl", ".xlsx")
EXPORT_FORMATS = ("jsonl", "xlsx")
UNSUPPORTED_IMPORT = "不支持的文件格式“{suffix}”：请上传 .jsonl 或 .xlsx 档案文件。"
UNSUPPORTED_EXPORT = "不支持的导出格式“{fmt}”：可选 jsonl、xlsx。"
STEP_IMPORTING = gettext_noop("正在校验并导入档案")
STEP_READING = gettext_noop("正在读取企业档案")
STEP_WRITING = gettext_noop("正在写入导出文件")


# ------------------------------------------------------------------------------------- import


def enterprises_import_enqueue(*, source: IO[bytes], file_name: str, user: User | None) -> Job:
    """Screen an uploaded dossier file, store it and queue its import (:func:`enterprises_import_job`).

    Raises ``ValueError`` for a format that cannot be imported and
    :class:`~lingjun.apps.enterprises.services.ImportRefused` for a file past one of the import
    limits (size, an .xlsx's unzipped size, rows, cells; a .jsonl's lines): both before
    anything is stored or queued.
    """
    from lingjun.apps.enterprises.services import enterprises_import_screen

    suffix = Path(file_name).suffix.lower()
    if suffix not in IMPORT_FORMATS:
        raise ValueError(UNSUPPORTED_IMPORT.format(suffix=suffix or file_name))
    enterprises_import_screen(source=source, file_name=Path(file_name).name, user=user)
    stored = jobs_dir() / f"upload-{uuid.uuid4().hex}{suffix}"
    try:
        with stored.open("wb") as out:
            for chunk in iter(lambda: source.read(1024 * 1024), b""):
                out.write(chunk)
    except BaseException:
        stored.unlink(missing_ok=True)
        raise
    job = job_create(
        kind=Job.Kind.IMPORT, user=user, params={"file_name": Path(file_name).name, "stored": stored.name}
    )
    job_enqueue(job=job, task_path="lingjun.apps.enterprises.tasks.enterprises_import_task")
    return job


class ImportJobRefused(Exception):
    """A refused import as a job's failure: the message, and the error list as its result."""

    def __init__(self, message: str, job_result: dict[str, Any]) -> None:
        super().__init__(message)
        self.job_result = job_result


def enterprises_import_job(job: Job) -> dict[str, Any]:
    """Validate and apply a stored upload, all or nothing; the result has the batch's counts."""
    from lingjun.apps.enterprises.services import ImportRefused, enterprises_import_file

    stored = jobs_dir() / Path(job.params["stored"]).name
    job_step(job=job, progress=0.1, step=STEP_IMPORTING)
    try:
        batch = enterprises_import_file(
            source=stored, file_name=job.params["file_name"], user=job.user, today=timezone.localdate()
        )
    except ImportRefused as refused:
        stored.unlink(missing_ok=True)
        errors = [
            {
                "sheet": e.sheet,
                "row": e.row,
                "column": e.column,
                "label": e.label or e.field,
                "value": "" if e.value is None else str(e.value),
                "message": e.message,
            }
            for e in refused.errors[:JOB_ERRORS_KEPT]
        ]
        raise ImportJobRefused(
            str(refused), {"batch": refused.batch.pk, "error_count": len(refused.errors), "errors": errors}
        ) from None
    stored.unlink(missing_ok=True)
    return {
        "batch": batch.pk,
        "file_name": batch.file_name,
        "created": batch.created,
        "updated": batch.updated,
        "unchanged": batch.unchanged,
    }


# ------------------------------------------------------------------------------------- export


def dossiers_export_enqueue(*, user: User, fmt: str) -> Job:
    """Queue an export of every dossier ``user`` may see (:func:`dossiers_export_job`)."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(UNSUPPORTED_EXPORT.format(fmt=fmt))
    job = job_create(kind=Job.Kind.EXPORT, user=user, params={"format": fmt})
    job_enqueue(job=job, task_path="lingjun.apps.enterprises.tasks.dossiers_export_task")
    return job


def dossiers_export_job(job: Job) -> dict[str, Any]:
    """Write the export file; the result names it and counts the dossiers."""
    from lingjun.apps.divisions.selectors import division_names
    from lingjun.apps.enterprises.selectors import dossiers_export
    from lingjun.dossier.excel import write_workbook
    from lingjun.dossier.jsonl import write_jsonl

    assert job.user is not None  # an export is of what its user may see
    fmt = job.params["format"]
    job_step(job=job, progress=0.1, step=STEP_READING)
    dossiers = dossiers_export(user=job.user)
    job_step(job=job, progress=0.5, step=STEP_WRITING)
    path = jobs_dir() / f"export-{job.pk}.{fmt}"
    part = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        if fmt == "xlsx":
            write_workbook(dossiers, part, towns=division_names() or None)
        else:
            write_jsonl(dossiers, part)
        job_step(job=job, progress=0.95, step=STEP_WRITING)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d")
    return {"file": path.name, "download_name": f"企业档案_{stamp}.{fmt}", "count": len(dossiers)}
