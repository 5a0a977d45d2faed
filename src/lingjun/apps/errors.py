"""Clear Chinese 4xx answers for requests the pages cannot serve (instead of a 500)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

#: a query string longer than this is refused (the admin's search with 100 000 characters was a 500)
MAX_QUERY_STRING = 4096


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    """A 400 page saying what was wrong, in the user's language."""
    return render(request, "400.html", {"message": message}, status=400)


def query_too_long(request: HttpRequest) -> HttpResponse:
    return bad_request(
        request, _("查询条件过长（超过%(max)s个字符），请缩短搜索内容后重试。") % {"max": MAX_QUERY_STRING}
    )


def page_out_of_range(request: HttpRequest, maximum: int) -> HttpResponse:
    return bad_request(request, _("没有这一页：页码应为1到%(max)s之间的整数。") % {"max": maximum})


def upload_too_large(request: HttpRequest, limit: str) -> HttpResponse:
    """413: an upload above the largest file the platform accepts, refused while it came in."""
    message = _(
        "上传的文件过大：超过上限%(limit)s，已停止接收，未保存任何内容。请分批导入，"
        "或请管理员调整 LINGJUN_IMPORT_MAX_FILE_MB。"
    ) % {"limit": limit}
    return render(request, "400.html", {"message": message}, status=413)
