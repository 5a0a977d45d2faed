"""The demo district's pool membership (``lingjun demo``): members in every tier, some expired,
some exited for each reason, a re-evaluation with findings pending, confirmed and dismissed,
annual updates done and missing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

import pyarrow.compute as pc
from django.utils import timezone

from lingjun.apps.enterprises.models import Enterprise
from lingjun.apps.membership.models import (
    AnnualUpdate,
    ExitReason,
    Membership,
    PoolReview,
    ReviewFinding,
    Tier,
)
from lingjun.apps.membership.selectors import deadline_or_none
from lingjun.apps.membership.services import (
    MembershipError,
    findings_confirm,
    findings_dismiss,
    membership_enter,
    membership_exit,
    pool_review_execute,
)

#: how many members of each tier the demo enters (a few of the 雏鹰 later promoted to 瞪羚)
PER_TIER = {Tier.CHUYING: 60, Tier.DENGLING: 20, Tier.LINGJUN_PEIYU: 8, Tier.LINGJUN: 4}
EXITS = (
    ExitReason.SERIOUS_DISHONESTY,
    ExitReason.ABNORMAL_OPERATION,
    ExitReason.QUALIFICATION_EXPIRED,
    ExitReason.ANNUAL_UPDATE_MISSED,
    ExitReason.WITHDRAWN,
    ExitReason.OTHER,
)


def populate(*, today: date, users: Mapping[str, Any]) -> str:
    """Fill the demo pool once (nothing when demo members exist already)."""
    if Membership.objects.filter(source="demo").exists():
        return ""
    staff = users.get("district_staff")
    firm = users.get("enterprise")
    passing, rest = _candidates(today=today)
    officer = users.get("town_officer")
    if officer is not None and officer.town:  # the demo town officer has members to look after
        local = set(Enterprise.objects.filter(town=officer.town).values_list("pk", flat=True))
        for tier, pks in passing.items():
            mine = [pk for pk in pks if pk in local][:6]
            passing[tier] = mine + [pk for pk in pks if pk not in mine]
        mine = [pk for pk in rest if pk in local][:2]
        rest = mine + [pk for pk in rest if pk not in mine]
    taken: set[int] = set()
    if firm is not None and firm.enterprise_id:
        passing[Tier.CHUYING] = [firm.enterprise_id, *passing[Tier.CHUYING]]

    def take(*sources: list[int]) -> int:
        for source in sources:
            while source:
                pk = source.pop(0)
                if pk not in taken:
                    taken.add(pk)
                    return pk
        raise LookupError

    start = date(today.year - 2, 12, 20)
    made: dict[str, list[Membership]] = {t: [] for t in PER_TIER}

    def enter(pk: int, tier: str, valid_from: date, valid_until: date | None) -> Membership:
        return membership_enter(
            enterprise_id=pk,
            tier=tier,
            valid_from=valid_from,
            valid_until=valid_until,
            source="demo",
            user=staff,
        )

    try:
        for tier, n in PER_TIER.items():
            # most members meet their tier today (by the engine); every 12th no longer does: the
            # review finds those
            own = passing.get(tier, passing[Tier.CHUYING])
            for i in range(n):
                pk = take(rest, own) if i % 12 == 11 else take(own, passing[Tier.CHUYING], rest)
                made[tier].append(enter(pk, tier, start + timedelta(days=i), date(today.year + 1, 12, 31)))
        # promotion: three 雏鹰 became 瞪羚 this year (those that meet the 瞪羚 criteria, if any)
        promoted_on = max(date(today.year, 3, 1), start)
        dengling = set(passing.get(Tier.DENGLING, []))
        chuying = sorted(made[Tier.CHUYING], key=lambda m: m.enterprise_id not in dengling)
        for m in chuying[:3]:
            enter(m.enterprise_id, Tier.DENGLING, promoted_on, None)
        it = iter([take(rest, passing[Tier.CHUYING]) for _ in range(5 + len(EXITS))])
    except LookupError:
        return ""
    # expired: five whose validity ended last year
    for _ in range(5):
        enter(next(it), Tier.CHUYING, date(today.year - 4, 1, 1), date(today.year - 1, 12, 31))
    # one exit for each reason
    exit_day = max(today - timedelta(days=20), start)
    for reason in EXITS:
        m = enter(next(it), Tier.CHUYING, start, None)
        membership_exit(membership_id=m.pk, on=exit_day, reason=reason, note="演示数据", user=staff)
    # the demo's memberships stand for ones entered when they became valid (not back-dated today)
    entered = list(Membership.objects.filter(source="demo"))
    for m in entered:
        m.entered_at = timezone.make_aware(datetime.combine(m.valid_from, time(9)))
    Membership.objects.bulk_update(entered, ["entered_at"], batch_size=500)
    # annual updates: half of the members that owe this year's have done it
    owing = list(
        Membership.objects.filter(
            source="demo", exited_on__isnull=True, valid_from__lt=date(today.year, 1, 1)
        )
        .exclude(valid_until__lt=today)
        .values_list("enterprise_id", flat=True)
    )
    done = owing[::2]
    if firm is not None and firm.enterprise_id in done:
        done.remove(firm.enterprise_id)  # the demo enterprise user still has it to do
    AnnualUpdate.objects.bulk_create(
        [
            AnnualUpdate(
                enterprise_id=pk,
                year=today.year,
                data_year=today.year - 1,
                confirmed_on=min(today, deadline_or_none(year=today.year) or today),
                confirmed_by=None,
            )
            for pk in done
        ],
        ignore_conflicts=True,
    )
    findings = _review(today=today, staff=staff)
    return (
        f"入库企业：{Membership.objects.filter(source='demo').count()} 条入库记录"
        f"（已出库 {Membership.objects.filter(source='demo', exited_on__isnull=False).count()} 条），"
        f"年度信息更新已完成 {len(done)} 家、未完成 {len(owing) - len(done)} 家；{findings}"
    )


def _candidates(*, today: date) -> tuple[dict[str, list[int]], list[int]]:
    """Per tier (雏鹰, 瞪羚), the enterprises that meet its criteria today by the engine; and the
    enterprises that meet neither (by pk)."""
    from django.conf import settings

    from lingjun.apps.evaluation.services import evaluation_of_pool
    from lingjun.rules.spec import RunSpec

    tiers = (Tier.CHUYING, Tier.DENGLING)
    passed: dict[str, set[str]] = {t: set() for t in tiers}
    try:
        spec = RunSpec.of([f"tianjin.{t}" for t in tiers], year=today.year, as_of=today)
        evaluation = evaluation_of_pool(spec=spec, engine=settings.LINGJUN_ENGINE)
        table = evaluation.table
        for plan in evaluation.plans:
            tier = plan.policy.family.removeprefix("tianjin.")
            column = table[plan.result_column]
            passed[tier] = set(table.filter(pc.fill_null(column, False))["uscc"].to_pylist())
    except Exception:  # the demo goes on with any enterprises
        pass
    rows = list(Enterprise.objects.order_by("pk").values_list("pk", "uscc"))
    anyone = set().union(*passed.values())
    return (
        {t: [pk for pk, u in rows if u in passed[t]] for t in tiers},
        [pk for pk, u in rows if u not in anyone],
    )


def _review(*, today: date, staff: Any) -> str:
    """A real re-evaluation by the engine; one finding confirmed, one dismissed, the rest pending."""
    review = PoolReview.objects.create(as_of=today, year=today.year, user=staff)
    try:
        pool_review_execute(review=review)
    except Exception as exc:  # the demo goes on without findings
        return f"复核未完成：{exc}"
    pending = ReviewFinding.objects.filter(review=review).order_by("id")
    ids = list(pending.values_list("id", flat=True)[:2])
    try:
        if ids:
            findings_confirm(
                findings=pending.filter(pk=ids[0]), on=today, note="经核实不再满足条件", user=staff
            )
        if len(ids) > 1:
            findings_dismiss(
                findings=pending.filter(pk=ids[1]), note="企业已补充材料，经核实仍满足条件", user=staff
            )
    except MembershipError:
        pass
    return f"复核发现 {review.findings.count()} 条（确认 1 条、驳回 1 条，其余待处理）。"
