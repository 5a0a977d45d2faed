"""The pages of plan (领军计划实施): targets' actuals, growth monitoring, department tasks, the
leading group's meeting pack. The dashboard itself is the home page's section (``_home.html``)."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from lingjun.apps.accounts.permissions import Scope, request_user, requires, scope_of
from lingjun.apps.plan.catalog import period_for, task_catalog
from lingjun.apps.plan.documents import meeting_pack_pdf, meeting_pack_xlsx
from lingjun.apps.plan.forms import TargetActualForm, TaskReportForm
from lingjun.apps.plan.growth import WARNINGS
from lingjun.apps.plan.models import TargetActual, TaskReport
from lingjun.apps.plan.selectors import (
    growth_summary,
    monitoring_latest,
    reporting_periods,
    tasks_board,
    warnings_page,
    watch_lists,
)
from lingjun.apps.plan.services import (
    PlanRefused,
    monitoring_compute,
    target_actual_record,
    task_reminders_send,
    task_report_submit,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


# --------------------------------------------------------------------------- target actuals


@requires(get="plan.record_actual", post="plan.record_actual")
def target_actuals(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    period = period_for(today)
    form = TargetActualForm(request.POST or None, period=period, initial={"as_of": today})
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            target_actual_record(
                period=period.code,
                target=data["target"],
                value=data["value"],
                as_of=data["as_of"],
                evidence=data["evidence"],
                user=request_user(request),
                today=today,
            )
        except PlanRefused as refused:
            error = refused.message
        else:
            messages.success(request, _("已录入目标完成值。"))
            return redirect("plan:target_actuals")
    entries = TargetActual.objects.filter(period=period.code).select_related("entered_by")
    labels = {t.code: t.label for t in period.targets}
    return render(
        request,
        "plan/target_actuals.html",
        {"form": form, "period": period, "entries": entries, "labels": labels, "error": error},
    )


# ------------------------------------------------------------------------------- monitoring


@requires(get="monitoring.view", post="monitoring.run")
def monitoring(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        run = monitoring_compute(as_of=timezone.localdate())
        messages.success(
            request,
            _("已重新计算 %(n)s 家企业的成长性指标（用时 %(s).1f 秒）。")
            % {"n": run.enterprises, "s": run.seconds},
        )
        return redirect("plan:monitoring")
    user = request_user(request)
    latest = monitoring_latest()
    context: dict[str, object] = {
        "latest": latest,
        "warnings": WARNINGS,
        "can_run": scope_of(user, "monitoring.run") != Scope.NONE,
    }
    if latest is not None:
        path, as_of = latest
        town = request.GET.get("town", "")[:64]
        kind = request.GET.get("kind", "")
        try:
            page = max(1, min(int(request.GET.get("page", 1)), 10_000))
        except ValueError:
            page = 1
        rows, has_next = warnings_page(user=user, path=path, town=town, kind=kind, page=page)
        context.update(
            as_of=as_of,
            summary=growth_summary(user=user, path=path),
            towns=watch_lists(user=user, path=path),
            rows=rows,
            has_next=has_next,
            page=page,
            town=town,
            kind=kind if kind in WARNINGS else "",
        )
    return render(request, "plan/monitoring.html", context)


# ------------------------------------------------------------------------------------ tasks


def _department(request: HttpRequest) -> str:
    """The department whose tasks the user sees: the liaison's own; ``""`` for district roles."""
    user = request_user(request)
    return user.department if scope_of(user, "tasks.view") == Scope.DEPARTMENT else ""


@requires(get="tasks.view", post="tasks.remind")
def tasks(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    if request.method == "POST":
        sent = task_reminders_send(today=today)
        messages.success(request, _("已向 %(n)s 位联络员发送催报提醒。") % {"n": sent})
        return redirect("plan:tasks")
    department = _department(request)
    user = request_user(request)
    return render(
        request,
        "plan/tasks.html",
        {
            "rows": tasks_board(today=today, department=department),
            "department": department,
            "periods": reporting_periods(today=today),
            "today": today,
            "can_report": scope_of(user, "tasks.report") != Scope.NONE,
            "can_remind": scope_of(user, "tasks.remind") != Scope.NONE,
        },
    )


@requires(get="tasks.report", post="tasks.report")
def task_report(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    user = request_user(request)
    periods = reporting_periods(today=today)
    form = TaskReportForm(
        request.POST or None,
        request.FILES or None,
        tasks=task_catalog().of_department(user.department),
        periods=[(p.start, p.label) for p in periods],
        initial={"task": request.GET.get("task", ""), "period_start": request.GET.get("period", "")},
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            task_report_submit(
                task=data["task"],
                department=user.department,
                period_start=data["period_start"],
                progress=data["progress"],
                figures=data["figures"],
                attachment=data.get("attachment"),
                user=user,
                today=today,
            )
        except PlanRefused as refused:
            error = refused.message
        else:
            messages.success(request, _("已报送任务进度。"))
            return redirect("plan:tasks")
    return render(
        request, "plan/task_report.html", {"form": form, "error": error, "department": user.department}
    )


@requires("tasks.view")
def report_attachment(request: HttpRequest, report_pk: int) -> FileResponse:
    reports = TaskReport.objects.exclude(attachment="")
    department = _department(request)
    if department:
        reports = reports.filter(department=department)
    report = get_object_or_404(reports, pk=report_pk)
    try:
        handle = report.attachment.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    name = report.attachment.name.rsplit("/", 1)[-1]
    return FileResponse(handle, as_attachment=True, filename=name)


@requires("tasks.view")
def meeting_pack_pdf_view(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return _attachment(meeting_pack_pdf(today=today), "application/pdf", f"领导小组会议材料-{today}.pdf")


@requires("tasks.view")
def meeting_pack_xlsx_view(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return _attachment(meeting_pack_xlsx(today=today), XLSX, f"领导小组会议材料-{today}.xlsx")
