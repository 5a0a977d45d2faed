"""The pages of publishing (公示公告): the public page (no login) and the bureau's pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from lingjun.apps.accounts.permissions import public, request_user, requires
from lingjun.apps.publishing.documents import download_name, notice_document
from lingjun.apps.publishing.forms import NoticeForm
from lingjun.apps.publishing.models import Notice
from lingjun.apps.publishing.selectors import (
    SEARCH_LIMIT,
    entries_search,
    notice_entries,
    notices_all,
    notices_public,
    notices_published,
)
from lingjun.apps.publishing.services import NoticeRefused, notice_publish

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _published(pk: int) -> Notice:
    return get_object_or_404(notices_published(today=timezone.localdate()), pk=pk)


# ------------------------------------------------------------------------- public (no login)


@public()
def public_index(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    q = request.GET.get("q", "").strip()[:100]
    context: dict[str, object] = {"q": q, "today": today}
    if q:
        hits = entries_search(q=q, today=today)
        context.update(hits=hits[:SEARCH_LIMIT], more=len(hits) > SEARCH_LIMIT, limit=SEARCH_LIMIT)
    else:
        context["notices"] = notices_public(today=today)
    return render(request, "publishing/public_index.html", context)


@public()
def public_notice(request: HttpRequest, notice_pk: int) -> HttpResponse:
    notice = _published(notice_pk)
    return render(
        request, "publishing/public_notice.html", {"notice": notice, "entries": notice_entries(notice=notice)}
    )


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


@public()
def public_notice_pdf(request: HttpRequest, notice_pk: int) -> HttpResponse:
    notice = _published(notice_pk)
    return _attachment(
        notice_document(notice=notice, suffix="pdf"),
        "application/pdf",
        download_name(notice=notice, suffix="pdf"),
    )


@public()
def public_notice_xlsx(request: HttpRequest, notice_pk: int) -> HttpResponse:
    notice = _published(notice_pk)
    return _attachment(
        notice_document(notice=notice, suffix="xlsx"), XLSX, download_name(notice=notice, suffix="xlsx")
    )


# --------------------------------------------------------------------------- the bureau's pages


@requires("recognition.publish")
def notice_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "publishing/notice_list.html", {"notices": notices_all(), "today": timezone.localdate()}
    )


@requires(get="recognition.publish", post="recognition.publish")
def notice_create(request: HttpRequest) -> HttpResponse:
    form = NoticeForm(request.POST or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notice = notice_publish(
                kind=data["kind"],
                title=data["title"],
                document_number=data["document_number"],
                tier=data["tier"],
                published_on=data["published_on"],
                ends_on=data["ends_on"],
                entries=data["entries"],
                source="manual",
                user=request_user(request),
            )
        except NoticeRefused as refused:
            problems = refused.problems
        else:
            from django.contrib import messages

            messages.success(
                request,
                _("已发布：%(title)s（%(n)s 家企业）。")
                % {"title": notice.title, "n": notice.entries.count()},
            )
            return redirect("publishing:notice_list")
    return render(request, "publishing/notice_form.html", {"form": form, "problems": problems})
