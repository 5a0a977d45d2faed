"""The one state machine that moves applications.

Every change of an application's phase goes through :func:`application_transition` (one
application, optimistic: ``UPDATE … WHERE phase = <expected>``, so of two officers acting at once
exactly one succeeds) or :func:`application_bulk_transition` (every application matching a
filter, set-based: one ``UPDATE`` and one ``INSERT … SELECT`` of its audit rows). Both write an
append-only :class:`~lingjun.apps.recognition.models.Transition` per application changed.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from lingjun.apps.accounts.models import User
from lingjun.apps.recognition.flow import (
    COMMENT,
    EVIDENCE,
    MUNICIPAL_REJECTION_SOURCE,
    REPORT,
    TRANSITION,
    TransitionDef,
    phase_name,
    target_of,
)
from lingjun.apps.recognition.models import Application, Batch, ChecklistItem, Evidence, Transition
from lingjun.apps.recognition.services.applications import _checklist_fill, engine_evaluation
from lingjun.apps.recognition.services.errors import (
    BATCH_NOT_OPEN,
    BULK_NOT_ALLOWED,
    CHANGED,
    CHECKLIST_OPEN,
    NEEDS_COMMENT,
    NEEDS_EVIDENCE,
    NEEDS_REPORT,
    NOT_ALLOWED,
    OBJECTIONS_OPEN,
    PUBLICITY_NOT_OVER,
    REJECTED_THRICE_RESUBMIT,
    WRONG_PHASE,
    ApplicationChanged,
    RecognitionError,
)
from lingjun.apps.recognition.services.notify import notify_enterprises, notify_later

# ------------------------------------------------------------------------------ the machine


def _holder_name(user: User | None) -> str:
    if user is None:
        return "系统"
    return user.get_full_name() or user.get_username()


def _may(user: User | None, application: Application, t: TransitionDef) -> bool:
    """The permission matrix's action, within the user's jurisdiction (None: the platform itself)."""
    from lingjun.apps.recognition.selectors import applications_in_scope

    if user is None:
        return True
    return applications_in_scope(user=user, action=t.action).filter(pk=application.pk).exists()


def _guard(application: Application, t: TransitionDef, *, comment: str, evidence: Evidence | None) -> None:
    """The documents and rules a transition needs, before it is taken."""
    label = str(t.label)
    if COMMENT in t.needs and not comment.strip():
        raise RecognitionError(NEEDS_COMMENT.format(action=label), "needs_comment")
    if REPORT in t.needs and evidence is None:
        raise RecognitionError(NEEDS_REPORT, "needs_report")
    if EVIDENCE in t.needs and not application.evidence.exclude(kind=Evidence.Kind.OBJECTION).exists():
        raise RecognitionError(NEEDS_EVIDENCE, "needs_evidence")
    if t.code == "submit":
        batch = application.batch
        if batch.status != Batch.Status.OPEN or timezone.localdate() > batch.closes_on:
            raise RecognitionError(
                BATCH_NOT_OPEN.format(
                    batch=batch.name,
                    opens=batch.opens_on,
                    closes=batch.closes_on,
                    status=batch.get_status_display(),
                ),
                "batch_closed",
            )
    limit = application.batch.municipal_rejection_limit
    if t.code == "reapply" and limit is not None and application.municipal_rejections >= limit:
        raise RecognitionError(
            REJECTED_THRICE_RESUBMIT.format(
                n=application.municipal_rejections, source=MUNICIPAL_REJECTION_SOURCE
            ),
            "three_rejections",
        )
    if t.code == "approve":
        open_items = [i.label for i in application.checklist.all() if i.mandatory and i.result != "pass"]
        if open_items:
            raise RecognitionError(CHECKLIST_OPEN.format(items="、".join(open_items)), "checklist")
    if t.code == "announce":
        batch = application.batch
        if batch.publicity_ends_on is None or timezone.localdate() <= batch.publicity_ends_on:
            raise RecognitionError(PUBLICITY_NOT_OVER.format(ends=batch.publicity_ends_on), "publicity")
        if application.objections.filter(outcome="").exists():
            raise RecognitionError(OBJECTIONS_OPEN.format(names=application.enterprise.name), "objections")


def application_transition(
    *,
    application: Application,
    transition: str,
    user: User | None,
    comment: str = "",
    evidence: Evidence | None = None,
    expected_phase: str | None = None,
    notify: bool = True,
) -> Application:
    """Take ``transition`` on ``application`` if it is still in ``expected_phase`` (default: the
    phase it was loaded in). One conditional ``UPDATE``: of two officers acting at once exactly one
    moves it; the other gets :class:`ApplicationChanged` with who did and where it is now.
    Writes one :class:`Transition` row (who, when, from, to, comment, evidence)."""
    t = TRANSITION.get(transition)
    if t is None:
        raise RecognitionError(f"未知的操作“{transition}”。", "unknown")
    expected = expected_phase or application.phase
    if t.source != expected:
        raise RecognitionError(WRONG_PHASE.format(phase=phase_name(expected), action=t.label), "phase")
    if not _may(user, application, t):
        raise RecognitionError(NOT_ALLOWED.format(action=t.label), "forbidden")
    _guard(application, t, comment=comment, evidence=evidence)
    batch = application.batch
    target = target_of(t, tier=batch.tier, skip_town=batch.skip_town)
    now = timezone.now()
    changes: dict[str, Any] = {
        "phase": target,
        "version": F("version") + 1,
        "changed_at": now,
        "bulk_token": "",
    }
    if t.code == "municipal_reject":
        changes["municipal_rejections"] = F("municipal_rejections") + 1
    if t.code in ("submit", "resubmit", "reapply"):
        changes["submitted_at"] = now
    # the checklist is filled from the engine when the application is filed (so a bulk
    # recommendation brings it to the district with its checklist) and refreshed when it reaches
    # the district one by one; evaluated before the row is locked
    evaluation = None
    if target == "district_review" or t.code in ("submit", "resubmit"):
        evaluation = engine_evaluation(batch=batch, enterprise=application.enterprise)
    with transaction.atomic():
        moved = Application.objects.filter(pk=application.pk, phase=expected).update(**changes)
        if moved != 1:
            current = Application.objects.filter(pk=application.pk).values_list("phase", flat=True).first()
            last = Transition.objects.filter(application_id=application.pk).order_by("-id").first()
            raise ApplicationChanged(
                CHANGED.format(who=last.username if last else "他人", phase=phase_name(current or ""))
            )
        Transition.objects.create(
            application=application,
            code=t.code,
            from_phase=expected,
            to_phase=target,
            user=user,
            username=_holder_name(user),
            comment=comment.strip(),
            evidence=evidence,
        )
        application.refresh_from_db()
        if evaluation is not None:
            _checklist_fill(application, evaluation)
    if notify and t.notify:
        notify_enterprises(
            enterprise_ids=[application.enterprise_id], batch=batch, t=t, target=target, comment=comment
        )
    return application


def application_bulk_transition(
    *, applications: QuerySet[Application], transition: str, user: User, comment: str = ""
) -> int:
    """Take ``transition`` on EVERY application of ``applications`` (the queue's whole filter, not
    a page) that is in its source phase and within ``user``'s scope: one ``UPDATE`` and one
    ``INSERT … SELECT`` of the audit rows, however many. Returns how many moved."""
    from lingjun.apps.recognition.selectors import applications_in_scope

    t = TRANSITION.get(transition)
    if t is None or not t.bulk:
        raise RecognitionError(BULK_NOT_ALLOWED.format(action=t.label if t else transition), "bulk")
    if COMMENT in t.needs and not comment.strip():
        raise RecognitionError(NEEDS_COMMENT.format(action=t.label), "needs_comment")
    scoped = applications_in_scope(user=user, action=t.action)
    chosen = applications.filter(phase=t.source).filter(pk__in=scoped.values("pk"))
    if t.code == "approve":  # the checklist must hold: those with an open mandatory item stay
        chosen = chosen.exclude(
            pk__in=ChecklistItem.objects.filter(mandatory=True)
            .exclude(officer_result="pass")
            .exclude(officer_result="", engine_result="pass")
            .values("application_id")
        )
    token = uuid.uuid4().hex
    now = timezone.now()
    # the target per tier (the only open target in bulk is municipal_pass: site visit or ready)
    targets: dict[str, list[str]] = {}
    for tier in {"chuying", "dengling", "lingjun_peiyu", "lingjun"}:
        targets.setdefault(target_of(t, tier=tier, skip_town=False), []).append(tier)
    moved = 0
    with transaction.atomic():
        for target, tiers in targets.items():
            changes: dict[str, Any] = {
                "phase": target,
                "version": F("version") + 1,
                "changed_at": now,
                "bulk_token": token,
            }
            if t.code == "municipal_reject":
                changes["municipal_rejections"] = F("municipal_rejections") + 1
            ids = chosen.filter(batch__tier__in=tiers).values("pk")
            moved += Application.objects.filter(pk__in=ids, phase=t.source).update(**changes)
        if moved:
            _bulk_transition_rows(token=token, t=t, user=user, comment=comment.strip(), now=now)
    if moved and t.notify:
        rows = Application.objects.filter(bulk_token=token)
        enterprise_ids = list(rows.values_list("enterprise_id", flat=True).distinct())
        first = rows.values_list("batch_id", "phase").first()
        if first is not None:
            notify_later(
                enterprise_ids=enterprise_ids, batch_id=first[0], t=t, target=first[1], comment=comment
            )
    return moved


def _bulk_transition_rows(*, token: str, t: TransitionDef, user: User, comment: str, now: Any) -> None:
    """One ``INSERT … SELECT``: an audit row for every application the bulk update marked."""
    q = connection.ops.quote_name
    sql = (
        f"INSERT INTO {q(Transition._meta.db_table)} "
        f"({q('application_id')}, {q('code')}, {q('from_phase')}, {q('to_phase')}, {q('user_id')}, "
        f"{q('username')}, {q('at')}, {q('comment')}, {q('bulk')}) "
        f"SELECT {q('id')}, %s, %s, {q('phase')}, %s, %s, %s, %s, %s "
        f"FROM {q(Application._meta.db_table)} WHERE {q('bulk_token')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                t.code,
                t.source,
                user.pk,
                _holder_name(user),
                connection.ops.adapt_datetimefield_value(now),
                comment,
                True,
                token,
            ],
        )
