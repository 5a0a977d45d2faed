"""The public lists: 公示 (the batch's ready applications listed for a number of working days)
and 公告 (after the 公示, with every objection resolved), each published by the publishing app.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from lingjun.apps.accounts.models import User
from lingjun.apps.publishing.models import Notice
from lingjun.apps.publishing.services import NoticeRefused, notice_publish
from lingjun.apps.recognition.flow import TRANSITION
from lingjun.apps.recognition.models import Application, Batch, ProvisionalConfirmation
from lingjun.apps.recognition.services.errors import (
    BATCH_STATUS,
    NOTHING_TO_ANNOUNCE,
    NOTHING_TO_PUBLICIZE,
    OBJECTIONS_OPEN,
    PROVISIONAL_UNCONFIRMED,
    PUBLICITY_NOT_OVER,
    RecognitionError,
)
from lingjun.apps.recognition.services.notify import notify_later
from lingjun.apps.recognition.services.review import unconfirmed
from lingjun.apps.recognition.services.transitions import _bulk_transition_rows
from lingjun.apps.workdays.services import WorkdaysUnknown, workday_period_end

# ----------------------------------------------------------------------------------- 公示


def publicity_end(*, starts_on: date, days: int | None = None) -> date:
    """The last day of a 公示 of ``days`` working days (default LINGJUN_PUBLICITY_WORKDAYS) starting
    on ``starts_on`` (counted from it if it is a working day). Raises the calendar's refusal for a
    year it does not know."""
    days = days or settings.LINGJUN_PUBLICITY_WORKDAYS
    return workday_period_end(start=starts_on, days=days)


def batch_publicity_start(*, batch: Batch, starts_on: date, user: User, days: int | None = None) -> Batch:
    """公示: every application of the batch ready for it (待公示) goes on the list, from ``starts_on``
    for ``days`` working days. Refused while any of them rests on provisional parameters not
    confirmed for it; refused for a year the calendar does not know (its message)."""
    if batch.status not in (Batch.Status.CLOSED, Batch.Status.OPEN):
        raise RecognitionError(
            BATCH_STATUS.format(status=batch.get_status_display(), what="发布公示"), "status"
        )
    ready = batch.applications.filter(phase="ready")
    if not ready.exists():
        raise RecognitionError(NOTHING_TO_PUBLICIZE, "empty")
    missing = unconfirmed(ready, batch)
    if missing.exists():
        names = list(missing.values_list("enterprise__name", flat=True)[:10])
        raise RecognitionError(
            PROVISIONAL_UNCONFIRMED.format(
                items="、".join(i["label"] for i in batch.provisional), names="、".join(names)
            ),
            "provisional",
        )
    try:
        ends_on = publicity_end(starts_on=starts_on, days=days)
    except WorkdaysUnknown as exc:
        raise RecognitionError(str(exc), "workdays_unknown") from exc
    t = TRANSITION["publicize"]
    with transaction.atomic():
        token = uuid.uuid4().hex
        now = timezone.now()
        ready.update(phase="publicity", version=F("version") + 1, changed_at=now, bulk_token=token)
        _bulk_transition_rows(
            token=token,
            t=t,
            user=user,
            comment=f"公示期 {starts_on:%Y-%m-%d} 至 {ends_on:%Y-%m-%d}（{days or settings.LINGJUN_PUBLICITY_WORKDAYS}个工作日）",
            now=now,
        )
        batch.status = Batch.Status.PUBLICITY
        batch.publicity_starts_on, batch.publicity_ends_on = starts_on, ends_on
        batch.save(update_fields=["status", "publicity_starts_on", "publicity_ends_on"])
        _publish(  # refused: nothing of the 公示 is kept
            kind="gongshi",
            title=f"{batch.name}拟入库企业名单公示",
            batch=batch,
            published_on=starts_on,
            ends_on=ends_on,
            entries=_entries(batch.applications.filter(phase="publicity"), batch),
            user=user,
        )
    ids = list(batch.applications.filter(phase="publicity").values_list("enterprise_id", flat=True))
    notify_later(
        enterprise_ids=ids, batch_id=batch.pk, t=t, target="publicity", comment=f"公示期至 {ends_on}"
    )
    return batch


def _entries(applications: QuerySet[Application], batch: Batch) -> list[dict[str, Any]]:
    confirmed = {
        app_id: (username, at)
        for app_id, username, at in ProvisionalConfirmation.objects.filter(
            application__in=applications
        ).values_list("application_id", "username", "at")
    }
    rows = []
    for app_id, name, uscc, town in applications.order_by("enterprise__uscc").values_list(
        "pk", "enterprise__name", "enterprise__uscc", "enterprise__town"
    ):
        row = {"name": name, "uscc": uscc, "town": town or "", "tier": batch.tier}
        if batch.provisional:
            who, at = confirmed.get(app_id, ("", None))
            row["provisional_confirmed"] = f"{who} {timezone.localtime(at):%Y-%m-%d %H:%M}" if at else ""
        rows.append(row)
    return rows


# ----------------------------------------------------------------------------------- 公告, 入库


def batch_announce(*, batch: Batch, user: User, today: date | None = None) -> Batch:
    """公告: after the 公示 period, with every objection resolved, the list is announced."""
    today = today or timezone.localdate()
    if batch.status != Batch.Status.PUBLICITY:
        raise RecognitionError(
            BATCH_STATUS.format(status=batch.get_status_display(), what="发布公告"), "status"
        )
    assert batch.publicity_ends_on is not None
    if today <= batch.publicity_ends_on:
        raise RecognitionError(PUBLICITY_NOT_OVER.format(ends=batch.publicity_ends_on), "publicity")
    open_ = batch.applications.filter(objections__outcome="").distinct()
    if open_.exists():
        names = "、".join(open_.values_list("enterprise__name", flat=True)[:10])
        raise RecognitionError(OBJECTIONS_OPEN.format(names=names), "objections")
    listed = batch.applications.filter(phase="publicity")
    if not listed.exists():
        raise RecognitionError(NOTHING_TO_ANNOUNCE, "empty")
    with transaction.atomic():
        token, now = uuid.uuid4().hex, timezone.now()
        listed.update(phase="announced", version=F("version") + 1, changed_at=now, bulk_token=token)
        _bulk_transition_rows(token=token, t=TRANSITION["announce"], user=user, comment="", now=now)
        batch.status, batch.announced_on = Batch.Status.ANNOUNCED, today
        batch.save(update_fields=["status", "announced_on"])
        _publish(
            kind="gonggao",
            title=f"{batch.name}入库企业名单公告",
            batch=batch,
            published_on=today,
            ends_on=None,
            entries=_entries(batch.applications.filter(phase="announced"), batch),
            user=user,
        )
    return batch


def _publish(
    *,
    kind: str,
    title: str,
    batch: Batch,
    published_on: date,
    ends_on: date | None,
    entries: list[dict[str, Any]],
    user: User,
) -> Notice:
    """The 公示 or 公告 list, stored and published by publishing (its PDF, Excel and public page)."""
    word = "公示" if kind == "gongshi" else "公告"
    try:
        return notice_publish(
            kind=kind,
            title=title,
            document_number=f"武清科技{word}〔{batch.year}〕{batch.pk}号",
            tier=batch.tier,
            published_on=published_on,
            ends_on=ends_on,
            entries=[{k: e[k] for k in ("name", "uscc", "town", "tier")} for e in entries],
            source=f"recognition:{batch.pk}",
            user=user,
        )
    except NoticeRefused as exc:
        raise RecognitionError(f"{word}名单未能发布：{exc}", "notice") from exc
