"""The district's review: the officer's checklist (their own value per criterion, with a reason
where it differs from the engine's) and the confirmation, application by application, of the
provisional (暂定) parameters its batch's policy rests on, without which the 公示 is refused.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from lingjun.apps.accounts.models import User
from lingjun.apps.recognition.flow import phase_name
from lingjun.apps.recognition.models import Application, Batch, ChecklistItem, ProvisionalConfirmation
from lingjun.apps.recognition.services.errors import (
    BAD_OUTCOME,
    CHECKLIST_REASON,
    WRONG_PHASE,
    RecognitionError,
)
from lingjun.apps.recognition.services.transitions import _holder_name

# ------------------------------------------------------------------------------ the checklist

OUTCOME_WORDS = {"pass": "符合", "fail": "不符合", "unknown": "需补充材料"}


def checklist_item_set(*, item: ChecklistItem, result: str, reason: str, user: User) -> ChecklistItem:
    """The officer's own value for one criterion; a value other than the engine's needs a reason."""
    if result not in OUTCOME_WORDS and result != "":
        raise RecognitionError(BAD_OUTCOME, "outcome")
    if item.application.phase != "district_review":
        raise RecognitionError(
            WRONG_PHASE.format(phase=phase_name(item.application.phase), action="修改审查清单"), "phase"
        )
    if result and result != item.engine_result and not reason.strip():
        raise RecognitionError(CHECKLIST_REASON, "reason")
    item.officer_result, item.reason = result, reason.strip()
    item.decided_by, item.decided_at = user, timezone.now()
    item.save(update_fields=["officer_result", "reason", "decided_by", "decided_at"])
    return item


# ---------------------------------------------------------------------------- provisional gate


def provisional_confirm(*, application: Application, user: User, note: str = "") -> ProvisionalConfirmation:
    """An officer confirms, for this one application, every provisional item of its batch's policy."""
    items = application.batch.provisional or []
    if not items:
        raise RecognitionError("本批次适用的政策没有暂定参数，无需确认。", "nothing")
    return ProvisionalConfirmation.objects.create(
        application=application,
        keys=[i["key"] for i in items],
        labels="、".join(i["label"] for i in items),
        note=note.strip(),
        user=user,
        username=_holder_name(user),
    )


def unconfirmed(applications: QuerySet[Application], batch: Batch) -> QuerySet[Application]:
    """Those of ``applications`` whose provisional items are not all confirmed (none if the policy has none)."""
    keys = {i["key"] for i in batch.provisional or []}
    if not keys:
        return applications.none()
    confirmed = [
        app_id
        for app_id, got in ProvisionalConfirmation.objects.filter(application__in=applications).values_list(
            "application_id", "keys"
        )
        if keys <= set(got)
    ]
    return applications.exclude(pk__in=confirmed)
