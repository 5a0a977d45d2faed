"""Cultivation (培育服务): gap lists from the rules engine, plans, visits and enterprise requests.

The gap lists come from :mod:`lingjun.rules.gaps` for the whole pool at once (one engine run of the
six ladder policies); the texts are stored per enterprise in :class:`GapSnapshot` so that pages
read them without running the engine. One enterprise's snapshot is recomputed when its dossier
changed after it was computed (:func:`gap_snapshot_current`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from lingjun.apps.accounts.models import Role, User
from lingjun.apps.cultivation.models import (
    DEFAULT_DEPARTMENT,
    DEPARTMENTS,
    Category,
    CultivationPlan,
    GapSnapshot,
    Milestone,
    RequestReply,
    Rung,
    ServiceRequest,
    Visit,
)
from lingjun.apps.enterprises.models import Enterprise
from lingjun.rules.gaps import RUNG_CODES, Ladder, ladder_gaps

#: working days a department has to answer a request, unless the officer sets another
REQUEST_DAYS = 10
#: enterprises per bulk write
_CHUNK = 2000


class CultivationError(Exception):
    """A refused cultivation action: ``code`` for programs, ``message`` in Chinese for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


UNKNOWN_RUNG = "未知的培育目标“{rung}”。"
UNKNOWN_DEPARTMENT = "未知的承办部门“{department}”。"
UNKNOWN_CATEGORY = "未知的诉求类别“{category}”。"
EMPTY_FIELD = "请填写{field}。"
BAD_DAYS = "办理时限应为 1 到 60 个工作日。"
BAD_SATISFACTION = "满意度应为 1 到 5 分。"
NOT_CLOSED = "诉求办结后才能评价满意度。"
ALREADY_CLOSED = "该诉求已办结。"
NO_ENTERPRISES = "请至少选择一家企业。"
TARGET_IN_PAST = "目标日期不能早于今天。"


def _rung(rung: str) -> str:
    if rung not in Rung.values:
        raise CultivationError("unknown_rung", UNKNOWN_RUNG.format(rung=rung))
    return rung


# --- gap lists -------------------------------------------------------------------------------------


def _held(as_of: date, usccs: Iterable[str] | None = None) -> dict[str, list[str]]:
    """Tiers held in the pool (入库) as of ``as_of``: uscc → tier codes."""
    from lingjun.apps.membership.selectors import active_memberships

    qs = active_memberships(as_of=as_of)
    if usccs is not None:
        qs = qs.filter(enterprise__uscc__in=list(usccs))
    out: dict[str, list[str]] = {}
    for uscc, tier in qs.values_list("enterprise__uscc", "tier"):
        out.setdefault(uscc, []).append(tier)
    return out


def _plan_targets(usccs: Iterable[str] | None = None) -> dict[str, set[str]]:
    qs = CultivationPlan.objects.filter(status=CultivationPlan.Status.ACTIVE)
    if usccs is not None:
        qs = qs.filter(enterprise__uscc__in=list(usccs))
    out: dict[str, set[str]] = {}
    for uscc, rung in qs.values_list("enterprise__uscc", "target_rung"):
        out.setdefault(uscc, set()).add(rung)
    return out


def _certificates(as_of: date) -> dict[str, list[str]]:
    """Rungs held by a certificate valid on ``as_of`` (高企证书, 科技型中小企业编号) in the pool."""
    from lingjun.apps.enterprises.selectors import qualification_rows, qualification_valid_on
    from lingjun.rules.gaps import QUALIFICATION_RUNGS

    rows = qualification_rows().filter(qualification_valid_on(as_of), kind__in=list(QUALIFICATION_RUNGS))
    out: dict[str, list[str]] = {}
    for uscc, kind in rows.values_list("enterprise_id", "kind"):
        out.setdefault(str(uscc), []).append(QUALIFICATION_RUNGS[kind])
    return out


def _pool_ladder(*, year: int, as_of: date) -> Ladder:
    """The whole pool's ladder: one engine run of the flattened ladder policies over the pool (as
    the evaluation app reads it), plus the tiers and certificates held."""
    from lingjun.apps.evaluation.services import evaluation_of_pool
    from lingjun.rules.gaps import held_matrix, ladder_spec

    spec, flats = ladder_spec(year=year, as_of=as_of)
    ev = evaluation_of_pool(spec=spec)
    usccs = ev.table["uscc"].to_pylist()
    held = held_matrix(usccs, _held(as_of)) | held_matrix(usccs, _certificates(as_of))
    return Ladder(ev, flats, held)


def _snapshot_rows(ladder: Ladder, ids: Mapping[str, int], *, year: int, as_of: date) -> list[GapSnapshot]:
    now = timezone.now()
    targets = _plan_targets(ids.keys())
    rows = []
    for uscc, pk in ids.items():
        if uscc not in ladder.index:
            continue
        i = ladder.index[uscc]
        nxt = ladder.next_rung(uscc)
        gaps = [g.as_dict() for g in ladder.gaps(uscc)] if nxt else []
        plan_gaps = {
            r: [g.as_dict() for g in ladder.gaps(uscc, r)] for r in targets.get(uscc, ()) if r != nxt
        }
        g = ladder.rungs[nxt] if nxt else None
        rows.append(
            GapSnapshot(
                enterprise_id=pk,
                year=year,
                as_of=as_of,
                next_rung=nxt or "",
                failed=int(g.failed[i]) if g else 0,
                inexact=int(g.inexact[i]) if g else 0,
                distance=float(g.distance[i]) if g else 0.0,
                gaps={"next": gaps, "targets": plan_gaps, "highest": _highest(ladder, i)},
                computed_at=now,
            )
        )
    return rows


def _highest(ladder: Ladder, i: int) -> str:
    top = int(ladder.highest[i])
    return RUNG_CODES[top] if top >= 0 else ""


def gaps_refresh(*, today: date, usccs: Sequence[str] | None = None) -> int:
    """Recompute the next rung and gap list of the whole pool (``usccs`` None: one engine run) or
    of some enterprises (their dossiers), store them, and mark plan milestones the dossier now
    meets as done. Returns how many enterprises were computed."""
    year, as_of = today.year, today
    if usccs is None:
        ladder = _pool_ladder(year=year, as_of=as_of)
        ids = dict(Enterprise.objects.values_list("uscc", "pk"))
    else:
        from lingjun.apps.enterprises.selectors import dossiers_load

        dossiers = dossiers_load(usccs=usccs)
        if not dossiers:
            return 0
        ladder = ladder_gaps(
            dossiers=list(dossiers.values()), year=year, as_of=as_of, held=_held(as_of, dossiers)
        )
        ids = dict(Enterprise.objects.filter(uscc__in=list(dossiers)).values_list("uscc", "pk"))
    rows = _snapshot_rows(ladder, ids, year=year, as_of=as_of)
    with transaction.atomic():
        GapSnapshot.objects.filter(enterprise_id__in=[r.enterprise_id for r in rows]).delete()
        for start in range(0, len(rows), _CHUNK):
            GapSnapshot.objects.bulk_create(rows[start : start + _CHUNK])
        milestones_sync(enterprise_ids=[r.enterprise_id for r in rows])
    return len(rows)


#: the kind of the pool's gap refresh among the jobs (排队中 → 已完成 on the jobs pages)
JOB_KIND = "cultivation_gaps"


def gaps_refresh_enqueue(*, user: User | None, today: date) -> Any:
    """Queue the whole pool's refresh as a background job (a worker runs it; the page returns at once)."""
    from lingjun.apps.jobs.services import job_create, job_enqueue

    job = job_create(kind=JOB_KIND, user=user, params={"today": today.isoformat()})
    job_enqueue(job=job, task_path="lingjun.apps.cultivation.tasks.gaps_refresh_task")
    return job


def gaps_refresh_job(job: Any) -> dict[str, Any]:
    """The body of the refresh job: the whole pool, as of the day it was asked."""
    from lingjun.apps.jobs.services import job_step

    job_step(job=job, progress=0.1, step="计算培育差距")
    n = gaps_refresh(today=date.fromisoformat(job.params["today"]))
    return {"count": n}


def gap_snapshot_current(*, enterprise: Enterprise, today: date) -> GapSnapshot | None:
    """The enterprise's snapshot, recomputed first when it is missing, of another day, or older
    than the last change of the dossier."""
    from lingjun.apps.enterprises.models import ChangeRecord

    snap = GapSnapshot.objects.filter(enterprise=enterprise).first()
    if (
        snap is None
        or snap.as_of != today
        or snap.computed_at < enterprise.updated_at
        or ChangeRecord.objects.filter(uscc=enterprise.uscc, at__gte=snap.computed_at).exists()
    ):
        gaps_refresh(today=today, usccs=[enterprise.uscc])
        snap = GapSnapshot.objects.filter(enterprise=enterprise).first()
    return snap


def gaps_to(snapshot: GapSnapshot | None, rung: str) -> list[dict[str, Any]]:
    """The stored gap list of a snapshot to ``rung`` (its next rung, or a plan's target)."""
    if snapshot is None:
        return []
    data = snapshot.gaps or {}
    if rung == snapshot.next_rung:
        return list(data.get("next", []))
    return list((data.get("targets") or {}).get(rung, []))


def _reached(snapshot: GapSnapshot, rung: str) -> bool:
    highest = (snapshot.gaps or {}).get("highest", "")
    return bool(highest) and RUNG_CODES.index(highest) >= RUNG_CODES.index(rung)


def milestones_sync(*, enterprise_ids: Iterable[int]) -> int:
    """Progress from the dossier: a seeded milestone is done once its criterion no longer shows
    in the gap list to its plan's target (and every one once the target is reached)."""
    snaps = {s.enterprise_id: s for s in GapSnapshot.objects.filter(enterprise_id__in=list(enterprise_ids))}
    changed = 0
    plans = CultivationPlan.objects.filter(
        enterprise_id__in=list(snaps), status=CultivationPlan.Status.ACTIVE
    ).prefetch_related("milestones")
    for plan in plans:
        snap = snaps[plan.enterprise_id]
        reached = _reached(snap, plan.target_rung)
        known = (
            reached
            or snap.next_rung == plan.target_rung
            or plan.target_rung in (snap.gaps or {}).get("targets", {})
        )
        if not known:
            continue
        open_criteria = {g["criterion"] for g in gaps_to(snap, plan.target_rung)}
        for m in plan.milestones.all():
            if not m.criterion:
                continue
            done = reached or m.criterion not in open_criteria
            if done != m.done_by_dossier:
                m.done_by_dossier = done
                m.done = done or m.done
                m.save(update_fields=["done", "done_by_dossier"])
                changed += 1
        if reached:
            plan.status = CultivationPlan.Status.ACHIEVED
            plan.save(update_fields=["status", "updated_at"])
    return changed


# --- plans -----------------------------------------------------------------------------------------


def plan_create(
    *,
    enterprise: Enterprise,
    target_rung: str,
    target_date: date,
    officer: User | None,
    user: User | None,
    today: date,
    measures: str = "",
) -> CultivationPlan:
    """A plan for ``enterprise`` with one milestone per gap of its gap list to ``target_rung``."""
    _rung(target_rung)
    if target_date < today:
        raise CultivationError("target_in_past", TARGET_IN_PAST)
    snap = gap_snapshot_current(enterprise=enterprise, today=today)
    gaps = gaps_to(snap, target_rung)
    if not gaps and snap is not None and not _reached(snap, target_rung):
        # a target beyond the next rung: compute its gaps for this enterprise now
        plan_stub = [target_rung]
        gaps = _gaps_for(enterprise=enterprise, rung=plan_stub[0], today=today)
    with transaction.atomic():
        plan = CultivationPlan.objects.create(
            enterprise=enterprise,
            target_rung=target_rung,
            target_date=target_date,
            officer=officer,
            created_by=user,
            measures=measures.strip(),
        )
        Milestone.objects.bulk_create(
            [
                Milestone(
                    plan=plan,
                    title=g["label"][:300],
                    detail=g["text"],
                    criterion=g["criterion"],
                    kind=g["kind"],
                    due_on=target_date,
                    order=k,
                )
                for k, g in enumerate(gaps)
            ]
        )
    return plan


def _gaps_for(*, enterprise: Enterprise, rung: str, today: date) -> list[dict[str, Any]]:
    from lingjun.apps.enterprises.selectors import dossiers_load

    dossiers = dossiers_load(usccs=[enterprise.uscc])
    ladder = ladder_gaps(dossiers=list(dossiers.values()), year=today.year, as_of=today)
    return [g.as_dict() for g in ladder.gaps(enterprise.uscc, rung)]


def plans_create_bulk(
    *,
    enterprises: Sequence[Enterprise],
    target_rung: str | None,
    target_date: date,
    officer: User | None,
    user: User | None,
    today: date,
) -> list[CultivationPlan]:
    """Plans for a list of enterprises (the town officer's selection), each to ``target_rung`` or,
    when None, to its own next rung; milestones from each one's stored gap list."""
    if not enterprises:
        raise CultivationError("no_enterprises", NO_ENTERPRISES)
    if target_date < today:
        raise CultivationError("target_in_past", TARGET_IN_PAST)
    snaps = {s.enterprise_id: s for s in GapSnapshot.objects.filter(enterprise__in=list(enterprises))}
    missing = [e.uscc for e in enterprises if e.pk not in snaps]
    if missing:
        gaps_refresh(today=today, usccs=missing)
        snaps = {s.enterprise_id: s for s in GapSnapshot.objects.filter(enterprise__in=list(enterprises))}
    plans = []
    with transaction.atomic():
        for e in enterprises:
            snap = snaps.get(e.pk)
            rung = target_rung or (snap.next_rung if snap else "")
            if not rung:
                continue
            plans.append(
                plan_create(
                    enterprise=e,
                    target_rung=rung,
                    target_date=target_date,
                    officer=officer,
                    user=user,
                    today=today,
                )
            )
    return plans


def plan_update(
    *,
    plan: CultivationPlan,
    status: str | None = None,
    measures: str | None = None,
    target_date: date | None = None,
) -> CultivationPlan:
    if status is not None and status in CultivationPlan.Status.values:
        plan.status = status
    if measures is not None:
        plan.measures = measures.strip()
    if target_date is not None:
        plan.target_date = target_date
    plan.save()
    return plan


def milestone_add(*, plan: CultivationPlan, title: str, due_on: date | None = None) -> Milestone:
    title = title.strip()
    if not title:
        raise CultivationError("empty", EMPTY_FIELD.format(field="事项"))
    order = (plan.milestones.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    return Milestone.objects.create(plan=plan, title=title[:300], due_on=due_on, order=order)


def milestone_set_done(*, milestone: Milestone, done: bool) -> Milestone:
    milestone.done = done
    milestone.save(update_fields=["done"])
    return milestone


# --- visits ----------------------------------------------------------------------------------------


def visit_log(
    *,
    enterprise: Enterprise,
    officer: User,
    visited_on: date,
    people_met: str,
    topics: str,
    today: date,
    plan: CultivationPlan | None = None,
) -> Visit:
    people_met, topics = people_met.strip(), topics.strip()
    if not people_met:
        raise CultivationError("empty", EMPTY_FIELD.format(field="接待人员"))
    if not topics:
        raise CultivationError("empty", EMPTY_FIELD.format(field="沟通事项"))
    if visited_on > today:
        raise CultivationError("future", "走访日期不能晚于今天。")
    if plan is None:
        plan = enterprise.cultivation_plans.filter(status=CultivationPlan.Status.ACTIVE).first()
    return Visit.objects.create(
        enterprise=enterprise,
        plan=plan,
        officer=officer,
        visited_on=visited_on,
        people_met=people_met,
        topics=topics,
    )


# --- requests ----------------------------------------------------------------------------------------


def _department_users(department: str) -> list[User]:
    return list(User.objects.filter(role=Role.DEPARTMENT, department=department, is_active=True))


def _enterprise_users(enterprise_id: int) -> list[User]:
    return list(User.objects.filter(role=Role.ENTERPRISE, enterprise_id=enterprise_id, is_active=True))


def _bureau_users() -> list[User]:
    return list(
        User.objects.filter(Q(role__in=[Role.DISTRICT_ADMIN, Role.DISTRICT_STAFF]) & Q(is_active=True))
    )


def _notify(users: Iterable[User], subject: str, body: str, url: str) -> None:
    from lingjun.apps.notifications.services import notification_send

    notification_send(users=users, subject=subject, body=body, url=url, kind="cultivation")


def request_deadline(*, submitted_on: date, days: int) -> date:
    """The deadline: the ``days``-th working day after the day of submission (working-day calendar)."""
    from lingjun.apps.workdays.services import workday_add

    return workday_add(start=submitted_on, days=days)


def request_submit(
    *,
    enterprise: Enterprise,
    user: User | None,
    category: str,
    title: str,
    content: str,
    today: date,
    department: str = "",
    days: int = REQUEST_DAYS,
) -> ServiceRequest:
    """File a request (诉求): routed to ``department`` (default: the category's), due ``days``
    working days after today; the department's liaisons are notified."""
    if category not in Category.values:
        raise CultivationError("unknown_category", UNKNOWN_CATEGORY.format(category=category))
    department = department or DEFAULT_DEPARTMENT[category]
    if department not in DEPARTMENTS:
        raise CultivationError("unknown_department", UNKNOWN_DEPARTMENT.format(department=department))
    title, content = title.strip(), content.strip()
    if not title:
        raise CultivationError("empty", EMPTY_FIELD.format(field="标题"))
    if not content:
        raise CultivationError("empty", EMPTY_FIELD.format(field="诉求内容"))
    if not 1 <= days <= 60:
        raise CultivationError("bad_days", BAD_DAYS)
    due = request_deadline(submitted_on=today, days=days)
    req = ServiceRequest.objects.create(
        enterprise=enterprise,
        submitted_by=user,
        category=category,
        title=title[:200],
        content=content,
        department=department,
        submitted_on=today,
        days=days,
        due_on=due,
    )
    url = reverse("cultivation:request_detail", args=[req.pk])
    _notify(
        _department_users(department),
        f"新的企业诉求：{req.title}",
        f"{enterprise.name} 提交诉求（{req.get_category_display()}），请于 {due:%Y-%m-%d} 前办理。",
        url,
    )
    return req


def request_route(*, request: ServiceRequest, department: str, today: date) -> ServiceRequest:
    """Route an open request to another department (the deadline counts from today)."""
    if department not in DEPARTMENTS:
        raise CultivationError("unknown_department", UNKNOWN_DEPARTMENT.format(department=department))
    if request.status == ServiceRequest.Status.CLOSED:
        raise CultivationError("closed", ALREADY_CLOSED)
    request.department = department
    request.due_on = request_deadline(submitted_on=today, days=request.days)
    request.save(update_fields=["department", "due_on"])
    _notify(
        _department_users(department),
        f"转办的企业诉求：{request.title}",
        f"{request.enterprise.name} 的诉求已转至本部门，请于 {request.due_on:%Y-%m-%d} 前办理。",
        reverse("cultivation:request_detail", args=[request.pk]),
    )
    return request


def request_reply(
    *, request: ServiceRequest, user: User, body: str, close: bool, today: date
) -> RequestReply:
    """Answer a request (and close it, when ``close``); the enterprise is notified."""
    body = body.strip()
    if not body:
        raise CultivationError("empty", EMPTY_FIELD.format(field="答复内容"))
    if request.status == ServiceRequest.Status.CLOSED:
        raise CultivationError("closed", ALREADY_CLOSED)
    with transaction.atomic():
        reply = RequestReply.objects.create(request=request, user=user, body=body)
        request.status = ServiceRequest.Status.CLOSED if close else ServiceRequest.Status.REPLIED
        request.closed_on = today if close else None
        request.save(update_fields=["status", "closed_on"])
    _notify(
        _enterprise_users(request.enterprise_id),
        f"诉求{'已办结' if close else '有新答复'}：{request.title}",
        body[:500],
        reverse("cultivation:my_request", args=[request.pk]),
    )
    return reply


def request_rate(*, request: ServiceRequest, satisfaction: int, note: str = "") -> ServiceRequest:
    """The enterprise's satisfaction (1–5) with a closed request."""
    if request.status != ServiceRequest.Status.CLOSED:
        raise CultivationError("not_closed", NOT_CLOSED)
    if not 1 <= satisfaction <= 5:
        raise CultivationError("bad_satisfaction", BAD_SATISFACTION)
    request.satisfaction = satisfaction
    request.satisfaction_note = note.strip()[:500]
    request.save(update_fields=["satisfaction", "satisfaction_note"])
    return request


def requests_escalate(*, today: date) -> int:
    """督办: every open request past its deadline and not escalated yet is marked and reported to
    the bureau and to its department. Returns how many (a scheduled job or the bureau's button)."""
    overdue = list(
        ServiceRequest.objects.exclude(status=ServiceRequest.Status.CLOSED)
        .filter(due_on__lt=today, escalated_on__isnull=True)
        .select_related("enterprise")
    )
    if not overdue:
        return 0
    ServiceRequest.objects.filter(pk__in=[r.pk for r in overdue]).update(escalated_on=today)
    bureau = _bureau_users()
    for r in overdue:
        url = reverse("cultivation:request_detail", args=[r.pk])
        _notify(
            [*bureau, *_department_users(r.department)],
            f"诉求逾期督办：{r.title}",
            f"{r.enterprise.name} 的诉求（{r.department}承办）已于 {r.due_on:%Y-%m-%d} 到期，尚未办结。",
            url,
        )
    return len(overdue)


# --- export ----------------------------------------------------------------------------------------


def candidates_workbook(*, rows: Sequence[Any], rung_label: str) -> bytes:
    """The candidates list (with each one's gaps and plan) as an .xlsx for the town; every text
    cell passes :func:`lingjun.cellsafe.cell_value` (no formula from a dossier)."""
    import io

    from openpyxl import Workbook

    from lingjun.cellsafe import cell_value

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "候选企业"
    ws.append(
        [
            "序号",
            "企业名称",
            "统一社会信用代码",
            "镇街",
            "园区",
            "目标台阶",
            "未满足条件数",
            "差距清单",
            "培育方案",
            "目标日期",
            "方案进度",
        ]
    )
    for k, r in enumerate(rows, 1):
        gaps = "\n".join(g["text"] for g in (r.snapshot.gaps or {}).get("next", []))
        plan = r.plan
        ws.append(
            [
                cell_value(x)
                for x in (
                    k,
                    r.enterprise.name,
                    r.enterprise.uscc,
                    r.enterprise.town,
                    r.enterprise.park,
                    rung_label,
                    r.snapshot.failed,
                    gaps,
                    plan.get_status_display() if plan else "未制定",
                    plan.target_date if plan else None,
                    f"{plan.progress}%" if plan else "",
                )
            ]
        )
    for col, width in zip("ABCDEFGHIJK", (6, 30, 22, 12, 14, 16, 12, 80, 10, 12, 10), strict=True):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- demo --------------------------------------------------------------------------------------


def demo_cultivation(*, today: date, users: Mapping[str, User]) -> str:
    """Demo district: gap lists for the whole pool, plans for the town's nearest candidates, visits,
    and requests in every state (open, replied, overdue and escalated, closed and rated). Once."""
    from datetime import timedelta

    if CultivationPlan.objects.exists() or ServiceRequest.objects.exists():
        return ""
    town_officer, firm_user = users.get(Role.TOWN_OFFICER), users.get(Role.ENTERPRISE)
    liaison, staff = users.get(Role.DEPARTMENT), users.get(Role.DISTRICT_STAFF)
    computed = gaps_refresh(today=today)
    plans = 0
    town = getattr(town_officer, "town", "") if town_officer else ""
    for rung in (Rung.TECH_SME, Rung.CHUYING, Rung.HNTE, Rung.DENGLING, Rung.LINGJUN_PEIYU):
        snaps = GapSnapshot.objects.filter(next_rung=rung).select_related("enterprise")
        if town:
            snaps = snaps.filter(enterprise__town=town)
        chosen = [s.enterprise for s in snaps.order_by("failed", "inexact", "distance")[:3]]
        if chosen:
            plans += len(
                plans_create_bulk(
                    enterprises=chosen,
                    target_rung=rung,
                    target_date=date(today.year, 12, 31),
                    officer=town_officer,
                    user=town_officer,
                    today=today,
                )
            )
    for k, plan in enumerate(CultivationPlan.objects.select_related("enterprise")[:4]):
        visit_log(
            enterprise=plan.enterprise,
            officer=town_officer or staff,  # type: ignore[arg-type]
            visited_on=today - timedelta(days=3 + 7 * k),
            people_met="总经理、财务负责人",
            topics="对照差距清单逐项沟通：研发费用归集、知识产权布局与申报时间安排。",
            today=today,
            plan=plan,
        )
    firm = firm_user.enterprise if firm_user is not None else Enterprise.objects.order_by("pk").first()
    if firm is None:
        return f"培育服务：{computed} 家企业的差距，{plans} 个培育方案"
    department = getattr(liaison, "department", "") or "区工业和信息化局"
    responder = staff or liaison or firm_user
    assert responder is not None
    open_req = request_submit(
        enterprise=firm,
        user=firm_user,
        category=Category.PREMISES,
        title="扩大生产需租赁标准厂房约 2000 平方米",
        content="企业订单增长，现有厂房不足，希望协调园区标准厂房资源。",
        department=department if department in DEPARTMENTS else "",
        today=today,
    )
    replied = request_submit(
        enterprise=firm,
        user=firm_user,
        category=Category.FINANCING,
        title="申请科技型企业信用贷款",
        content="需流动资金 500 万元，希望对接合作银行。",
        today=today,
    )
    request_reply(
        request=replied,
        user=responder,
        body="已推荐至两家合作银行，近期将上门对接。",
        close=False,
        today=today,
    )
    old = today - timedelta(days=40)
    late = request_submit(
        enterprise=firm,
        user=firm_user,
        category=Category.TALENT,
        title="研发人员子女入学咨询",
        content="引进的两名博士子女入学需要协调。",
        department=department if department in DEPARTMENTS else "",
        today=old,
    )
    closed = request_submit(
        enterprise=firm,
        user=firm_user,
        category=Category.POLICY,
        title="雏鹰企业奖励兑现时间",
        content="去年入库的奖励资金何时拨付？",
        today=old,
    )
    request_reply(
        request=closed,
        user=responder,
        body="资金已于上月拨付至企业账户，请查收。",
        close=True,
        today=old + timedelta(days=5),
    )
    request_rate(request=closed, satisfaction=5, note="答复及时")
    escalated = requests_escalate(today=today)
    del open_req, late
    return (
        f"培育服务：{computed} 家企业的差距，{plans} 个培育方案，走访记录，"
        f"诉求 4 件（待办理、已答复、逾期督办 {escalated} 件、已办结并评价）"
    )
