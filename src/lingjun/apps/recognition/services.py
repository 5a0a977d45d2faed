"""Recognition (评价认定): batches, applications and the one state machine that moves them.

Every change of an application's phase goes through :func:`application_transition` (one
application, optimistic: ``UPDATE … WHERE phase = <expected>``, so of two officers acting at once
exactly one succeeds) or :func:`application_bulk_transition` (every application matching a
filter, set-based: one ``UPDATE`` and one ``INSERT … SELECT`` of its audit rows). Both write an
append-only :class:`~lingjun.apps.recognition.models.Transition` per application changed.

Other apps do their part: working days (workdays), messages (notifications), the 入库 record and
its number (membership), the 公示/公告 lists (publishing).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from lingjun.apps.accounts.models import Role, User
from lingjun.apps.enterprises.models import Enterprise
from lingjun.apps.enterprises.selectors import dossiers_load
from lingjun.apps.membership.services import MembershipError, membership_enter
from lingjun.apps.notifications.services import notification_send
from lingjun.apps.publishing.models import Notice
from lingjun.apps.publishing.services import NoticeRefused, notice_publish
from lingjun.apps.recognition.flow import (
    COMMENT,
    EVIDENCE,
    MUNICIPAL_REJECTION_LIMIT,
    MUNICIPAL_REJECTION_SOURCE,
    REPORT,
    TRANSITION,
    TransitionDef,
    phase_name,
    target_of,
)
from lingjun.apps.recognition.models import (
    TIER_FAMILY,
    TIER_LABEL,
    Application,
    Batch,
    ChecklistItem,
    Evidence,
    Objection,
    ProvisionalConfirmation,
    Transition,
)
from lingjun.apps.workdays.services import WorkdaysUnknown, workday_period_end
from lingjun.rules import RunSpec, evaluate_reference, load_library
from lingjun.rules.errors import RulesError
from lingjun.rules.policy import Policy

# ------------------------------------------------------------------------------------ errors


class RecognitionError(Exception):
    """A refused step, with a machine ``code`` and a Chinese message (shown as it is)."""

    code = "recognition"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class ApplicationChanged(RecognitionError):
    """Someone else moved the application first (the conditional update changed no row)."""

    code = "changed"


BATCH_NOT_OPEN = "批次“{batch}”当前不在申报期内（{opens}至{closes}，状态：{status}），不能申报。"
ALREADY_APPLIED = "该企业已在批次“{batch}”中申报，请在“我的申报”中继续办理。"
REJECTED_THRICE = "该企业的{tier}申报已{n}次未通过市级评审，按{source}规定不能再次申报。"
REJECTED_THRICE_RESUBMIT = "该申报已{n}次未通过市级评审，按{source}规定不能再次提交。"
CHANGED = "该申报已被{who}办理（现处于“{phase}”环节），您的操作未执行。请刷新页面查看最新情况。"
WRONG_PHASE = "该申报处于“{phase}”环节，不能执行“{action}”。"
NOT_ALLOWED = "您没有“{action}”的权限，或该申报不在您的管辖范围内。"
NEEDS_COMMENT = "请填写“{action}”的理由。"
NEEDS_EVIDENCE = "请先上传申报材料（至少一个文件）再提交。"
NEEDS_REPORT = "请上传现场考察报告。"
CHECKLIST_OPEN = "审查清单中以下必备条件未判定为符合：{items}。请逐条审查（与系统判断不同时写明理由），或选择退回、不通过。"
CHECKLIST_REASON = "审查结论与系统判断不同，须写明理由。"
BAD_OUTCOME = "审查结论只能是：符合、不符合、需补充材料。"
FILE_TOO_BIG = "文件“{name}”大小为 {size:.1f} MB，超过上限 {limit} MB。"
FILE_EMPTY = "文件“{name}”是空文件。"
FILE_TYPE = "文件“{name}”的类型不被接受：请上传 PDF、图片（JPG/PNG）、Word、Excel 或 ZIP 文件。"
PROVISIONAL_UNCONFIRMED = (
    "以下申报依据的暂定参数（{items}）尚未逐户确认，不能发布公示：{names}。请在每户申报的审查页确认暂定参数。"
)
NOTHING_TO_PUBLICIZE = "本批次没有待公示的申报。"
PUBLICITY_NOT_OVER = "公示期至 {ends} 结束，公示期满后才能发布公告。"
OBJECTIONS_OPEN = "以下申报还有未处理的异议，处理完毕后才能发布公告：{names}。"
OBJECTION_LATE = "公示期已于 {ends} 结束，{received} 收到的异议不予受理。"
OBJECTION_EARLY = "公示于 {starts} 开始，{received} 不在公示期内。"
OBJECTION_NOT_IN_PUBLICITY = "该申报不在公示期内，不能登记异议。"
OBJECTION_UNIT_SEAL = "单位提出异议须附加盖公章的书面材料。"
OBJECTION_PERSON_NAME = "个人提出异议须署真实姓名（2至30个字）。"
OBJECTION_PERSON_ID = "身份证号码“{value}”无效：须为18位，且最后一位校验码符合 GB 11643。"
OBJECTION_FIELDS = "请填写联系方式和异议内容。"
OBJECTION_RESOLVED = "该异议已处理（{outcome}），不能再次处理。"
OBJECTION_OUTCOME = "请选择处理结果并写明处理意见。"
NOTHING_TO_ANNOUNCE = "本批次没有可公告的申报。"
NOTHING_TO_ENTER = "本批次没有已公告待入库的申报。"
BATCH_STATUS = "批次处于“{status}”状态，不能{what}。"
BATCH_DATES = "申报截止日期不能早于开始日期。"
BATCH_EXISTS = "{year}年{tier}第{sequence}批已存在。"
NO_POLICY = "{year}年没有适用于{tier}的政策：{detail}"
BULK_NOT_ALLOWED = "“{action}”须逐户办理，不能批量执行。"


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


# --------------------------------------------------------------------------------- batches


def _policy_for(tier: str, year: int, on: date) -> Policy:
    library = load_library()
    try:
        return library.in_force(TIER_FAMILY[tier], year, on)
    except RulesError as exc:
        raise RecognitionError(
            NO_POLICY.format(year=year, tier=TIER_LABEL.get(tier, tier), detail=exc), "no_policy"
        ) from exc


def provisional_items(policy: Policy) -> list[dict[str, str]]:
    """What of ``policy`` is provisional (暂定): the policy itself, parameters and criteria whose
    source was not found or not verified. Each item: ``key``, ``label``, ``reason``."""
    items = []
    if not policy.verified:
        items.append({"key": "policy", "label": policy.label, "reason": policy.provisional_reason})
    for name, p in policy.parameters.items():
        if not p.verified:
            items.append({"key": f"param:{name}", "label": p.label, "reason": p.provisional_reason})
    for c in policy.criteria:
        if not c.verified:
            items.append({"key": f"criterion:{c.id}", "label": c.label, "reason": c.cite.provisional_reason})
    return items


def _param_text(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if hasattr(value, "brackets"):
        return f"分档表（{len(value.brackets)} 档）"
    return str(value)


def _param_snapshot(policy: Policy, name: str, value: Any) -> dict[str, Any]:
    """A parameter's value as the batch keeps it: shown (``value``, ``unit``) and, for a number
    or a yes/no, as the what-if text that evaluates with it later (``yaml``)."""
    param = policy.parameters[name]
    out: dict[str, Any] = {"label": param.label, "value": _param_text(value), "unit": param.unit}
    if isinstance(value, bool):
        out["yaml"] = "true" if value else "false"
    elif isinstance(value, (Decimal, int)):
        out["yaml"] = f"{Decimal(value).normalize():f}"
    return out


def _fixed_overrides(batch: Batch, policy: Policy, on: date) -> dict[str, str]:
    """What-ifs that hold the batch's parameters at the values fixed when it opened, where the
    library's value on ``on`` is another (a policy file corrected since, a value dated later)."""
    current = policy.parameter_values(on)
    return {
        f"{policy.id}.{name}": p["yaml"]
        for name, p in (batch.parameters or {}).items()
        if "yaml" in p
        and name in current
        and _param_snapshot(policy, name, current[name]).get("yaml") != p["yaml"]
    }


def batch_create(
    *,
    tier: str,
    year: int,
    sequence: int,
    opens_on: date,
    closes_on: date,
    skip_town: bool = False,
    name: str = "",
    user: User | None = None,
    municipal_rejection_limit: int | None = MUNICIPAL_REJECTION_LIMIT,
) -> Batch:
    if tier not in TIER_FAMILY:
        raise RecognitionError(f"未知的层级“{tier}”。", "tier")
    if closes_on < opens_on:
        raise RecognitionError(BATCH_DATES, "dates")
    if Batch.objects.filter(tier=tier, year=year, sequence=sequence).exists():
        raise RecognitionError(
            BATCH_EXISTS.format(year=year, tier=TIER_LABEL[tier], sequence=sequence), "exists"
        )
    _policy_for(tier, year, opens_on)  # refuse a year without a policy at once
    return Batch.objects.create(
        tier=tier,
        year=year,
        sequence=sequence,
        opens_on=opens_on,
        closes_on=closes_on,
        skip_town=skip_town,
        municipal_rejection_limit=municipal_rejection_limit,
        name=name or f"{year}年{TIER_LABEL[tier]}第{sequence}批评价",
        created_by=user,
    )


def batch_open(*, batch: Batch, user: User | None = None) -> Batch:
    """Open a batch for applications: fix the policy in force on its opening day and the values
    of its parameters, and what of it is provisional."""
    if batch.status != Batch.Status.DRAFT:
        raise RecognitionError(BATCH_STATUS.format(status=batch.get_status_display(), what="开放"), "status")
    policy = _policy_for(batch.tier, batch.year, batch.opens_on)
    values = policy.parameter_values(batch.opens_on)
    batch.policy_id = policy.id
    batch.parameters = {name: _param_snapshot(policy, name, v) for name, v in values.items()}
    batch.provisional = provisional_items(policy)
    batch.status = Batch.Status.OPEN
    batch.opened_at = timezone.now()
    batch.save()
    return batch


def batch_close(*, batch: Batch, user: User | None = None) -> Batch:
    if batch.status != Batch.Status.OPEN:
        raise RecognitionError(BATCH_STATUS.format(status=batch.get_status_display(), what="截止"), "status")
    batch.status = Batch.Status.CLOSED
    batch.save(update_fields=["status"])
    return batch


def batch_remind(*, batch: Batch, today: date | None = None) -> int:
    """Remind the enterprises whose application in an open batch is not filed (草稿) or waits for
    their correction (退回修改) of the batch's closing day. Returns how many users were told."""
    today = today or timezone.localdate()
    if batch.status != Batch.Status.OPEN:
        raise RecognitionError(BATCH_STATUS.format(status=batch.get_status_display(), what="提醒"), "status")
    ids = list(
        batch.applications.filter(phase__in=("draft", "returned")).values_list("enterprise_id", flat=True)
    )
    users = _enterprise_users(ids)
    if not users:
        return 0
    left = (batch.closes_on - today).days
    return notification_send(
        users=users,
        subject=f"【评价认定】{batch.name}申报截止日期为 {batch.closes_on:%Y-%m-%d}",
        body=f"您在{batch.name}中的申报尚未提交（或退回后尚未重新提交），距截止还有 {max(left, 0)} 天，请尽快办理。",
        url="/recognition/mine/",
        kind="recognition",
    )


# ---------------------------------------------------------------------------- the engine


def engine_evaluation(*, batch: Batch, enterprise: Enterprise) -> dict[str, Any]:
    """The batch's policy applied to one enterprise's dossier now (the reference evaluator: no SQL
    to compile for one record): ``{"result", "criteria": [{id, label, result, explanation, mandatory}]}``."""
    policy_id = batch.policy_id or _policy_for(batch.tier, batch.year, batch.opens_on).id
    as_of = min(timezone.localdate(), date(batch.year, 12, 31))
    dossier = dossiers_load(usccs=[enterprise.uscc]).get(enterprise.uscc)
    if dossier is None:
        return {"result": "unknown", "criteria": []}
    policy = load_library().get(policy_id)
    spec = RunSpec.of(
        [policy_id], year=batch.year, as_of=as_of, overrides=_fixed_overrides(batch, policy, as_of)
    )
    record = evaluate_reference([dossier], spec=spec).to_records()[0]
    criteria = [
        {
            "id": c["id"],
            "label": c["label"],
            "result": c["result"],
            "explanation": c.get("explanation") or c.get("gap") or "",
            "mandatory": bool(c.get("mandatory", True)),
        }
        for c in record["criteria"]
    ]
    return {"policy": policy_id, "as_of": as_of.isoformat(), "result": record["result"], "criteria": criteria}


def _checklist_fill(application: Application, evaluation: Mapping[str, Any]) -> None:
    """(Re)fill the checklist from the engine: the officer's values and reasons are kept."""
    existing = {i.criterion: i for i in application.checklist.all()}
    new = []
    for c in evaluation.get("criteria", ()):
        item = existing.get(c["id"])
        if item is None:
            new.append(
                ChecklistItem(
                    application=application,
                    criterion=c["id"],
                    label=c["label"][:200],
                    mandatory=c["mandatory"],
                    engine_result=c["result"],
                    explanation=c["explanation"],
                )
            )
        elif item.engine_result != c["result"] or item.explanation != c["explanation"]:
            item.engine_result, item.explanation = c["result"], c["explanation"]
            item.save(update_fields=["engine_result", "explanation"])
    ChecklistItem.objects.bulk_create(new)


# ---------------------------------------------------------------------------- applications


def municipal_rejections_of(*, enterprise_id: int, tier: str) -> int:
    """How often this enterprise's filings for ``tier`` failed the municipal review (all batches)."""
    from django.db.models import Sum

    total = Application.objects.filter(enterprise_id=enterprise_id, batch__tier=tier).aggregate(
        n=Sum("municipal_rejections")
    )["n"]
    return int(total or 0)


def application_create(
    *, batch: Batch, enterprise: Enterprise, user: User | None, today: date | None = None
) -> Application:
    """An enterprise starts its application in an open batch (企业自评: the engine's evaluation is kept)."""
    today = today or timezone.localdate()
    if batch.status != Batch.Status.OPEN or not (batch.opens_on <= today <= batch.closes_on):
        raise RecognitionError(
            BATCH_NOT_OPEN.format(
                batch=batch.name,
                opens=batch.opens_on,
                closes=batch.closes_on,
                status=batch.get_status_display(),
            ),
            "batch_closed",
        )
    if Application.objects.filter(batch=batch, enterprise=enterprise).exists():
        raise RecognitionError(ALREADY_APPLIED.format(batch=batch.name), "duplicate")
    n = municipal_rejections_of(enterprise_id=enterprise.pk, tier=batch.tier)
    limit = batch.municipal_rejection_limit
    if limit is not None and n >= limit:
        raise RecognitionError(
            REJECTED_THRICE.format(tier=batch.tier_label, n=n, source=MUNICIPAL_REJECTION_SOURCE),
            "three_rejections",
        )
    evaluation = engine_evaluation(batch=batch, enterprise=enterprise)
    return Application.objects.create(
        batch=batch, enterprise=enterprise, phase="draft", self_evaluation=evaluation, created_by=user
    )


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


def batch_enter(*, batch: Batch, user: User, valid_from: date | None = None) -> int:
    """入库: every announced application becomes a member of its tier (``membership_enter``, which
    gives the registration number), with its certificate (PDF). Returns how many entered."""
    if batch.status != Batch.Status.ANNOUNCED:
        raise RecognitionError(BATCH_STATUS.format(status=batch.get_status_display(), what="入库"), "status")
    valid_from = valid_from or batch.announced_on or timezone.localdate()
    announced = list(batch.applications.filter(phase="announced").select_related("enterprise", "batch"))
    if not announced:
        raise RecognitionError(NOTHING_TO_ENTER, "empty")
    for application in announced:
        with transaction.atomic():
            member_id, number = _membership_enter(application=application, valid_from=valid_from, user=user)
            application_transition(
                application=application,
                transition="enter",
                user=user,
                comment=f"入库登记编号 {number}",
                expected_phase="announced",
                notify=False,
            )
            Application.objects.filter(pk=application.pk).update(
                registration_number=number, membership_id=member_id
            )
            application.refresh_from_db()
        certificate_render(application=application)
    ids = [a.enterprise_id for a in announced]
    notify_later(enterprise_ids=ids, batch_id=batch.pk, t=TRANSITION["enter"], target="entered", comment="")
    batch.status = Batch.Status.DONE
    batch.save(update_fields=["status"])
    return len(announced)


def certificate_dir() -> Path:
    path = Path(settings.LINGJUN_HOME) / "recognition" / "certificates"
    path.mkdir(parents=True, exist_ok=True)
    return path


def certificate_html(*, application: Application) -> str:
    from django.template.loader import render_to_string

    return render_to_string(
        "recognition/certificate.html",
        {
            "application": application,
            "enterprise": application.enterprise,
            "batch": application.batch,
            "tier_label": application.batch.tier_label,
            "issued_on": application.batch.announced_on or timezone.localdate(),
        },
    )


def certificate_render(*, application: Application) -> Path:
    """The certificate (证书) PDF: title, enterprise, tier, registration number, date, seal area."""
    from weasyprint import HTML

    path = certificate_dir() / f"certificate-{application.pk}.pdf"
    HTML(string=certificate_html(application=application)).write_pdf(path)
    Application.objects.filter(pk=application.pk).update(certificate=path.name)
    application.certificate = path.name
    return path


# ----------------------------------------------------------------------- other apps' services


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


def _membership_enter(*, application: Application, valid_from: date, user: User) -> tuple[int, str]:
    """The 入库 record (membership's service gives the registration number)."""
    try:
        member = membership_enter(
            enterprise_id=application.enterprise_id,
            tier=application.batch.tier,
            valid_from=valid_from,
            valid_until=None,
            source=f"recognition:{application.batch_id}",
            user=user,
            registration_number=None,
        )
    except MembershipError as exc:
        raise RecognitionError(f"{application.enterprise.name}：{exc.message}", "membership") from exc
    return member.pk, member.registration_number


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
