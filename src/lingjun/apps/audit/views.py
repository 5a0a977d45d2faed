"""审计日志 pages: the district administrator views, filters and exports the log."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from lingjun.apps.accounts.permissions import requires
from lingjun.apps.audit.forms import AuditFilterForm
from lingjun.apps.audit.models import AuditEvent
from lingjun.apps.audit.selectors import AuditFilters, audit_events
from lingjun.apps.audit.services import audit_record, retention_days
from lingjun.apps.errors import page_out_of_range
from lingjun.apps.paging import MAX_PAGE, capped_page
from lingjun.cellsafe import cell_value

PER_PAGE = 50


def _filters(request: HttpRequest) -> tuple[AuditFilterForm, AuditFilters]:
    form = AuditFilterForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    filters = AuditFilters(
        action=data.get("action") or "",
        username=(data.get("username") or "").strip(),
        ip=data.get("ip") or "",
        since=data.get("since"),
        until=data.get("until"),
    )
    return form, filters


@requires("audit.view")
def index(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    if "page" in form.errors:
        return page_out_of_range(request, MAX_PAGE)
    page = capped_page(
        audit_events(filters=filters),
        page=form.cleaned_data.get("page") or 1,
        per_page=PER_PAGE,
        count_cap=10_000,
    )
    context = {
        "form": form,
        "page": page,
        "retention_days": retention_days(),
        "query": request.GET.urlencode(),
    }
    return render(request, "audit/index.html", context)


def _csv_lines(rows: Iterator[AuditEvent]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("时间"), _("用户名"), _("角色"), _("来源地址"), _("操作"), _("对象"), _("详情")])
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    for e in rows:
        buffer.seek(0)
        buffer.truncate()
        values = [
            timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
            e.username,
            e.role,
            e.ip or "",
            e.get_action_display(),
            e.target,
            "；".join(f"{k}={v}" for k, v in e.detail.items()),
        ]
        writer.writerow([cell_value(v) for v in values])
        yield buffer.getvalue().encode("utf-8")


@requires("audit.view")
def export(request: HttpRequest) -> StreamingHttpResponse:
    _form, filters = _filters(request)
    audit_record(action=AuditEvent.Action.EXPORT, target=_("审计日志"))
    response = StreamingHttpResponse(
        _csv_lines(audit_events(filters=filters).iterator(chunk_size=2000)),
        content_type="text/csv; charset=utf-8",
    )
    header = content_disposition_header(
        True, _("审计日志_%(date)s.csv") % {"date": timezone.localdate().strftime("%Y%m%d")}
    )
    assert header is not None
    response["Content-Disposition"] = header
    return response
