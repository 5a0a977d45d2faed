"""Writes of membership (入库企业管理): entering the pool (入库) and leaving it (出库).

Registration numbers (入库登记编号) read ``WQ-<tier>-<year>-<nnnn>``: ``WQ`` for 武清区, the tier's
code (``CY`` 雏鹰, ``DL`` 瞪羚, ``LP`` 科技领军培育, ``LJ`` 科技领军), the year the membership starts
(``valid_from``) and a four-digit sequence per tier and year, from 0001 (e.g. ``WQ-CY-2026-0001``).
A number given by the caller (e.g. one the city bureau already issued) is kept as it is; the
sequence skips numbers already taken.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from lingjun.apps.accounts.models import Role, User
from lingjun.apps.audit.services import audit_record
from lingjun.apps.enterprises.models import Enterprise, Qualification
from lingjun.apps.jobs.models import Job
from lingjun.apps.jobs.services import job_create, job_enqueue, job_step
from lingjun.apps.membership.models import (
    TIER_CODE,
    TIER_FAMILY,
    TIER_RANK,
    AnnualUpdate,
    ExitReason,
    Membership,
    PoolReview,
    RegistrationSequence,
    ReviewFinding,
    Tier,
)
from lingjun.apps.membership.selectors import active_memberships, active_q, annual_update_owed_q
from lingjun.apps.notifications.services import notification_send

logger = logging.getLogger(__name__)

#: the district's prefix of every registration number (武清区)
REGISTRATION_PREFIX = "WQ"

UNKNOWN_TIER = "未知的入库类别“{tier}”：只能是雏鹰企业、瞪羚企业、科技领军培育企业或科技领军企业。"
INVALID_RANGE = "有效期止（{until}）不能早于有效期起（{start}）。"
UNKNOWN_ENTERPRISE = "企业（编号 {enterprise_id}）不存在。"
ALREADY_MEMBER = (
    "该企业在 {start} 起的有效期内已是{tier}（登记编号 {number}），不能再登记为同级或更低的类别。"
)
NUMBER_TAKEN = "入库登记编号“{number}”已被使用。"
UNKNOWN_REASON = "未知的出库原因“{reason}”。"
EXIT_NOTE_REQUIRED = "出库须填写说明。"
ALREADY_EXITED = "该入库记录（登记编号 {number}）已于 {on} 出库。"
EXIT_BEFORE_START = "出库日期（{on}）不能早于有效期起（{start}）。"


class MembershipError(Exception):
    """A membership change was refused; ``code`` says which rule, ``message`` in Chinese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def registration_number_format(*, tier: str, year: int, seq: int) -> str:
    return f"{REGISTRATION_PREFIX}-{TIER_CODE[tier]}-{year}-{seq:04d}"


def _next_registration_number(*, tier: str, year: int) -> str:
    """Draw the next free number of the tier and year (the sequence row is locked until commit)."""
    try:
        with transaction.atomic():
            RegistrationSequence.objects.get_or_create(tier=tier, year=year)
    except IntegrityError:  # created at the same moment by another transaction
        pass
    seq = RegistrationSequence.objects.select_for_update().get(tier=tier, year=year)
    while True:
        seq.last += 1
        number = registration_number_format(tier=tier, year=year, seq=seq.last)
        if not Membership.objects.filter(registration_number=number).exists():
            break
    seq.save(update_fields=["last"])
    return number


def _overlapping(*, enterprise_id: int, valid_from: date, valid_until: date | None) -> Q:
    """Memberships of the enterprise that still count on some day of ``valid_from … valid_until``."""
    q = (
        Q(enterprise_id=enterprise_id)
        & (Q(valid_until__isnull=True) | Q(valid_until__gte=valid_from))
        & (Q(exited_on__isnull=True) | Q(exited_on__gt=valid_from))
    )
    if valid_until is not None:
        q &= Q(valid_from__lte=valid_until)
    return q


@transaction.atomic
def membership_enter(
    *,
    enterprise_id: int,
    tier: str,
    valid_from: date,
    valid_until: date | None,
    source: str,
    user: Any,
    registration_number: str | None = None,
) -> Membership:
    """入库: enter the enterprise into ``tier`` from ``valid_from`` (to ``valid_until``, or open-ended).

    Generates the registration number when none is given. A membership of a lower tier that
    still counts on ``valid_from`` is exited on that day with the reason 晋级 (promotion) and
    linked to the new one. Refused (:class:`MembershipError`) when the enterprise already holds
    the same or a higher tier during the new validity, or when the number is taken.
    """
    if tier not in TIER_RANK:
        raise MembershipError("unknown_tier", UNKNOWN_TIER.format(tier=tier))
    if valid_until is not None and valid_until < valid_from:
        raise MembershipError("invalid_range", INVALID_RANGE.format(until=valid_until, start=valid_from))
    # one enterprise at a time: concurrent entries of one enterprise wait here
    if not Enterprise.objects.select_for_update().filter(pk=enterprise_id).values_list("pk", flat=True):
        raise MembershipError("unknown_enterprise", UNKNOWN_ENTERPRISE.format(enterprise_id=enterprise_id))
    current = list(
        Membership.objects.select_for_update().filter(
            _overlapping(enterprise_id=enterprise_id, valid_from=valid_from, valid_until=valid_until)
        )
    )
    for m in current:
        if TIER_RANK[m.tier] >= TIER_RANK[tier]:
            raise MembershipError(
                "already_member",
                ALREADY_MEMBER.format(
                    start=valid_from, tier=m.get_tier_display(), number=m.registration_number
                ),
            )
    if registration_number is None:
        registration_number = _next_registration_number(tier=tier, year=valid_from.year)
    elif Membership.objects.filter(registration_number=registration_number).exists():
        raise MembershipError("number_taken", NUMBER_TAKEN.format(number=registration_number))
    membership = Membership.objects.create(
        enterprise_id=enterprise_id,
        tier=tier,
        registration_number=registration_number,
        valid_from=valid_from,
        valid_until=valid_until,
        source=source,
        entered_by=user if user is not None and getattr(user, "pk", None) else None,
    )
    for lower in current:
        _exit(
            membership=lower,
            on=max(valid_from, lower.valid_from),
            reason=ExitReason.PROMOTION,
            note=f"晋级为{membership.get_tier_display()}（登记编号 {registration_number}）",
            user=user,
            promoted_to=membership,
        )
    audit_record(
        action="membership_enter",
        user=user,
        target=f"{Tier(tier).label} {registration_number}",
        detail={
            "enterprise_id": enterprise_id,
            "tier": tier,
            "registration_number": registration_number,
            "valid_from": valid_from.isoformat(),
            "valid_until": valid_until.isoformat() if valid_until else None,
            "source": source,
            "promoted_from": [m.registration_number for m in current],
        },
    )
    return membership


def _exit(
    *,
    membership: Membership,
    on: date,
    reason: str,
    note: str,
    user: Any,
    promoted_to: Membership | None = None,
) -> Membership:
    membership.exited_on = on
    membership.exit_reason = reason
    membership.exit_note = note[:500]
    membership.exited_by = user if user is not None and getattr(user, "pk", None) else None
    membership.exited_at = timezone.now()
    membership.promoted_to = promoted_to
    membership.save(
        update_fields=["exited_on", "exit_reason", "exit_note", "exited_by", "exited_at", "promoted_to"]
    )
    audit_record(
        action="membership_exit",
        user=user,
        target=f"{membership.get_tier_display()} {membership.registration_number}",
        detail={
            "enterprise_id": membership.enterprise_id,
            "registration_number": membership.registration_number,
            "exited_on": on.isoformat(),
            "reason": reason,
            "note": note[:500],
        },
    )
    return membership


@transaction.atomic
def membership_exit(*, membership_id: int, on: date, reason: str, note: str, user: Any) -> Membership:
    """出库: end one membership on ``on`` with a reason code and a text (who and when recorded)."""
    if reason not in ExitReason.values:
        raise MembershipError("unknown_reason", UNKNOWN_REASON.format(reason=reason))
    if not note.strip():
        raise MembershipError("note_required", EXIT_NOTE_REQUIRED)
    membership = Membership.objects.select_for_update().get(pk=membership_id)
    if membership.exited_on is not None:
        raise MembershipError(
            "already_exited",
            ALREADY_EXITED.format(number=membership.registration_number, on=membership.exited_on),
        )
    if on < membership.valid_from:
        raise MembershipError(
            "exit_before_start", EXIT_BEFORE_START.format(on=on, start=membership.valid_from)
        )
    return _exit(membership=membership, on=on, reason=reason, note=note, user=user)


# ------------------------------------------------------------------------------ parameters

BAD_DEADLINE = (
    "年度信息更新截止日期设置（LINGJUN_ANNUAL_UPDATE_DEADLINE）应为“月-日”，例如 09-30，实际为“{value}”。"
)
BAD_REQUIRED = (
    "入库类别所需资质设置（LINGJUN_MEMBERSHIP_REQUIRED_QUALIFICATIONS）应形如"
    "“dengling=hnte|tianjin_hnte;lingjun=hnte”，实际为“{value}”。"
)


def annual_update_deadline(*, year: int) -> date:
    """The deadline of the annual information update of ``year`` (default 30 September)."""
    value = str(settings.LINGJUN_ANNUAL_UPDATE_DEADLINE).strip()
    try:
        month, day = (int(x) for x in value.split("-"))
        return date(year, month, day)
    except ValueError as exc:
        raise MembershipError("bad_deadline", BAD_DEADLINE.format(value=value)) from exc


def annual_update_remind_days() -> tuple[int, ...]:
    """How many days before the deadline reminders go out (default 30, 7 and 1)."""
    value = str(settings.LINGJUN_ANNUAL_UPDATE_REMIND_DAYS)
    return tuple(sorted({int(x) for x in value.replace("，", ",").split(",") if x.strip()}, reverse=True))


def required_qualifications() -> dict[str, tuple[str, ...]]:
    """Tier → the qualification kinds of which the member must hold one valid certificate.

    The 2021 rules (津科规〔2021〕3号) name no standing qualification for any tier (雏鹰 4.4 takes
    a valid HNTE certificate as one of nine alternatives: the re-evaluation catches a member that
    rested on it alone once it expired), so none by default; the bureau sets them by setting.
    """
    value = str(settings.LINGJUN_MEMBERSHIP_REQUIRED_QUALIFICATIONS).strip()
    out: dict[str, tuple[str, ...]] = {}
    for part in filter(None, (p.strip() for p in value.split(";"))):
        tier, eq, kinds = part.partition("=")
        names = tuple(k.strip() for k in kinds.split("|") if k.strip())
        if not eq or tier.strip() not in TIER_RANK or not names:
            raise MembershipError("bad_required", BAD_REQUIRED.format(value=value))
        out[tier.strip()] = names
    return out


# ---------------------------------------------------------------------------- notifications


def _sender() -> Any:
    """The function that stores and e-mails messages (a seam for tests)."""
    return notification_send


def _notify(*, users: Sequence[Any], subject: str, body: str, url: str = "", kind: str = "") -> int:
    """Store an in-app message (and e-mail) for ``users``; returns how many were notified."""
    if not users:
        return 0
    return int(_sender()(users=list(users), subject=subject, body=body, url=url, kind=kind))


def _enterprise_users(enterprise_ids: Iterable[int]) -> list[User]:
    ids = list(set(enterprise_ids))
    if not ids:
        return []
    return list(User.objects.filter(role=Role.ENTERPRISE, is_active=True, enterprise_id__in=ids))


def _officers_by_division(
    rows: Sequence[Mapping[str, Any]],
) -> dict[int, tuple[User, list[Mapping[str, Any]]]]:
    """Town officers (by pk) with the rows of their 镇街 or 园区 (one query)."""
    towns = {r["enterprise__town"] for r in rows if r.get("enterprise__town")}
    parks = {r["enterprise__park"] for r in rows if r.get("enterprise__park")}
    if not towns and not parks:
        return {}
    officers = User.objects.filter(role=Role.TOWN_OFFICER, is_active=True).filter(
        Q(town__in=towns) | Q(park__in=parks)
    )
    out: dict[int, tuple[User, list[Mapping[str, Any]]]] = {}
    for officer in officers:
        mine = [
            r
            for r in rows
            if (officer.town and r.get("enterprise__town") == officer.town)
            or (officer.park and r.get("enterprise__park") == officer.park)
        ]
        if mine:
            out[officer.pk] = (officer, mine)
    return out


def _names(rows: Sequence[Mapping[str, Any]], limit: int = 50) -> str:
    names = "、".join(r["enterprise__name"] for r in rows[:limit])
    return names + (f" 等 {len(rows)} 家" if len(rows) > limit else "")


def _notify_exits(*, rows: Sequence[Mapping[str, Any]], reason: str, on: date) -> int:
    """Tell the exited enterprises' users and the officers of their 镇街/园区."""
    if not rows:
        return 0
    label = ExitReason(reason).label
    sent = _notify(
        users=_enterprise_users(r["enterprise_id"] for r in rows),
        subject=f"入库资格已取消（{label}）",
        body=f"贵企业的入库资格自 {on} 起取消，原因：{label}。如有疑问请联系所在镇街园区或区科技局。",
        url="/membership/mine/",
        kind="membership.exit",
    )
    for officer, mine in _officers_by_division(rows).values():
        sent += _notify(
            users=[officer],
            subject=f"辖区 {len(mine)} 家企业出库（{label}）",
            body=f"以下企业自 {on} 起出库，原因：{label}：{_names(mine)}。",
            url="/membership/?status=exited",
            kind="membership.exit",
        )
    return sent


# ------------------------------------------------------------------------ exits, set-based

_ROW_FIELDS = ("id", "enterprise_id", "enterprise__name", "enterprise__town", "enterprise__park", "tier")
_CHUNK = 5000


def _bulk_exit(
    *, qs: QuerySet[Membership], on: date, reason: str, note: str, user: Any
) -> list[dict[str, Any]]:
    """Exit every membership of ``qs`` not exited yet on ``on`` (one locking read, one UPDATE per
    5 000 rows), audit it as one event and notify; returns the exited rows. Call inside a
    transaction: the rows stay locked until it commits (PostgreSQL)."""
    rows = list(
        qs.filter(exited_on__isnull=True)
        .select_for_update(of=("self",))
        .values(*_ROW_FIELDS, "registration_number")
    )
    if not rows:
        return rows
    who = user if user is not None and getattr(user, "pk", None) else None
    now = timezone.now()
    ids = [r["id"] for r in rows]
    for i in range(0, len(ids), _CHUNK):
        Membership.objects.filter(pk__in=ids[i : i + _CHUNK], exited_on__isnull=True).update(
            exited_on=on, exit_reason=reason, exit_note=note[:500], exited_by=who, exited_at=now
        )
    audit_record(
        action="membership_exit",
        user=user,
        target=f"{ExitReason(reason).label}：{len(rows)} 家",
        detail={
            "reason": reason,
            "exited_on": on.isoformat(),
            "count": len(rows),
            "registration_numbers": [r["registration_number"] for r in rows[:1000]],
        },
    )
    _notify_exits(rows=rows, reason=reason, on=on)
    return rows


def memberships_exit_credit(*, as_of: date, user: Any) -> dict[str, int]:
    """出库 on credit events: every member active on ``as_of`` whose dossier flags it 严重违法失信
    (``serious_dishonesty``), then 经营异常 (``abnormal_operation``); exited on ``as_of``."""
    active = active_memberships(as_of=as_of)
    with transaction.atomic():
        serious = _bulk_exit(
            qs=active.filter(enterprise__serious_dishonesty=True),
            on=as_of,
            reason=ExitReason.SERIOUS_DISHONESTY,
            note="企业档案信用情况：列入严重违法失信企业名单",
            user=user,
        )
        abnormal = _bulk_exit(
            qs=active_memberships(as_of=as_of).filter(enterprise__abnormal_operation=True),
            on=as_of,
            reason=ExitReason.ABNORMAL_OPERATION,
            note="企业档案信用情况：列入经营异常名录",
            user=user,
        )
    return {ExitReason.SERIOUS_DISHONESTY: len(serious), ExitReason.ABNORMAL_OPERATION: len(abnormal)}


def valid_qualification_q(*, kinds: Sequence[str], as_of: date) -> Exists:
    """The member's enterprise holds a certificate of one of ``kinds`` valid on ``as_of``."""
    return Exists(
        Qualification.objects.filter(  # type: ignore[misc]  # the dossier's generated columns
            enterprise_id=OuterRef("enterprise__uscc"), kind__in=list(kinds)
        )
        .filter(Q(issued_on__isnull=True) | Q(issued_on__lte=as_of))
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=as_of))
    )


def memberships_exit_qualification(*, as_of: date, user: Any) -> int:
    """出库 when a qualification the tier requires (:func:`required_qualifications`) is no longer
    valid on ``as_of``: one query per tier with such a requirement."""
    exited = 0
    with transaction.atomic():
        for tier, kinds in required_qualifications().items():
            qs = (
                active_memberships(as_of=as_of)
                .filter(tier=tier)
                .exclude(valid_qualification_q(kinds=kinds, as_of=as_of))
            )
            exited += len(
                _bulk_exit(
                    qs=qs,
                    on=as_of,
                    reason=ExitReason.QUALIFICATION_EXPIRED,
                    note=f"{Tier(tier).label}所需资质（{'、'.join(kinds)}）无有效证书",
                    user=user,
                )
            )
    return exited


# ------------------------------------------------------------------- annual information update

NOT_A_MEMBER = "该企业目前不是入库企业，无需进行年度信息更新。"
DEADLINE_PASSED = "{year}年度信息更新已于 {deadline} 截止，不能再提交。"
NO_ANNUAL_DATA = "请先在企业档案中填报 {data_year} 年度数据（营业收入、研发费用等），再确认年度信息更新。"
ALREADY_UPDATED = "{year}年度信息更新已于 {on} 确认，无需重复提交。"
DEADLINE_NOT_PASSED = "{year}年度信息更新的截止日期（{deadline}）尚未过去，不能执行逾期出库。"


def annual_update_due_q(*, year: int) -> Q:
    """Memberships that owe the update of ``year`` (:func:`~lingjun.apps.membership.selectors.
    annual_update_owed_q`) and are active on its deadline."""
    deadline = annual_update_deadline(year=year)
    return active_q(as_of=deadline) & annual_update_owed_q(year=year, deadline=deadline)


def _missing_update(year: int) -> QuerySet[Membership]:
    done = AnnualUpdate.objects.filter(enterprise_id=OuterRef("enterprise_id"), year=year)
    return Membership.objects.filter(annual_update_due_q(year=year)).exclude(Exists(done))


@transaction.atomic
def annual_update_confirm(*, enterprise_id: int, on: date, user: Any) -> AnnualUpdate:
    """年度信息更新: the enterprise confirms its dossier of ``year - 1`` (``year`` = ``on``'s year)
    by the deadline. Refused for a non-member, after the deadline, twice, or without the year's
    annual figures in the dossier."""
    from lingjun.apps.enterprises.models import AnnualFigure

    year = on.year
    deadline = annual_update_deadline(year=year)
    if not active_memberships(as_of=on).filter(enterprise_id=enterprise_id).exists():
        raise MembershipError("not_a_member", NOT_A_MEMBER)
    if on > deadline:
        raise MembershipError("deadline_passed", DEADLINE_PASSED.format(year=year, deadline=deadline))
    existing = AnnualUpdate.objects.filter(enterprise_id=enterprise_id, year=year).first()
    if existing is not None:
        raise MembershipError("already_updated", ALREADY_UPDATED.format(year=year, on=existing.confirmed_on))
    enterprise = Enterprise.objects.get(pk=enterprise_id)
    figures = AnnualFigure.objects.filter(enterprise_id=enterprise.uscc, year=year - 1)  # type: ignore[misc]
    if not figures.exists():
        raise MembershipError("no_annual_data", NO_ANNUAL_DATA.format(data_year=year - 1))
    update = AnnualUpdate.objects.create(
        enterprise_id=enterprise_id,
        year=year,
        data_year=year - 1,
        confirmed_on=on,
        confirmed_by=user if user is not None and getattr(user, "pk", None) else None,
    )
    audit_record(
        action="annual_update",
        user=user,
        target=f"{enterprise.name} {year}年度信息更新",
        detail={"enterprise_id": enterprise_id, "year": year, "data_year": year - 1},
    )
    return update


def annual_update_sweep(*, year: int, as_of: date, user: Any) -> int:
    """Exit every member that missed the update of ``year`` (after its deadline; exited the day
    after the deadline): one read and one UPDATE, whatever the size of the pool."""
    deadline = annual_update_deadline(year=year)
    if as_of <= deadline:
        raise MembershipError("deadline_not_passed", DEADLINE_NOT_PASSED.format(year=year, deadline=deadline))
    with transaction.atomic():
        rows = _bulk_exit(
            qs=_missing_update(year),
            on=deadline + timedelta(days=1),
            reason=ExitReason.ANNUAL_UPDATE_MISSED,
            note=f"未在 {deadline} 前完成{year}年度信息更新",
            user=user,
        )
    return len(rows)


def annual_update_remind(*, year: int, as_of: date, force: bool = False) -> int:
    """Remind the members that still owe the update of ``year``: on the configured days before
    the deadline (or whenever ``force``); returns how many messages were stored."""
    deadline = annual_update_deadline(year=year)
    days_left = (deadline - as_of).days
    if days_left < 0 or (not force and days_left not in annual_update_remind_days()):
        return 0
    rows: list[dict[str, Any]] = list(_missing_update(year).values(*_ROW_FIELDS))
    if not rows:
        return 0
    sent = _notify(
        users=_enterprise_users(r["enterprise_id"] for r in rows),
        subject=f"请于 {deadline} 前完成{year}年度信息更新",
        body=(
            f"贵企业为入库企业，请于 {deadline} 前登录平台确认 {year - 1} 年度企业档案数据"
            f"（年度信息更新）。逾期未完成的，将取消入库资格。"
        ),
        url="/membership/mine/",
        kind="membership.reminder",
    )
    for officer, mine in _officers_by_division(rows).values():
        sent += _notify(
            users=[officer],
            subject=f"辖区 {len(mine)} 家入库企业尚未完成{year}年度信息更新",
            body=f"截止日期 {deadline}，尚未完成的企业：{_names(mine)}。",
            url="/membership/?annual=missing",
            kind="membership.reminder",
        )
    return sent


def memberships_sweep(*, as_of: date, user: Any) -> dict[str, int]:
    """The daily check (出库检查): credit events, required qualifications, the annual update of
    ``as_of``'s year once its deadline passed, and reminders before it. Every rule set-based."""
    counts: dict[str, int] = dict(memberships_exit_credit(as_of=as_of, user=user))
    counts[ExitReason.QUALIFICATION_EXPIRED] = memberships_exit_qualification(as_of=as_of, user=user)
    year = as_of.year
    if as_of > annual_update_deadline(year=year):
        counts[ExitReason.ANNUAL_UPDATE_MISSED] = annual_update_sweep(year=year, as_of=as_of, user=user)
    else:
        counts[ExitReason.ANNUAL_UPDATE_MISSED] = 0
        counts["reminders"] = annual_update_remind(year=year, as_of=as_of)
    return counts


SWEEP_JOB = "member_sweep"
REVIEW_JOB = "pool_review"


def memberships_sweep_job(job: Job) -> dict[str, Any]:
    """The work of a sweep job (:func:`lingjun.apps.membership.tasks.membership_sweep_task`)."""
    as_of = date.fromisoformat(job.params["as_of"])
    job_step(job=job, progress=0.1, step="出库检查")
    counts = memberships_sweep(as_of=as_of, user=job.user)
    return {"as_of": as_of.isoformat(), **{str(k): v for k, v in counts.items()}}


def memberships_sweep_enqueue(*, as_of: date, user: Any) -> Job:
    """Queue the check as a background job (``lingjun worker`` runs it)."""
    job = job_create(kind=SWEEP_JOB, user=user, params={"as_of": as_of.isoformat()})
    job_enqueue(job=job, task_path="lingjun.apps.membership.tasks.membership_sweep_task")
    return job


# --------------------------------------------------------------------- re-evaluation (复核)

NOTHING_TO_REVIEW = "复核日期 {as_of} 没有在库企业，无需复核。"


@transaction.atomic
def pool_review_start(*, as_of: date, year: int | None, user: Any) -> tuple[PoolReview, Job]:
    """Start a re-evaluation of every member active on ``as_of`` (a job)."""
    review = PoolReview.objects.create(
        as_of=as_of,
        year=year or as_of.year,
        user=user if user is not None and getattr(user, "pk", None) else None,
    )
    job = job_create(kind=REVIEW_JOB, user=review.user, subject_id=review.pk)
    job_enqueue(job=job, task_path="lingjun.apps.membership.tasks.pool_review_task")
    audit_record(
        action="pool_review", user=user, target=f"复核 #{review.pk}", detail={"as_of": as_of.isoformat()}
    )
    return review, job


_FAILED_KEYS = (
    "id",
    "label",
    "value",
    "threshold",
    "op",
    "unit",
    "article",
    "document",
    "explanation",
    "gap",
)


def pool_review_execute(*, review: PoolReview, job: Job | None = None) -> PoolReview:
    """Evaluate the whole pool once with the rules engine (every tier's policy), keep the members
    whose tier's policy fails, with the failed criteria as the engine explains them.

    No loop per enterprise: the engine evaluates all at once; members are matched to their
    tier's result column with Arrow (``is_in`` and a mask); only the failing rows are turned into
    explanations (by the rules library) and stored with one ``bulk_create``.
    """
    from lingjun.apps.evaluation.services import evaluation_of_pool
    from lingjun.rules.records import build_records
    from lingjun.rules.spec import RunSpec

    started = time.perf_counter()
    try:
        members = list(
            active_memberships(as_of=review.as_of).values_list(
                "id", "enterprise_id", "enterprise__uscc", "tier"
            )
        )
        tiers = sorted({m[3] for m in members}, key=TIER_RANK.__getitem__)
        review.members = len(members)
        findings: list[ReviewFinding] = []
        if tiers:
            spec = RunSpec.of([TIER_FAMILY[t] for t in tiers], year=review.year, as_of=review.as_of)
            review.policies = [p.id for p in spec.policies]
            if job is not None:
                job_step(job=job, progress=0.2, step="评价在库企业")
            evaluation = evaluation_of_pool(spec=spec, engine=settings.LINGJUN_ENGINE)
            table = evaluation.table
            by_uscc = {m[2]: m for m in members}
            for plan in evaluation.plans:
                tier = next(t for t in tiers if TIER_FAMILY[t] == plan.policy.family)
                usccs = pa.array([m[2] for m in members if m[3] == tier], pa.string())
                mask = pc.fill_null(
                    pc.and_(pc.is_in(table["uscc"], value_set=usccs), pc.invert(table[plan.result_column])),
                    False,
                )
                failing = table.filter(mask)
                if failing.num_rows == 0:
                    continue
                records = build_records(failing.to_pylist(), evaluation.query, review.year, review.as_of)
                for rec in records:
                    if rec["policy"] != plan.policy.id:
                        continue
                    mid, eid, _uscc, _tier = by_uscc[rec["uscc"]]
                    failed = [
                        {k: c.get(k) for k in _FAILED_KEYS} for c in rec["criteria"] if c["result"] == "fail"
                    ]
                    findings.append(
                        ReviewFinding(
                            review=review,
                            membership_id=mid,
                            enterprise_id=eid,
                            tier=tier,
                            policy=plan.policy.id,
                            failed=failed,
                        )
                    )
        with transaction.atomic():
            # the newest review speaks for every member: what earlier ones left pending is moot
            ReviewFinding.objects.filter(
                status=ReviewFinding.Status.PENDING, review__started_at__lt=review.started_at
            ).update(status=ReviewFinding.Status.SUPERSEDED, note=f"已被复核 #{review.pk} 取代")
            ReviewFinding.objects.bulk_create(findings, batch_size=2000)
            review.failing = len(findings)
            review.status = PoolReview.Status.DONE
            review.finished_at = timezone.now()
            review.save(update_fields=["members", "failing", "policies", "status", "finished_at"])
        _notify_findings(review=review)
        logger.info(
            "review %s: %d members, %d failing, %.1fs",
            review.pk,
            review.members,
            review.failing,
            time.perf_counter() - started,
        )
    except Exception as exc:
        review.status = PoolReview.Status.FAILED
        review.error = str(exc) or type(exc).__name__
        review.finished_at = timezone.now()
        review.save(update_fields=["status", "error", "finished_at"])
        raise
    return review


def _notify_findings(*, review: PoolReview) -> int:
    rows = list(
        review.findings.values("enterprise_id", "enterprise__name", "enterprise__town", "enterprise__park")
    )
    if not rows:
        return 0
    sent = _notify(
        users=_enterprise_users(r["enterprise_id"] for r in rows),
        subject="入库企业复核：贵企业可能不再满足所在类别的评价条件",
        body=f"{review.as_of} 的复核显示，贵企业可能不再满足所在入库类别的评价条件，区科技局将核实后处理。请及时更新企业档案。",
        url="/membership/mine/",
        kind="membership.finding",
    )
    for officer, mine in _officers_by_division(rows).values():
        sent += _notify(
            users=[officer],
            subject=f"复核：辖区 {len(mine)} 家入库企业不再满足所在类别条件",
            body=f"{review.as_of} 复核发现：{_names(mine)}。待区科技局确认或驳回。",
            url="/membership/findings/",
            kind="membership.finding",
        )
    return sent


def pool_review_stopped(*, review_pk: int, error: str) -> None:
    """Mark a review whose job was given up or cancelled as failed (it stored nothing)."""
    PoolReview.objects.filter(pk=review_pk, status=PoolReview.Status.RUNNING).update(
        status=PoolReview.Status.FAILED, error=error or "复核未完成", finished_at=timezone.now()
    )


def pool_review_job(job: Job) -> dict[str, Any]:
    """The work of a review job (:func:`lingjun.apps.membership.tasks.pool_review_task`)."""
    assert job.subject_id is not None
    review = pool_review_execute(review=PoolReview.objects.get(pk=job.subject_id), job=job)
    return {"review": review.pk, "members": review.members, "failing": review.failing}


NOTE_REQUIRED = "驳回复核发现须填写理由。"


def findings_confirm(*, findings: QuerySet[ReviewFinding], on: date, note: str, user: Any) -> int:
    """Confirm every pending finding of ``findings`` (all that match, not a page): their members
    exit on ``on`` with the reason 复核不达标. Set-based; a finding another officer decided at the
    same moment is skipped (the status is checked in the UPDATE). Returns how many."""
    who = user if user is not None and getattr(user, "pk", None) else None
    now = timezone.now()
    with transaction.atomic():
        decided = findings.filter(status=ReviewFinding.Status.PENDING).update(
            status=ReviewFinding.Status.CONFIRMED, decided_by=who, decided_at=now, note=note[:500]
        )
        if decided:
            # the members of exactly the findings this call decided (their decision time is ``now``)
            # (not ``findings``: the caller's filter may say "pending", which they no longer are)
            just_confirmed = ReviewFinding.objects.filter(
                status=ReviewFinding.Status.CONFIRMED, decided_at=now, decided_by=who
            )
            _bulk_exit(
                qs=Membership.objects.filter(pk__in=just_confirmed.values("membership_id")),
                on=on,
                reason=ExitReason.REVIEW_FAILED,
                note=note or "复核不达标，经区科技局确认出库",
                user=user,
            )
    return decided


def findings_dismiss(*, findings: QuerySet[ReviewFinding], note: str, user: Any) -> int:
    """Dismiss every pending finding of ``findings`` with a reason (the member stays)."""
    if not note.strip():
        raise MembershipError("note_required", NOTE_REQUIRED)
    who = user if user is not None and getattr(user, "pk", None) else None
    with transaction.atomic():
        count = findings.filter(status=ReviewFinding.Status.PENDING).update(
            status=ReviewFinding.Status.DISMISSED, decided_by=who, decided_at=timezone.now(), note=note[:500]
        )
        if count:
            audit_record(
                action="finding_dismiss",
                user=user,
                target=f"复核发现 {count} 条",
                detail={"count": count, "note": note[:500]},
            )
    return count
