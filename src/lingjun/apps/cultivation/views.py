"""The pages of cultivation (培育服务): thin — parse, check the matrix, call one service, render."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from lingjun.apps.accounts.permissions import Scope, can, request_user, requires, scope_of
from lingjun.apps.cultivation import selectors as sel
from lingjun.apps.cultivation import services as svc
from lingjun.apps.cultivation.models import (
    DEPARTMENTS,
    Category,
    CultivationPlan,
    Milestone,
    Rung,
    ServiceRequest,
)
from lingjun.apps.cultivation.services import CultivationError


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _int(text: str | None, default: int) -> int:
    try:
        return int((text or "").strip())
    except ValueError:
        return default


@requires("cultivation.view")
def home(request: HttpRequest) -> HttpResponse:
    """培育服务: the overview for officers; an enterprise user goes to its own page."""
    user = request_user(request)
    if scope_of(user, "cultivation.view") == Scope.OWN:
        return redirect("cultivation:enterprise", user.enterprise_id)
    today = timezone.localdate()
    context = sel.overview(user=user, today=today)
    context.update(rungs=Rung.choices, can_plan=can(user, "cultivation.plan"), today=today)
    return render(request, "cultivation/home.html", context)


@requires(post="cultivation.plan")
def refresh(request: HttpRequest) -> HttpResponse:
    """Recompute the gap lists of the whole pool (one engine run, as a background job)."""
    job = svc.gaps_refresh_enqueue(user=request_user(request), today=timezone.localdate())
    job.refresh_from_db()
    if job.status == "done":
        messages.success(
            request, _("已重新计算 %(n)s 家企业的培育差距。") % {"n": job.result.get("count", 0)}
        )
    else:
        messages.info(request, _("已开始在后台重新计算培育差距，完成后刷新本页即可看到。"))
    return redirect(request.POST.get("next") or "cultivation:candidates")


@requires(post="requests.handle")
def escalate(request: HttpRequest) -> HttpResponse:
    """督办: report the overdue requests (also done by the scheduled job)."""
    n = svc.requests_escalate(today=timezone.localdate())
    messages.success(request, _("已督办逾期诉求 %(n)s 件。") % {"n": n})
    return redirect("cultivation:requests")


@requires(get="cultivation.plan", post="cultivation.plan")
def candidates(request: HttpRequest) -> HttpResponse:
    """最接近的候选企业: per rung, nearest first, filterable by town; bulk plans from a selection."""
    user = request_user(request)
    today = timezone.localdate()
    source = request.POST if request.method == "POST" else request.GET
    rung = source.get("rung") or Rung.CHUYING
    if rung not in Rung.values:
        rung = Rung.CHUYING
    town = source.get("town", "")
    if request.method == "POST":
        ids = [int(x) for x in request.POST.getlist("enterprise") if x.isdigit()]
        chosen = list(sel.plannable_enterprises(user).filter(pk__in=ids))
        target = _date(request.POST.get("target_date"))
        try:
            if target is None:
                raise CultivationError("no_date", _("请填写目标日期。"))
            plans = svc.plans_create_bulk(
                enterprises=chosen, target_rung=rung, target_date=target, officer=user, user=user, today=today
            )
        except CultivationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已为 %(n)s 家企业制定培育方案。") % {"n": len(plans)})
        return redirect(f"{request.path}?rung={rung}&town={town}")
    rows = sel.candidates(user=user, rung=rung, town=town)
    context = {
        "rows": rows,
        "rung": rung,
        "rung_label": Rung(rung).label,
        "rungs": Rung.choices,
        "counts": sel.candidate_counts(user=user),
        "town": town,
        "towns": sel.towns_of(user),
        "last_computed": sel.last_computed(user=user),
        "default_target": date(today.year, 12, 31),
    }
    return render(request, "cultivation/candidates.html", context)


@requires("cultivation.plan")
def candidates_export(request: HttpRequest) -> HttpResponse:
    """The candidates list and their plans as an Excel workbook for the town."""
    from lingjun.apps.audit.models import AuditEvent
    from lingjun.apps.audit.services import audit_record

    user = request_user(request)
    rung = request.GET.get("rung") or Rung.CHUYING
    if rung not in Rung.values:
        raise Http404
    town = request.GET.get("town", "")
    rows = sel.candidates(user=user, rung=rung, town=town, limit=5000)
    data = svc.candidates_workbook(rows=rows, rung_label=str(Rung(rung).label))
    audit_record(
        action=AuditEvent.Action.EXPORT, user=user, target=f"培育候选企业 {rung}", detail={"rows": len(rows)}
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="cultivation-{rung}.xlsx"'
    return response


@requires("cultivation.view")
def enterprise(request: HttpRequest, pk: int) -> HttpResponse:
    """One enterprise: next rung and gap list (recomputed if its dossier changed), its plans,
    visits and requests."""
    user = request_user(request)
    ent = get_object_or_404(sel.cultivation_enterprises(user), pk=pk)
    today = timezone.localdate()
    snap = svc.gap_snapshot_current(enterprise=ent, today=today)
    plans = list(ent.cultivation_plans.prefetch_related("milestones").select_related("officer"))
    context = {
        "enterprise": ent,
        "snapshot": snap,
        "gaps": svc.gaps_to(snap, snap.next_rung) if snap else [],
        "plans": plans,
        "visits": list(sel.visits_of(enterprise=ent)[:50]),
        "requests": list(ent.service_requests.all()[:50]),
        "can_plan": can(user, "cultivation.plan"),
        "is_own": scope_of(user, "cultivation.view") == Scope.OWN,
        "rungs": Rung.choices,
        "today": today,
        "default_target": date(today.year, 12, 31),
    }
    return render(request, "cultivation/enterprise.html", context)


@requires(post="cultivation.plan")
def plan_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Create a plan from the enterprise's gap list."""
    user = request_user(request)
    ent = get_object_or_404(sel.plannable_enterprises(user), pk=pk)
    target = _date(request.POST.get("target_date"))
    try:
        if target is None:
            raise CultivationError("no_date", _("请填写目标日期。"))
        svc.plan_create(
            enterprise=ent,
            target_rung=request.POST.get("target_rung", ""),
            target_date=target,
            officer=user,
            user=user,
            today=timezone.localdate(),
            measures=request.POST.get("measures", ""),
        )
    except CultivationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已根据差距清单制定培育方案。"))
    return redirect("cultivation:enterprise", ent.pk)


@requires(get="cultivation.view", post="cultivation.plan")
def plan_detail(request: HttpRequest, plan_pk: int) -> HttpResponse:
    """A plan: milestones (tick done, add), measures, status."""
    user = request_user(request)
    plan = get_object_or_404(sel.plans_visible_to(user), pk=plan_pk)
    if request.method == "POST":
        if not sel.plannable_enterprises(user).filter(pk=plan.enterprise_id).exists():
            raise Http404
        op = request.POST.get("op", "")
        try:
            if op == "milestone_done":
                m = get_object_or_404(Milestone, pk=_int(request.POST.get("milestone"), 0), plan=plan)
                svc.milestone_set_done(milestone=m, done=request.POST.get("done") == "1")
            elif op == "milestone_add":
                svc.milestone_add(
                    plan=plan, title=request.POST.get("title", ""), due_on=_date(request.POST.get("due_on"))
                )
            elif op == "update":
                svc.plan_update(
                    plan=plan,
                    status=request.POST.get("status"),
                    measures=request.POST.get("measures"),
                    target_date=_date(request.POST.get("target_date")),
                )
            else:
                raise CultivationError("bad_op", _("请选择操作。"))
        except CultivationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已保存。"))
        return redirect("cultivation:plan_detail", plan.pk)
    context = {
        "plan": plan,
        "milestones": list(plan.milestones.all()),
        "statuses": CultivationPlan.Status.choices,
        "can_plan": can(user, "cultivation.plan")
        and sel.plannable_enterprises(user).filter(pk=plan.enterprise_id).exists(),
    }
    return render(request, "cultivation/plan.html", context)


@requires(post="cultivation.plan")
def visit_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Log a visit (走访)."""
    user = request_user(request)
    ent = get_object_or_404(sel.plannable_enterprises(user), pk=pk)
    today = timezone.localdate()
    try:
        svc.visit_log(
            enterprise=ent,
            officer=user,
            visited_on=_date(request.POST.get("visited_on")) or today,
            people_met=request.POST.get("people_met", ""),
            topics=request.POST.get("topics", ""),
            today=today,
        )
    except CultivationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已记录走访。"))
    return redirect("cultivation:enterprise", ent.pk)


# --- requests ------------------------------------------------------------------------------------


@requires(get="requests.submit", post="requests.submit")
def my_requests(request: HttpRequest) -> HttpResponse:
    """The enterprise's own requests, and a form to file one."""
    user = request_user(request)
    if request.method == "POST":
        try:
            req = svc.request_submit(
                enterprise=user.enterprise,  # type: ignore[arg-type]
                user=user,
                category=request.POST.get("category", ""),
                title=request.POST.get("title", ""),
                content=request.POST.get("content", ""),
                department=request.POST.get("department", ""),
                today=timezone.localdate(),
            )
        except CultivationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("诉求已提交，由%(dep)s办理，办理期限 %(due)s。")
                % {"dep": req.department, "due": req.due_on},
            )
        return redirect("cultivation:my_requests")
    context = {
        "rows": list(sel.requests_of_own(user)[:200]),
        "categories": Category.choices,
        "departments": DEPARTMENTS,
        "today": timezone.localdate(),
    }
    return render(request, "cultivation/my_requests.html", context)


@requires(get="requests.submit", post="requests.submit")
def my_request(request: HttpRequest, service_request_pk: int) -> HttpResponse:
    """Follow one own request; rate the satisfaction once it is closed."""
    user = request_user(request)
    req = get_object_or_404(sel.requests_of_own(user), pk=service_request_pk)
    if request.method == "POST":
        try:
            svc.request_rate(
                request=req,
                satisfaction=_int(request.POST.get("satisfaction"), 0),
                note=request.POST.get("note", ""),
            )
        except CultivationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("感谢您的评价。"))
        return redirect("cultivation:my_request", req.pk)
    context = {"req": req, "replies": list(req.replies.select_related("user")), "today": timezone.localdate()}
    return render(request, "cultivation/request_detail.html", {**context, "own": True})


@requires("requests.handle")
def requests_queue(request: HttpRequest) -> HttpResponse:
    """诉求办理: the queue of requests the user handles (a department: only those routed to it)."""
    user = request_user(request)
    today = timezone.localdate()
    status = request.GET.get("status", "open")
    qs = sel.requests_handled_by(user)
    if status == "overdue":
        qs = sel.overdue(qs, today=today)
    elif status in ServiceRequest.Status.values:
        qs = qs.filter(status=status)
    context = {
        "rows": list(qs.order_by("due_on", "id")[:300]),
        "status": status,
        "statuses": [*ServiceRequest.Status.choices, ("overdue", _("已逾期"))],
        "today": today,
        "department": user.department if scope_of(user, "requests.handle") == Scope.DEPARTMENT else "",
        "is_bureau": scope_of(user, "requests.handle") == Scope.DISTRICT,
    }
    return render(request, "cultivation/requests.html", context)


@requires(get="requests.handle", post="requests.handle")
def request_detail(request: HttpRequest, service_request_pk: int) -> HttpResponse:
    """One routed request: reply, close, or route to another department."""
    user = request_user(request)
    req = get_object_or_404(sel.requests_handled_by(user), pk=service_request_pk)
    today = timezone.localdate()
    if request.method == "POST":
        op = request.POST.get("op", "reply")
        try:
            if op == "route":
                svc.request_route(request=req, department=request.POST.get("department", ""), today=today)
            else:
                svc.request_reply(
                    request=req,
                    user=user,
                    body=request.POST.get("body", ""),
                    close=op == "close",
                    today=today,
                )
        except CultivationError as exc:
            messages.error(request, exc.message)
            return redirect("cultivation:request_detail", req.pk)
        messages.success(request, _("已保存。"))
        if sel.requests_handled_by(user).filter(pk=req.pk).exists():
            return redirect("cultivation:request_detail", req.pk)
        return redirect("cultivation:requests")
    context = {
        "req": req,
        "replies": list(req.replies.select_related("user")),
        "departments": DEPARTMENTS,
        "today": today,
        "own": False,
    }
    return render(request, "cultivation/request_detail.html", context)
