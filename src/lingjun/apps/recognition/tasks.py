"""Recognition's background tasks (Django's Tasks API; ``lingjun worker`` executes them)."""

from __future__ import annotations

from django_tasks import task


@task()
def recognition_notify_task(
    *, enterprise_ids: list[int], batch_id: int, code: str, target: str, comment: str
) -> int:
    """Tell the users of many enterprises where their applications are now (a bulk action's
    messages and e-mails, sent outside the request that took it)."""
    from lingjun.apps.recognition.flow import TRANSITION
    from lingjun.apps.recognition.models import Batch
    from lingjun.apps.recognition.services import notify_enterprises

    batch = Batch.objects.get(pk=batch_id)
    return notify_enterprises(
        enterprise_ids=enterprise_ids, batch=batch, t=TRANSITION[code], target=target, comment=comment
    )
