"""Evidence storage: an uploaded file (application materials, a site-visit report, an objection's
sealed letter) kept under ``LINGJUN_HOME/recognition/evidence``, bounded in size and of known types,
with its SHA-256.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from lingjun.apps.accounts.models import User
from lingjun.apps.recognition.models import Application, Evidence
from lingjun.apps.recognition.services.errors import FILE_EMPTY, FILE_TOO_BIG, FILE_TYPE, RecognitionError

ALLOWED_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".xls", ".xlsx", ".zip", ".ofd", ".txt"}


def evidence_dir() -> Path:
    path = Path(settings.LINGJUN_HOME) / "recognition" / "evidence"
    path.mkdir(parents=True, exist_ok=True)
    return path


def evidence_store(
    *,
    application: Application,
    upload: UploadedFile,
    kind: str = Evidence.Kind.APPLICATION,
    user: User | None,
) -> Evidence:
    """Keep an uploaded file under ``LINGJUN_HOME/recognition/evidence`` (bounded size, known types)."""
    name = Path(upload.name or "file").name[:200]
    limit = settings.LINGJUN_EVIDENCE_MAX_MB
    size = upload.size or 0
    if size > limit * 1024 * 1024:
        raise RecognitionError(
            FILE_TOO_BIG.format(name=name, size=size / 1024 / 1024, limit=limit), "too_big"
        )
    if size == 0:
        raise RecognitionError(FILE_EMPTY.format(name=name), "empty")
    if Path(name).suffix.lower() not in ALLOWED_SUFFIXES:
        raise RecognitionError(FILE_TYPE.format(name=name), "file_type")
    digest = hashlib.sha256()
    stored = f"{application.pk}-{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    with open(evidence_dir() / stored, "wb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            out.write(chunk)
    return Evidence.objects.create(
        application=application,
        kind=kind,
        name=name,
        stored=stored,
        size=size,
        sha256=digest.hexdigest(),
        uploaded_by=user,
    )


def evidence_path(evidence: Evidence) -> Path:
    return evidence_dir() / evidence.stored
