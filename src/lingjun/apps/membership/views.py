"""The pages of membership (入库企业管理): the member list, an enterprise's history and exit, the
re-evaluation findings queue, and the enterprise's own membership with its annual update."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lingjun.apps.accounts.permissions import Scope, can, request_user, requires, scope_of
from lingjun.apps.enterprises.selectors import enterprises_visible_to
from lingjun.apps.membership.models import ExitReason, PoolReview, ReviewFinding, Tier
from lingjun.apps.membership.selectors import (
    STATUSES,
    MemberFilters,
    annual_update_of,
    current_membership,
    finding_counts,
    findings_filtered,
    member_counts,
    member_towns,
    members_filtered,
    memberships_of,
    owes_annual_update,
    reviews_recent,
)
from lingjun.apps.membership.services import (
    MembershipError,
    annual_update_confirm,
    annual_update_deadline,
    annual_update_remind,
    findings_confirm,
    findings_dismiss,
    membership_exit,
    memberships_sweep_enqueue,
    pool_review_start,
)

PER_PAGE = 50


@requires(get="membership.view", post="membership.manage")
def member_list(request: HttpRequest) -> HttpResponse:
    """入库企业: members with filters (tier, town, status, annual update) and counts; for managers
    the buttons that start the daily check, a re-evaluation, and reminders."""
    user = request_user(request)
    today = timezone.localdate()
    if request.method == "POST":
        return _start(request, today)
    if scope_of(user, "membership.view") == Scope.OWN:
        return redirect("membership:mine")
    filters = MemberFilters.of(request.GET)
    rows = members_filtered(user=user, filters=filters, today=today)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    counts = member_counts(user=user, today=today)
    context = {
        "page": page,
        "filters": filters,
        "counts": counts,
        "status_tabs": [(v, label, counts["statuses"].get(v)) for v, label in STATUSES],
        "tiers": Tier.choices,
        "towns": member_towns(user=user),
        "today": today,
        "query": query.urlencode(),
        "can_manage": can(user, "membership.manage"),
        "reviews": reviews_recent() if can(user, "membership.manage") else [],
        "deadline": annual_update_deadline(year=today.year),
    }
    return render(request, "membership/member_list.html", context)


def _start(request: HttpRequest, today: date) -> HttpResponse:
    user = request_user(request)
    what = request.POST.get("start")
    if what == "sweep":
        memberships_sweep_enqueue(as_of=today, user=user)
        messages.success(request, _("出库检查已开始（后台执行），完成后出库记录和通知随即生成。"))
    elif what == "review":
        review, _job = pool_review_start(as_of=today, year=None, user=user)
        messages.success(request, _("复核已开始（后台执行），完成后不达标企业列入复核发现待处理。"))
        return redirect(f"{reverse('membership:findings')}?review={review.pk}")
    elif what == "remind":
        try:
            n = annual_update_remind(year=today.year, as_of=today, force=True)
        except MembershipError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已发送年度信息更新提醒 %(n)s 条。") % {"n": n})
    else:
        messages.error(request, _("请选择要执行的操作。"))
    return redirect("membership:member_list")


@requires(get="membership.view", post="membership.manage")
def enterprise_memberships(request: HttpRequest, pk: int) -> HttpResponse:
    """One enterprise's history of memberships; managers exit its current membership (a POST
    with ``reason`` and ``note``)."""
    user = request_user(request)
    enterprise = get_object_or_404(enterprises_visible_to(user), pk=pk)
    today = timezone.localdate()
    current = current_membership(enterprise_id=enterprise.pk, as_of=today)
    if request.method == "POST":
        if current is None:
            messages.error(request, _("该企业目前不在库，无法出库。"))
        else:
            try:
                membership_exit(
                    membership_id=current.pk,
                    on=today,
                    reason=request.POST.get("reason", ""),
                    note=request.POST.get("note", "").strip(),
                    user=user,
                )
            except MembershipError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已出库：%(name)s") % {"name": enterprise.name})
        return redirect("membership:enterprise", pk=enterprise.pk)
    context = {
        "enterprise": enterprise,
        "history": memberships_of(enterprise_id=enterprise.pk).select_related("entered_by", "exited_by"),
        "current": current,
        "reasons": [r for r in ExitReason.choices if r[0] != ExitReason.PROMOTION],
        "can_manage": can(user, "membership.manage"),
        "updates": enterprise.annual_updates.select_related("confirmed_by").order_by("-year")[:10],
        "findings": enterprise.review_findings.select_related("review", "decided_by").order_by("-id")[:10],
    }
    return render(request, "membership/enterprise.html", context)


@requires(get="membership.view", post="membership.manage")
def findings(request: HttpRequest) -> HttpResponse:
    """复核发现: findings of the officer's jurisdiction by status, tier, town and review. A POST
    confirms or dismisses the selected findings, or every finding matching the filter
    (``scope=all``: all pages, not only the visible one)."""
    user = request_user(request)
    params = request.POST if request.method == "POST" else request.GET
    rows, used = findings_filtered(user=user, params=params)
    if request.method == "POST":
        return _decide(request, rows, used)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    counts = finding_counts(user=user)
    context = {
        "page": page,
        "used": used,
        "status_tabs": [(v, label, counts.get(v, 0)) for v, label in ReviewFinding.Status.choices],
        "tiers": Tier.choices,
        "towns": member_towns(user=user),
        "query": query.urlencode(),
        "can_manage": can(user, "membership.manage"),
        "reviews": reviews_recent(),
        "review": PoolReview.objects.filter(pk=int(used["review"])).first() if used["review"] else None,
    }
    return render(request, "membership/findings.html", context)


def _decide(request: HttpRequest, rows: QuerySet[ReviewFinding], used: dict[str, str]) -> HttpResponse:
    user = request_user(request)
    back = f"{reverse('membership:findings')}?{urlencode({k: v for k, v in used.items() if v})}"
    decision = request.POST.get("decision")
    if request.POST.get("scope") != "all":
        ids = [int(i) for i in request.POST.getlist("finding") if i.isdigit()]
        if not ids:
            messages.error(request, _("请勾选要处理的复核发现，或选择“全部符合条件的”。"))
            return redirect(back)
        rows = rows.filter(pk__in=ids)
    note = request.POST.get("note", "").strip()
    if decision == "confirm":
        n = findings_confirm(findings=rows, on=timezone.localdate(), note=note, user=user)
        messages.success(request, _("已确认 %(n)s 条复核发现，相应企业已出库（复核不达标）。") % {"n": n})
    elif decision == "dismiss":
        try:
            n = findings_dismiss(findings=rows, note=note, user=user)
        except MembershipError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已驳回 %(n)s 条复核发现，企业保留在库。") % {"n": n})
    else:
        messages.error(request, _("请选择确认出库或驳回。"))
    return redirect(back)


@requires(get="membership.annual_update", post="membership.annual_update")
def mine(request: HttpRequest) -> HttpResponse:
    """The enterprise's own membership, its history, and the annual information update (a POST
    confirms its dossier of last year)."""
    user = request_user(request)
    assert user.enterprise_id is not None  # the matrix gives this page to enterprise users only
    today = timezone.localdate()
    if request.method == "POST":
        try:
            annual_update_confirm(enterprise_id=user.enterprise_id, on=today, user=user)
        except MembershipError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(year)s年度信息更新已确认。") % {"year": today.year})
        return redirect("membership:mine")
    current = current_membership(enterprise_id=user.enterprise_id, as_of=today)
    context = {
        "current": current,
        "history": memberships_of(enterprise_id=user.enterprise_id),
        "year": today.year,
        "data_year": today.year - 1,
        "deadline": annual_update_deadline(year=today.year),
        "update": annual_update_of(enterprise_id=user.enterprise_id, year=today.year),
        "owes": current is not None and owes_annual_update(membership=current, year=today.year),
        "today": today,
    }
    return render(request, "membership/mine.html", context)
