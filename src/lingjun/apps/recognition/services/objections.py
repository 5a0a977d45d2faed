"""Objections (异议) during the 公示: recorded (a unit with its sealed letter, a person with their
real name and a valid resident ID number, GB 11643) and resolved (upheld: the application leaves
the list; dismissed: back on it).
"""

from __future__ import annotations

import re
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from lingjun.apps.accounts.models import User
from lingjun.apps.recognition.models import Application, Evidence, Objection
from lingjun.apps.recognition.services.errors import (
    OBJECTION_EARLY,
    OBJECTION_FIELDS,
    OBJECTION_LATE,
    OBJECTION_NOT_IN_PUBLICITY,
    OBJECTION_OUTCOME,
    OBJECTION_PERSON_ID,
    OBJECTION_PERSON_NAME,
    OBJECTION_RESOLVED,
    OBJECTION_UNIT_SEAL,
    RecognitionError,
)
from lingjun.apps.recognition.services.files import evidence_store
from lingjun.apps.recognition.services.transitions import application_transition

# ------------------------------------------------------------------------- ID numbers (GB 11643)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^[1-9]\d{16}[\dX]$")


def id_number_valid(value: str) -> bool:
    """Whether ``value`` is an 18-digit resident ID number (居民身份证号码) by GB 11643-1999:
    seventeen digits (address code, a real birth date, sequence) and the ISO 7064 MOD 11-2 check
    character (0-9 or X; a lower-case x is accepted)."""
    value = (value or "").strip().upper()
    if not _ID_SHAPE.match(value):
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


def objection_file(
    *,
    application: Application,
    kind: str,
    name: str,
    contact: str,
    content: str,
    received_on: date,
    user: User,
    id_number: str = "",
    document: UploadedFile | None = None,
) -> Objection:
    """Record an objection to an application on the 公示 list; the application goes to 异议处理."""
    batch = application.batch
    if application.phase not in ("publicity", "objection") or batch.publicity_ends_on is None:
        raise RecognitionError(OBJECTION_NOT_IN_PUBLICITY, "not_in_publicity")
    if received_on > batch.publicity_ends_on:
        raise RecognitionError(
            OBJECTION_LATE.format(ends=batch.publicity_ends_on, received=received_on), "late"
        )
    if batch.publicity_starts_on and received_on < batch.publicity_starts_on:
        raise RecognitionError(
            OBJECTION_EARLY.format(starts=batch.publicity_starts_on, received=received_on), "early"
        )
    if not contact.strip() or not content.strip():
        raise RecognitionError(OBJECTION_FIELDS, "fields")
    if kind == Objection.Kind.UNIT:
        if document is None:
            raise RecognitionError(OBJECTION_UNIT_SEAL, "seal")
        if not name.strip():
            raise RecognitionError("请填写提出异议的单位名称。", "name")
    elif kind == Objection.Kind.PERSON:
        if not (2 <= len(name.strip()) <= 30):
            raise RecognitionError(OBJECTION_PERSON_NAME, "name")
        if not id_number_valid(id_number):
            raise RecognitionError(OBJECTION_PERSON_ID.format(value=id_number), "id_number")
    else:
        raise RecognitionError("请选择异议提出方（单位或个人）。", "kind")
    with transaction.atomic():
        stored = (
            evidence_store(application=application, upload=document, kind=Evidence.Kind.OBJECTION, user=user)
            if document is not None
            else None
        )
        objection = Objection.objects.create(
            application=application,
            kind=kind,
            name=name.strip(),
            id_number=id_number.strip().upper() if kind == Objection.Kind.PERSON else "",
            contact=contact.strip(),
            content=content.strip(),
            document=stored,
            received_on=received_on,
            recorded_by=user,
        )
        if application.phase == "publicity":
            application_transition(
                application=application,
                transition="object",
                user=None,
                comment=f"收到{objection.get_kind_display()}异议（异议人信息仅工作人员可见）",
                evidence=stored,
                expected_phase="publicity",
            )
    return objection


def objection_resolve(*, objection: Objection, outcome: str, note: str, user: User) -> Objection:
    """Record the outcome of an objection. Upheld: the application leaves the list (未通过).
    Dismissed, and no other objection open: back on the 公示 list."""
    if objection.outcome:
        raise RecognitionError(OBJECTION_RESOLVED.format(outcome=objection.get_outcome_display()), "resolved")
    if outcome not in (Objection.Outcome.DISMISSED, Objection.Outcome.UPHELD) or not note.strip():
        raise RecognitionError(OBJECTION_OUTCOME, "outcome")
    with transaction.atomic():
        done = Objection.objects.filter(pk=objection.pk, outcome="").update(
            outcome=outcome, outcome_note=note.strip(), resolved_by=user, resolved_at=timezone.now()
        )
        if done != 1:
            raise RecognitionError(OBJECTION_RESOLVED.format(outcome="已处理"), "resolved")
        objection.refresh_from_db()
        application = objection.application
        if application.phase == "objection":
            if outcome == Objection.Outcome.UPHELD:
                application_transition(
                    application=application,
                    transition="objection_upheld",
                    user=user,
                    comment=note,
                    expected_phase="objection",
                )
            elif not application.objections.filter(outcome="").exists():
                application_transition(
                    application=application,
                    transition="objection_dismissed",
                    user=user,
                    comment=note,
                    expected_phase="objection",
                )
    return objection
