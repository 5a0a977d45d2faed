"""Evaluation pages (评价): runs, their results, explanations, the enterprise's self-evaluation.

Each view parses, authorises, calls one service or selector, renders. Enterprise pages fetch the
enterprise with ``get_object_or_404`` from :func:`enterprises_visible_to`, runs from
:func:`runs_visible_to`; anything outside the user's scope is a 404 like a missing page.

A run is evaluated in the background: the form records it (``evaluation_run_start``, which checks
the parameters with the engine's own errors first), hands it to :data:`RUNNER` and redirects
to the run page, which polls the run's status with htmx until it is done. :data:`RUNNER` queues it
as a durable job that a worker process evaluates (:func:`evaluation_run_enqueue`); the page shows
the job's progress and can cancel it.
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook

from lingjun.apps.accounts.models import User
from lingjun.apps.accounts.permissions import Scope, request_user, requires, scope_of
from lingjun.apps.audit.models import AuditEvent
from lingjun.apps.audit.services import audit_record
from lingjun.apps.enterprises.selectors import enterprises_editable_by, enterprises_visible_to
from lingjun.apps.errors import page_out_of_range
from lingjun.apps.evaluation.forms import ResultFilterForm, RunForm, SelfEvaluationForm
from lingjun.apps.evaluation.models import EvaluationRun, Outcome
from lingjun.apps.evaluation.selectors.explanations import enterprise_explanation, self_evaluation
from lingjun.apps.evaluation.selectors.policies import policy_label
from lingjun.apps.evaluation.selectors.results import (
    ExportRow,
    ResultFilters,
    enterprise_runs,
    run_results_export,
    run_results_page,
    run_towns,
    scored_policies,
)
from lingjun.apps.evaluation.selectors.runs import (
    can_start_runs,
    run_counts,
    run_estimate,
    run_job,
    run_list,
    run_policies,
    run_queue_ahead,
    run_row,
    runs_visible_to,
)
from lingjun.apps.evaluation.services import (
    evaluation_run_cancel,
    evaluation_run_enqueue,
    evaluation_run_execute,
    evaluation_run_start,
)
from lingjun.apps.paging import MAX_PAGE
from lingjun.cellsafe import cell_value
from lingjun.rules import RulesError

logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RUNS_PER_PAGE = 10


# ------------------------------------------------------------------------------ background runs


def run_in_background(run: EvaluationRun) -> None:
    """Queue the run as a background job (a worker process evaluates it)."""
    evaluation_run_enqueue(run=run)


def run_now(run: EvaluationRun) -> None:
    """Evaluate the run in the request (tests); a failure is recorded on the run."""
    try:
        evaluation_run_execute(run=run)
    except Exception:
        logger.exception("evaluation run %s failed", run.pk)


#: how an accepted run is executed; tests set it to :func:`run_now`
RUNNER: Callable[[EvaluationRun], None] = run_in_background


# ------------------------------------------------------------------------------------- helpers


def _user(request: HttpRequest) -> User:
    return request_user(request)  # @requires checked the action of the permission matrix


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _partial(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request"))


def _attachment(response: HttpResponse | StreamingHttpResponse | FileResponse, filename: str) -> None:
    header = content_disposition_header(True, filename)
    assert header is not None
    response["Content-Disposition"] = header


# ------------------------------------------------------------------------------------ run list


@requires(get="evaluation.view", post="evaluation.run")
def index(request: HttpRequest) -> HttpResponse:
    """评价批次 list, and the form that starts a run (district bureau and evaluator only)."""
    user = _user(request)
    today = timezone.localdate()
    form: RunForm | None = None
    if can_start_runs(user):
        if request.method == "POST":
            form = RunForm(request.POST, today=today)
            if form.is_valid():
                try:
                    run = evaluation_run_start(**form.run_parameters(), user=user)
                except (RulesError, ValueError) as exc:
                    form.add_engine_error(exc)
                else:
                    RUNNER(run)
                    return redirect("evaluation:run_detail", run_pk=run.pk)
        else:
            year = _int(request.GET.get("year"))
            form = RunForm(initial={"year": year} if year else None, today=today)
    page = max(1, _int(request.GET.get("page"), 1))
    rows, has_more = run_list(user=user, limit=RUNS_PER_PAGE, offset=(page - 1) * RUNS_PER_PAGE)
    context = {
        "form": form,
        "rows": rows,
        "page": page,
        "has_more": has_more,
        "today": today,
    }
    return render(request, "evaluation/index.html", context)


@requires("evaluation.view")
def run_counts_fragment(request: HttpRequest, run_pk: int) -> HttpResponse:
    """The counts of one run over the user's jurisdiction (loaded lazily by the run list)."""
    user = _user(request)
    run = get_object_or_404(runs_visible_to(user), pk=run_pk)
    return render(
        request, "evaluation/_counts_inline.html", {"run": run, "counts": run_counts(user=user, run=run)}
    )


# ------------------------------------------------------------------------------------ one run


def _filters(
    request: HttpRequest, user: User, run: EvaluationRun
) -> tuple[ResultFilterForm, ResultFilters, int]:
    form = ResultFilterForm(
        request.GET,
        policies=[(p, policy_label(p)) for p in run_policies(run)],
        towns=run_towns(user=user),
    )
    form.is_valid()  # an invalid filter is shown with its error and left out
    data = form.cleaned_data
    filters = ResultFilters(
        q=(data.get("q") or "").strip(),
        policy=data.get("policy") or "",
        result=data.get("result") or "",
        town=data.get("town") or "",
    )
    return form, filters, data.get("page") or 1


@requires("evaluation.view")
def run_detail(request: HttpRequest, run_pk: int) -> HttpResponse:
    """评价结果 of one run: parameters, counts per policy and result, the filtered results."""
    user = _user(request)
    run = get_object_or_404(runs_visible_to(user), pk=run_pk)
    form, filters, page_number = _filters(request, user, run)
    if "page" in form.errors:
        return page_out_of_range(request, MAX_PAGE)
    done = run.status == EvaluationRun.Status.DONE
    page = run_results_page(user=user, run=run, filters=filters, page=page_number) if done else None
    context = {
        "run": run,
        "row": run_row(run=run, user=user if done else None),
        "form": form,
        "filters": filters,
        "page": page,
        "policies": [(p, policy_label(p)) for p in run_policies(run)],
        "scored": scored_policies(run),
        **_progress(run),
        "can_start": can_start_runs(user),
        # the whole district's count is shown only to whom it is the jurisdiction
        "district_wide": scope_of(user, "evaluation.view") == Scope.DISTRICT,
    }
    if _partial(request) and done:
        return render(request, "evaluation/_results.html", context)
    return render(request, "evaluation/run_detail.html", context)


@requires("evaluation.view")
def run_status(request: HttpRequest, run_pk: int) -> HttpResponse:
    """Progress of a running run (polled by htmx); once it is over, the page reloads itself."""
    user = _user(request)
    run = get_object_or_404(runs_visible_to(user), pk=run_pk)
    if run.status != EvaluationRun.Status.RUNNING:
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    context = {"run": run, **_progress(run), "can_start": can_start_runs(user)}
    return render(request, "evaluation/_progress.html", context)


def _progress(run: EvaluationRun) -> dict[str, Any]:
    """What the progress panel shows: waiting in line (runs ahead) or evaluating (for how long,
    at which step), and the job behind it (its progress, whether it is being cancelled)."""
    if run.status != EvaluationRun.Status.RUNNING:
        return {}
    ahead = run_queue_ahead(run)
    since = run.begun_at or run.started_at
    return {
        "ahead": ahead,
        "elapsed": (timezone.now() - since).total_seconds(),
        "estimate": run_estimate(run),
        "job": run_job(run),
    }


@requires(post="evaluation.run")
def run_cancel(request: HttpRequest, run_pk: int) -> HttpResponse:
    """取消评价: a waiting run at once, a run being evaluated at its next stage (nothing stored)."""
    user = _user(request)
    run = get_object_or_404(runs_visible_to(user), pk=run_pk)
    evaluation_run_cancel(run=run)
    return redirect("evaluation:run_detail", run_pk=run.pk)


def _export_header(run: EvaluationRun) -> list[str]:
    header = [_("企业名称"), _("统一社会信用代码"), _("所属镇街"), _("所属园区")]
    scored = scored_policies(run)
    for p in run_policies(run):
        header.append(_("%(policy)s：结果") % {"policy": policy_label(p)})
        if p in scored:
            header.append(_("%(policy)s：得分") % {"policy": policy_label(p)})
    return header


def _export_values(run: EvaluationRun, rows: Iterable[ExportRow]) -> Iterator[list[Any]]:
    scored = scored_policies(run)
    columns = [(p, p in scored) for p in run_policies(run)]
    words = {value: str(label) for value, label in Outcome.choices}
    missing = ("", None)
    for row in rows:
        values: list[Any] = [cell_value(v) for v in (row.name, row.uscc, row.town, row.park)]
        for policy, with_score in columns:
            result, score = row.results.get(policy, missing)
            values.append(words.get(result, "—"))
            if with_score:
                values.append(float(score) if score is not None else None)
        yield values


def _csv_lines(header: list[str], values: Iterable[list[Any]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens the Chinese correctly
    for row in values:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(["" if v is None else v for v in row])
        yield buffer.getvalue().encode("utf-8")


@requires("evaluation.view")
def run_export(
    request: HttpRequest, run_pk: int, fmt: str
) -> HttpResponse | StreamingHttpResponse | FileResponse:
    """The filtered results of a run (the user's jurisdiction) as Excel or CSV, Chinese headers."""
    user = _user(request)
    run = get_object_or_404(runs_visible_to(user).filter(status=EvaluationRun.Status.DONE), pk=run_pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _form, filters, _page = _filters(request, user, run)
    header = _export_header(run)
    values = _export_values(run, run_results_export(user=user, run=run, filters=filters))
    audit_record(action=AuditEvent.Action.EXPORT, target=f"评价结果 #{run.pk}（{fmt}）")
    name = _("评价结果_第%(pk)s批_%(year)s年度") % {"pk": run.pk, "year": run.year}
    if run.overrides:
        name += _("_模拟")
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_lines(header, values), content_type="text/csv; charset=utf-8")
        _attachment(response, f"{name}.csv")
        return response
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("评价结果"))
    sheet.append(header)
    for row in values:
        sheet.append(row)
    about = book.create_sheet(_("评价参数"))
    for label, value in _run_parameters(run):
        about.append([label, cell_value(value)])
    out = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    book.save(out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=f"{name}.xlsx", content_type=XLSX)


def _run_parameters(run: EvaluationRun) -> list[tuple[str, str]]:
    row = run_row(run=run)
    return [
        (_("评价批次"), f"#{run.pk}"),
        (_("申报年度"), str(run.year)),
        (_("有效性判断日期"), run.as_of.isoformat()),
        (_("计算引擎"), run.engine),
        (_("评价政策"), "、".join(label for _id, label in row.policies)),
        (_("参数调整（模拟）"), "；".join(f"{k}={v}" for k, v in row.overrides) or _("无（正式评价）")),
        (_("人工确认的输入"), "；".join(row.inputs) or _("无")),
        (_("含暂定（待核实）规则的政策"), "、".join(row.provisional) or _("无")),
        (_("开始时间"), timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M")),
        (_("导出时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ]


# ------------------------------------------------------------------------------ one enterprise


@requires("evaluation.view")
def enterprise_runs_view(request: HttpRequest, pk: int) -> HttpResponse:
    """评价结果 of one enterprise: the newest runs that include it (a section of its page)."""
    user = _user(request)
    enterprise = get_object_or_404(enterprises_visible_to(user), pk=pk)
    context = {"enterprise": enterprise, "items": enterprise_runs(user=user, enterprise=enterprise)}
    if _partial(request):
        return render(request, "evaluation/_enterprise_runs.html", context)
    return render(request, "evaluation/enterprise_runs.html", context)


@requires("evaluation.view")
def explain(request: HttpRequest, pk: int, run_pk: int) -> HttpResponse:
    """The printable explanation of one enterprise in one run (评价说明)."""
    user = _user(request)
    enterprise = get_object_or_404(enterprises_visible_to(user), pk=pk)
    run = get_object_or_404(runs_visible_to(user), pk=run_pk)
    explanation = enterprise_explanation(run=run, enterprise=enterprise)
    context = {
        "enterprise": enterprise,
        "run": run,
        "x": explanation,
        "printed": timezone.localtime(),
        "can_edit": enterprises_editable_by(user).filter(pk=pk).exists(),  # missing fields link to forms
    }
    return render(request, "evaluation/explain.html", context)


@requires("evaluation.self")
def self_evaluation_view(request: HttpRequest, pk: int) -> HttpResponse:
    """企业自评: every policy in force for a year, computed live for this enterprise (not stored)."""
    user = _user(request)
    enterprise = get_object_or_404(enterprises_visible_to(user), pk=pk)
    today = timezone.localdate()
    form = SelfEvaluationForm(request.GET or None, today=today)
    result = self_evaluation(enterprise=enterprise, year=form.year_value(), today=today, inputs=form.inputs())
    can_edit = enterprises_editable_by(user).filter(pk=pk).exists()  # missing fields link to their forms
    context = {"enterprise": enterprise, "form": form, "result": result, "can_edit": can_edit}
    return render(request, "evaluation/self.html", context)
