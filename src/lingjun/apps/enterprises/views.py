"""Pages of the enterprise pool (企业库). Each view parses, authorises, calls one service or selector, renders.

Authorisation: :func:`requires` checks the action of the permission matrix; jurisdiction: every enterprise is fetched with ``get_object_or_404`` from
:func:`enterprises_visible_to` (read) or :func:`enterprises_editable_by` (write), so an enterprise
outside the user's scope is a 404 — indistinguishable from one that does not exist.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from lingjun.apps.accounts.permissions import can, request_user, requires
from lingjun.apps.audit.models import AuditEvent
from lingjun.apps.audit.services import audit_record
from lingjun.apps.divisions.selectors import division_names
from lingjun.apps.enterprises import charts, display
from lingjun.apps.enterprises.forms import (
    ANNUAL_FORMSET,
    BasicInfoForm,
    EnterpriseFilterForm,
    ImportForm,
    SectionFormSet,
    add_blank_form,
    apply_problems,
    section_formset,
    section_initial,
)
from lingjun.apps.enterprises.jobs import EXPORT_FORMATS, dossiers_export_enqueue, enterprises_import_enqueue
from lingjun.apps.enterprises.models import ChangeRequest, ImportBatch
from lingjun.apps.enterprises.selectors import (
    EnterpriseFilters,
    change_requests_visible_to,
    dossier_version,
    dossiers_export,
    dossiers_load,
    enterprise_list_page,
    enterprise_profile,
    enterprises_editable_by,
    enterprises_visible_to,
)
from lingjun.apps.enterprises.services import (
    DossierChanged,
    EditResult,
    ImportRefused,
    change_request_decide,
    dossier_edit_submit,
    enterprises_import_file,
)
from lingjun.apps.errors import page_out_of_range
from lingjun.apps.paging import MAX_PAGE
from lingjun.apps.web.shell import enterprise_panels_for
from lingjun.dossier.excel import write_template, write_workbook
from lingjun.dossier.jsonl import dossier_json
from lingjun.dossier.schema import ANNUAL, LIST_SECTIONS, SECTIONS_BY_KEY, Section
from lingjun.dossier.validate import parse_dossier

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: an upload larger than this is imported by a background job (the page then follows the job)
IMPORT_IN_REQUEST_BYTES = 2 * 1024 * 1024
#: an export of more dossiers than this is written by a background job
EXPORT_IN_REQUEST = 5_000


# ----------------------------------------------------------------------------------------- list


@requires("enterprise.view")
def enterprise_list(request: HttpRequest) -> HttpResponse:
    form = EnterpriseFilterForm(request.GET)
    form.is_valid()  # an invalid filter is shown with its error and left out of cleaned_data
    if "page" in form.errors:
        return page_out_of_range(request, MAX_PAGE)
    data = form.cleaned_data
    filters = EnterpriseFilters(
        q=data.get("q") or "",
        town=data.get("town") or "",
        park=data.get("park") or "",
        industry=data.get("industry") or "",
        qualification=data.get("qualification") or "",
        sort=data.get("sort") or "name",
    )
    page = enterprise_list_page(
        user=request_user(request), filters=filters, today=timezone.localdate(), page=data.get("page") or 1
    )
    context = {"form": form, "page": page, "filters": filters}
    if request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request"):
        return render(request, "enterprises/_enterprise_results.html", context)
    return render(request, "enterprises/enterprise_list.html", context)


# --------------------------------------------------------------------------------------- detail


@requires("enterprise.view")
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = get_object_or_404(enterprises_visible_to(request_user(request)), pk=pk)
    profile = enterprise_profile(enterprise=enterprise, changes_page=request.GET.get("changes_page", 1))
    if request.headers.get("HX-Request") and request.GET.get("changes_page"):
        return render(
            request, "enterprises/_changes.html", {"enterprise": enterprise, "changes": profile.changes}
        )
    dossier = profile.dossier
    context = {
        "enterprise": enterprise,
        "basic": display.enterprise_rows(dossier),
        "credit": display.credit_rows(dossier),
        "annual": display.annual_table(dossier),
        "charts": charts.yearly_charts(dossier),
        "sections": display.list_section_tables(dossier),
        "changes": profile.changes,
        "can_edit": enterprises_editable_by(request_user(request)).filter(pk=pk).exists(),
        "panels": enterprise_panels_for(request_user(request)),
        "pending_requests": list(
            enterprise.change_requests.filter(status=ChangeRequest.Status.PENDING).order_by("-requested_at")
        ),
        "can_review": can(request_user(request), "enterprise.review_change"),
    }
    return render(request, "enterprises/enterprise_detail.html", context)


# ----------------------------------------------------------------------------------------- edit


def _validate(dossier: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    return parse_dossier(dossier, today=timezone.localdate(), towns=division_names() or None)


@requires(get="enterprise.edit", post="enterprise.edit")
def enterprise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """基本信息, 信用情况 and 年度数据 (one column per year; 添加年度 adds a column)."""
    user = request_user(request)
    enterprise = get_object_or_404(enterprises_editable_by(user), pk=pk)
    uscc = display.uscc_of(enterprise)
    current = dossiers_load(usccs=[uscc]).get(uscc, {"uscc": uscc})
    version = dossier_version(current)
    elsewhere: list[str] = []
    if request.method == "POST":
        data = request.POST
        adding = "add_year" in data
        if adding:
            data = add_blank_form(data, "annual")
        basic = BasicInfoForm(data, dossier=current)
        formset = ANNUAL_FORMSET(data, prefix="annual")
        if not adding and basic.is_valid() and formset.is_valid():
            edited = dict(current)
            basic.apply_to(edited)
            kept = formset.rows()
            edited[ANNUAL.key] = [row for _i, row in kept]
            saved, elsewhere = _submit_edit(
                request,
                pk=pk,
                edited=edited,
                show_problems=lambda problems: apply_problems(
                    problems, basic=basic, formset=formset, row_forms=[i for i, _r in kept]
                ),
            )
            if saved is not None:
                return saved
    else:
        basic = BasicInfoForm(dossier=current)
        initial = section_initial(
            ANNUAL, sorted(current.get(ANNUAL.key) or (), key=lambda r: r.get("year") or 0)
        )
        formset = ANNUAL_FORMSET(initial=initial or [{}], prefix="annual")
    context = {
        "enterprise": enterprise,
        "basic": basic,
        "formset": formset,
        # the version the user loaded stays in the form until they reload, so a later save
        # cannot silently overwrite what someone else saved meanwhile
        "version": request.POST.get("version", version) if request.method == "POST" else version,
        "elsewhere": elsewhere,
        "has_errors": request.method == "POST"
        and "add_year" not in request.POST
        and _has_errors(basic, formset, elsewhere),
    }
    return render(request, "enterprises/enterprise_edit.html", context)


def _submit_edit(
    request: HttpRequest,
    *,
    pk: int,
    edited: dict[str, Any],
    show_problems: Callable[[list[Any]], list[str]],
) -> tuple[HttpResponse | None, list[str]]:
    """Validate an edited dossier and save it from the version the editor loaded (the form's
    ``version``): the redirect to the enterprise page, or ``None`` and the messages to show
    beside the forms (validation problems put on the forms by ``show_problems``, or 已被他人修改).

    The version is compared by :func:`dossier_edit_submit` inside its transaction, under a row
    lock; a form without one is refused as stale.
    """
    normalised, problems = _validate(edited)
    if problems:
        return None, show_problems(problems)
    try:
        result = dossier_edit_submit(
            dossier=normalised,
            user=request_user(request),
            source="form",
            expected_version=request.POST.get("version") or "",
        )
    except DossierChanged as changed:
        return None, [_changed_message(changed)]
    messages.success(request, _saved_message(result))
    return redirect("enterprises:enterprise_detail", pk=pk), []


def _has_errors(basic: BasicInfoForm, formset: SectionFormSet, elsewhere: list[str]) -> bool:
    return bool(
        elsewhere or basic.errors or any(f.errors for f in formset.forms) or formset.non_form_errors()
    )


def _changed_message(changed: DossierChanged) -> str:
    """已被他人修改, with what the other save changed (who, when, which fields)."""
    text = _("该档案在您编辑期间已被他人修改，本次修改未保存。")
    if changed.latest:
        last = changed.latest[0]
        who = (last.user.get_full_name() or last.user.username) if last.user else _("导入")
        labels = "、".join(dict.fromkeys(r.label for r in changed.latest))
        text += _("最近一次修改：%(who)s 于 %(at)s 修改了 %(labels)s。") % {
            "who": who,
            "at": timezone.localtime(last.at).strftime("%H:%M:%S"),
            "labels": labels,
        }
    return text + _("请刷新页面，在最新内容上重新编辑。")


def _saved_message(result: EditResult) -> str:
    changes = result.applied.changes
    text = _("已保存，记录了 %(n)s 处变更。") % {"n": changes} if changes else _("没有改动，档案保持不变。")
    if result.requested:
        labels = "、".join(r.label for r in result.requested)
        text += _("“%(labels)s”的修改须经审核，已提交变更申请，审核通过后生效。") % {"labels": labels}
    return text


@requires(get="enterprise.edit", post="enterprise.edit")
def enterprise_section_edit(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    """One list section (知识产权, 资质 …) as rows; 添加一行 adds a row, 删除 removes one."""
    user = request_user(request)
    enterprise = get_object_or_404(enterprises_editable_by(user), pk=pk)
    spec: Section | None = SECTIONS_BY_KEY.get(section)
    if spec is None or spec not in LIST_SECTIONS or spec is ANNUAL:
        raise Http404
    uscc = display.uscc_of(enterprise)
    current = dossiers_load(usccs=[uscc]).get(uscc, {"uscc": uscc})
    version = dossier_version(current)
    formset_class = section_formset(spec)
    elsewhere: list[str] = []
    if request.method == "POST":
        data = request.POST
        adding = "add_row" in data
        if adding:
            data = add_blank_form(data, "rows")
        formset = formset_class(data, prefix="rows")
        if not adding and formset.is_valid():
            kept = formset.rows()
            saved, elsewhere = _submit_edit(
                request,
                pk=pk,
                edited={**current, spec.key: [row for _i, row in kept]},
                show_problems=lambda problems: apply_problems(
                    problems, formset=formset, row_forms=[i for i, _r in kept]
                ),
            )
            if saved is not None:
                return saved
    else:
        initial = section_initial(spec, current.get(spec.key) or ())
        formset = formset_class(initial=initial or [{}], prefix="rows")
    context = {
        "enterprise": enterprise,
        "section": spec,
        "formset": formset,
        # the version the user loaded stays in the form until they reload, so a later save
        # cannot silently overwrite what someone else saved meanwhile
        "version": request.POST.get("version", version) if request.method == "POST" else version,
        "elsewhere": elsewhere,
        "has_errors": request.method == "POST"
        and "add_row" not in request.POST
        and bool(elsewhere or any(f.errors for f in formset.forms)),
    }
    return render(request, "enterprises/enterprise_section_edit.html", context)


# -------------------------------------------------------------------------------- import/export


@requires(get="enterprise.export", post="enterprise.import")
def transfer(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    allowed = can(user, "enterprise.import")
    context: dict[str, Any] = {"can_import": allowed, "form": ImportForm() if allowed else None}
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > IMPORT_IN_REQUEST_BYTES:  # a large file: screened, stored, imported by a job
                    job = enterprises_import_enqueue(source=upload, file_name=upload.name, user=user)
                    return redirect("jobs:detail", job_pk=job.pk)
                batch = enterprises_import_file(
                    source=upload, file_name=upload.name, user=user, today=timezone.localdate()
                )
            except ImportRefused as refused:
                context["refused"] = refused
                context["errors_shown"] = refused.errors[: settings.LINGJUN_IMPORT_MAX_ERRORS]
            except ValueError as exc:  # unsupported format, decided by the service
                form.add_error("file", str(exc))
            else:
                context["batch"] = batch
                context["form"] = ImportForm()
    if allowed:
        context["recent"] = ImportBatch.objects.select_related("user").order_by("-at")[:10]
    return render(request, "enterprises/transfer.html", context)


def _attachment(response: HttpResponse | StreamingHttpResponse | FileResponse, filename: str) -> None:
    """``Content-Disposition`` with an ASCII fallback and the Chinese name per RFC 5987."""
    header = content_disposition_header(True, filename)
    assert header is not None
    response["Content-Disposition"] = header


def _jsonl_lines(dossiers: list[dict[str, Any]]) -> Iterator[bytes]:
    for dossier in dossiers:
        yield (dossier_json(dossier) + "\n").encode("utf-8")


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d")


@requires("enterprise.export")
def export(request: HttpRequest, fmt: str) -> HttpResponse | StreamingHttpResponse | FileResponse:
    """Every dossier the user may see, as JSON Lines (streamed) or an Excel workbook; more than
    :data:`EXPORT_IN_REQUEST` are written by a background job whose page offers the file."""
    user = request_user(request)
    if fmt in EXPORT_FORMATS:
        audit_record(action=AuditEvent.Action.EXPORT, target=f"企业档案（{fmt}）")
        if enterprises_visible_to(user).count() > EXPORT_IN_REQUEST:
            return redirect("jobs:detail", job_pk=dossiers_export_enqueue(user=user, fmt=fmt).pk)
    dossiers = dossiers_export(user=user)
    if fmt == "jsonl":
        response = StreamingHttpResponse(
            _jsonl_lines(dossiers), content_type="application/x-ndjson; charset=utf-8"
        )
        _attachment(response, f"企业档案_{_stamp()}.jsonl")
        return response
    if fmt == "xlsx":
        out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
        write_workbook(dossiers, out, towns=division_names() or None)
        out.seek(0)
        return FileResponse(out, as_attachment=True, filename=f"企业档案_{_stamp()}.xlsx", content_type=XLSX)
    raise Http404


@requires("enterprise.export")
def transfer_template(request: HttpRequest) -> FileResponse:
    out = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    write_template(out, towns=division_names() or None)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename="企业档案导入模板.xlsx", content_type=XLSX)


@requires("enterprise.export")
def enterprise_export(request: HttpRequest, pk: int) -> HttpResponse:
    """One enterprise's dossier as a one-line JSON Lines file."""
    enterprise = get_object_or_404(enterprises_visible_to(request_user(request)), pk=pk)
    uscc = display.uscc_of(enterprise)
    dossier = dossiers_load(usccs=[uscc])[uscc]
    audit_record(action=AuditEvent.Action.EXPORT, target=f"企业档案 {uscc}")
    response = HttpResponse(
        (dossier_json(dossier) + "\n").encode("utf-8"), content_type="application/x-ndjson; charset=utf-8"
    )
    _attachment(response, f"{enterprise.name}_{uscc}.jsonl")
    return response


# ------------------------------------------------------------------------------ change requests


@requires("enterprise.review_change")
def change_requests(request: HttpRequest) -> HttpResponse:
    """变更申请: the pending (and recently decided) requests of the officer's jurisdiction."""
    user = request_user(request)
    status = request.GET.get("status") or ChangeRequest.Status.PENDING
    if status not in ChangeRequest.Status.values:
        status = ChangeRequest.Status.PENDING
    rows = change_requests_visible_to(user).filter(status=status)[:200]
    context = {"rows": rows, "status": status, "statuses": ChangeRequest.Status.choices}
    return render(request, "enterprises/change_requests.html", context)


@requires(post="enterprise.review_change")
def change_request_decision(request: HttpRequest, request_pk: int) -> HttpResponse:
    """同意 or 驳回 one request (a POST with ``decision`` = approve / reject and a ``note``)."""
    user = request_user(request)
    change = get_object_or_404(change_requests_visible_to(user), pk=request_pk)
    decision = request.POST.get("decision")
    if decision not in {"approve", "reject"}:
        messages.error(request, _("请选择同意或驳回。"))
        return redirect("enterprises:change_requests")
    try:
        change_request_decide(
            request_id=change.pk,
            user=user,
            approve=decision == "approve",
            note=request.POST.get("note", ""),
            today=timezone.localdate(),
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        done = _("已同意") if decision == "approve" else _("已驳回")
        messages.success(request, f"{done}：{change.enterprise.name} {change.label}")
    return redirect("enterprises:change_requests")
