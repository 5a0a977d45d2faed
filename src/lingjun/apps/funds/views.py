"""The pages of funds (资金扶持): the enterprise's, the district bureau's and the finance bureau's.

Every action is a POST naming the claim in its body (``claim``); a refused action comes back as
the service's Chinese message on the page it came from.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse as reverse_url
from django.utils import timezone
from django.utils.translation import gettext as _

from lingjun.apps.accounts.permissions import can, request_user, requires
from lingjun.apps.funds import selectors, services
from lingjun.apps.funds.models import AmountConfirmation, Claim, Source
from lingjun.apps.funds.services import FundsError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year") or request.POST.get("year") or ""
    try:
        year = int(raw)
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _claim_id(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("claim", ""))
    except ValueError:
        return None


def _inputs_of(measure_id: str) -> list[dict[str, str]]:
    """The facts an enterprise supplies for a measure (annual rent, area, city reward …)."""
    try:
        m = services.measure_of(measure_id)
    except FundsError:
        return []
    return [{"name": n, "label": i.label, "kind": i.kind, "unit": i.unit} for n, i in m.policy.inputs.items()]


def _posted_inputs(request: HttpRequest, measure_id: str) -> dict[str, str]:
    out = {}
    for spec in _inputs_of(measure_id):
        raw = request.POST.get(f"in_{spec['name']}", "").strip()
        if spec["kind"] == "bool":
            if raw in ("true", "false"):
                out[spec["name"]] = raw
        elif raw:
            out[spec["name"]] = raw[:30]
    return out


def _labels() -> dict[str, str]:
    return {m.id: m.label for m in services.measures().measures}


def _act(request: HttpRequest, back: str, work: Callable[[int], Any], done: str) -> HttpResponse:
    pk = _claim_id(request)
    if pk is None or not Claim.objects.filter(pk=pk).exists():
        messages.error(request, _("请选择一笔申请。"))
        return redirect(back)
    try:
        work(pk)
    except FundsError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(back)


# --------------------------------------------------------------------------- the enterprise


@requires("funds.claim")
def enterprise_page(request: HttpRequest) -> HttpResponse:
    """本企业：免申即享待确认、申请记录、各项措施的核验情况（还缺什么）。"""
    user = request_user(request)
    year = _year(request)
    today = timezone.localdate()
    claims = selectors.claims_visible_to(user).filter(fiscal_year=year).exclude(state=Claim.State.LAPSED)
    as_of = min(today, date(year, 12, 31))
    measures = services.enterprise_measures(
        enterprise_id=int(user.enterprise_id or 0), fiscal_year=year, as_of=as_of
    )
    open_measures = set(claims.values_list("measure", flat=True))
    context = {
        "year": year,
        "labels": _labels(),
        "proposals": [
            {"c": c, "inputs": _inputs_of(c.measure)} for c in claims if c.state == Claim.State.PROPOSED
        ],
        "claims": [c for c in claims if c.state != Claim.State.PROPOSED],
        "next": [
            {**m, "inputs": _inputs_of(m["measure"])}
            for m in measures
            if m["eligible"] is None and m["measure"] not in open_measures
        ],
        "eligible": [
            {**m, "inputs": _inputs_of(m["measure"])}
            for m in measures
            if m["eligible"] is True and m["measure"] not in open_measures
        ],
    }
    return render(request, "funds/enterprise.html", context)


@requires(post="funds.claim")
def confirm(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    return _act(
        request,
        f"{reverse_url('funds:enterprise')}?year={_year(request)}",
        lambda pk: services.claim_confirm(
            claim_id=pk,
            user=user,
            enterprise_id=user.enterprise_id,
            inputs=_posted_inputs(request, Claim.objects.get(pk=pk).measure),
        ),
        _("已确认申领，等待区科技局审核。"),
    )


@requires(post="funds.claim")
def apply(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    measure = request.POST.get("measure", "")
    try:
        services.claim_apply(
            enterprise_id=int(user.enterprise_id or 0),
            measure=measure,
            fiscal_year=_year(request),
            user=user,
            inputs=_posted_inputs(request, measure),
        )
    except FundsError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已提交申请，等待区科技局审核。"))
    return redirect("funds:enterprise")


# --------------------------------------------------------------------------- the district bureau


@requires(get="funds.review", post="funds.review")
def review_queue(request: HttpRequest) -> HttpResponse:
    """区科技局：待审核的申请（审核时规则引擎再核验一次）；免申即享的刷新。"""
    if request.method == "POST":
        passed = request.POST.get("decision") == "pass"
        user = request_user(request)
        return _act(
            request,
            "funds:review",
            lambda pk: services.claim_review(
                claim_id=pk, user=user, passed=passed, reason=request.POST.get("reason", "")
            ),
            _("已审核通过。") if passed else _("已驳回。"),
        )
    context = {
        "labels": _labels(),
        "rows": selectors.queue(states=(Claim.State.APPLIED,)),
        "proposed": Claim.objects.filter(state=Claim.State.PROPOSED).count(),
    }
    return render(request, "funds/review.html", context)


@requires(post="funds.review")
def proposals_refresh(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    services.proposals_enqueue(fiscal_year=_year(request), as_of=today, user=request_user(request))
    messages.success(request, _("已排队重新计算免申即享名单，完成后刷新本页即可看到。"))
    return redirect("funds:review")


@requires(get="funds.view", post="funds.budget")
def budgets(request: HttpRequest) -> HttpResponse:
    """预算与措施：各措施的预算、调整记录，暂定金额及其确认。"""
    year = _year(request)
    user = request_user(request)
    if request.method == "POST":
        try:
            amount = Decimal(request.POST.get("amount", ""))
            services.budget_set(
                fiscal_year=year,
                source=request.POST.get("source", ""),
                measure=request.POST.get("measure", ""),
                amount=amount,
                reason=request.POST.get("reason", ""),
                user=user,
            )
        except (InvalidOperation, ValueError):
            messages.error(request, services.BAD_AMOUNT)
        except FundsError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("预算已保存（调整已记录）。"))
        return redirect(f"{request.path}?year={year}")
    ms = services.measures()
    confirmed = set(AmountConfirmation.objects.filter(fiscal_year=year).values_list("measure", flat=True))
    context = {
        "year": year,
        "labels": _labels(),
        "budgets": selectors.budgets(fiscal_year=year).prefetch_related("adjustments"),
        "measures": [
            {
                "m": m,
                "confirmed": m.id in confirmed,
                "once": services.ONCE_LABELS[m.once],
                "source": str(Source(m.source).label),
                "amount": services.amount_text(m, on=date(year, 12, 31)),
            }
            for m in ms.measures
        ],
        "sources": Source.choices,
        "can_budget": can(user, "funds.budget"),
        "can_confirm": can(user, "funds.confirm_amount"),
    }
    return render(request, "funds/budgets.html", context)


@requires(post="funds.confirm_amount")
def confirm_amount(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    try:
        services.amount_confirm(
            measure=request.POST.get("measure", ""),
            fiscal_year=year,
            user=request_user(request),
            note=request.POST.get("note", ""),
        )
    except FundsError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已确认该措施本年度的金额。"))
    return redirect(f"{reverse_url('funds:budgets')}?year={year}")


# --------------------------------------------------------------------------- the finance bureau


@requires("funds.approve")
def finance_queue(request: HttpRequest) -> HttpResponse:
    """区财政局：待批准（已审核）与待拨付（已批准）的申请；已拨付的可登记追回。"""
    context = {
        "labels": _labels(),
        "to_approve": selectors.queue(states=(Claim.State.REVIEWED,)),
        "to_disburse": selectors.queue(states=(Claim.State.APPROVED,)),
        "disbursed": selectors.queue(states=(Claim.State.DISBURSED,), limit=50),
        "today": timezone.localdate(),
        "year": _year(request),
    }
    return render(request, "funds/finance.html", context)


@requires(post="funds.approve")
def approve(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    return _act(
        request,
        "funds:finance",
        lambda pk: services.claim_approve(claim_id=pk, user=user),
        _("已批准（已占用预算）。"),
    )


@requires(post="funds.disburse")
def disburse(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    try:
        day = date.fromisoformat(request.POST.get("voucher_date", ""))
    except ValueError:
        messages.error(request, services.VOUCHER_REQUIRED)
        return redirect("funds:finance")
    number = request.POST.get("voucher_number", "")
    return _act(
        request,
        "funds:finance",
        lambda pk: services.claim_disburse(claim_id=pk, user=user, voucher_number=number, voucher_date=day),
        _("已登记拨付。"),
    )


@requires(post="funds.disburse")
def reverse(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    reason = request.POST.get("reason", "")
    return _act(
        request,
        "funds:finance",
        lambda pk: services.claim_reverse(claim_id=pk, user=user, reason=reason),
        _("已登记撤销/追回（新增冲销记录）。"),
    )


# --------------------------------------------------------------------------- reports


@requires("funds.view")
def reports(request: HttpRequest) -> HttpResponse:
    """报表：按措施、资金来源、镇街、层级、年度；台账核对；预算执行图。"""
    year = _year(request)
    by = request.GET.get("by", "measure")
    if by not in selectors.DIMENSIONS:
        by = "measure"
    labels = _labels()
    rows = selectors.report(by=by, fiscal_year=None if by == "year" else year)
    context = {
        "year": year,
        "by": by,
        "dimensions": [(k, v[1]) for k, v in selectors.DIMENSIONS.items()],
        "rows": rows,
        "labels": labels,
        "sources": dict(Source.choices),
        "reconciliation": selectors.reconciliation(fiscal_year=year),
        "chart": selectors.spending_chart(fiscal_year=year, labels=labels),
    }
    return render(request, "funds/reports.html", context)


@requires("funds.view")
def payments_xlsx(request: HttpRequest) -> FileResponse:
    """区财政局拨付清单（Excel）。"""
    year = _year(request)
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    services.payment_list_xlsx(fiscal_year=year, out=out)
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename=f"扶持资金拨付清单_{year}年度.xlsx", content_type=XLSX
    )
