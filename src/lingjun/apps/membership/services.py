"""Writes of membership (入库企业管理): entering the pool (入库) and leaving it (出库).

Registration numbers (入库登记编号) read ``WQ-<tier>-<year>-<nnnn>``: ``WQ`` for 武清区, the tier's
code (``CY`` 雏鹰, ``DL`` 瞪羚, ``LP`` 科技领军培育, ``LJ`` 科技领军), the year the membership starts
(``valid_from``) and a four-digit sequence per tier and year, from 0001 (e.g. ``WQ-CY-2026-0001``).
A number given by the caller (e.g. one the city bureau already issued) is kept as it is; the
sequence skips numbers already taken.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from lingjun.apps.audit.services import audit_record
from lingjun.apps.enterprises.models import Enterprise
from lingjun.apps.membership.models import (
    TIER_CODE,
    TIER_RANK,
    ExitReason,
    Membership,
    RegistrationSequence,
    Tier,
)

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
