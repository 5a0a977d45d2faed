"""Messages to the enterprises about their applications (through the notifications app): one
application's move at once (:func:`notify_enterprises`), a bulk action's many after its transaction
commits, by a background task (:func:`notify_later`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction

from lingjun.apps.accounts.models import Role, User
from lingjun.apps.notifications.services import notification_send
from lingjun.apps.recognition.flow import TransitionDef, phase_name
from lingjun.apps.recognition.models import Batch


def _enterprise_users(enterprise_ids: Iterable[int]) -> list[User]:
    return list(
        User.objects.filter(role=Role.ENTERPRISE, enterprise_id__in=list(enterprise_ids), is_active=True)
    )


def notify_enterprises(
    *, enterprise_ids: Sequence[int], batch: Batch, t: TransitionDef, target: str, comment: str
) -> int:
    """Tell the enterprises' users (in the app and by e-mail) where their application is now."""
    users = _enterprise_users(enterprise_ids)
    if not users:
        return 0
    subject = f"【评价认定】{batch.name}：{t.label}"
    body = f"您的申报（{batch.name}）现处于“{phase_name(target)}”环节。"
    if comment.strip():
        body += f"\n意见：{comment.strip()}"
    return notification_send(
        users=users, subject=subject, body=body, url="/recognition/mine/", kind="recognition"
    )


def notify_later(
    *, enterprise_ids: list[int], batch_id: int, t: TransitionDef, target: str, comment: str
) -> None:
    """The same messages as :func:`notify_enterprises`, for many enterprises at once: sent by a
    background task once the action's transaction commits (thousands of e-mails would keep the
    page waiting); with the immediate task backend (tests) at once."""
    from django.utils.module_loading import import_string

    task = import_string("lingjun.apps.recognition.tasks.recognition_notify_task")
    kwargs = {
        "enterprise_ids": enterprise_ids,
        "batch_id": batch_id,
        "code": t.code,
        "target": target,
        "comment": comment.strip(),
    }
    transaction.on_commit(lambda: task.enqueue(**kwargs))
