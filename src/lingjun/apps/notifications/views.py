"""消息 pages: a user's own messages; opening one marks it read and follows its link."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from lingjun.apps.accounts.permissions import request_user, requires
from lingjun.apps.errors import page_out_of_range
from lingjun.apps.notifications.selectors import notifications_of
from lingjun.apps.notifications.services import notifications_mark_read
from lingjun.apps.paging import MAX_PAGE, capped_page

PER_PAGE = 30


@requires("notifications.view")
def index(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        return page_out_of_range(request, MAX_PAGE)
    unread_only = request.GET.get("unread") == "1"
    page = capped_page(
        notifications_of(user=request_user(request), unread_only=unread_only),
        page=int(raw),
        per_page=PER_PAGE,
        count_cap=10_000,
    )
    return render(request, "notifications/index.html", {"page": page, "unread_only": unread_only})


@requires("notifications.view")
def open_one(request: HttpRequest, notification_pk: int) -> HttpResponseRedirect:
    user = request_user(request)
    message = get_object_or_404(notifications_of(user=user), pk=notification_pk)
    notifications_mark_read(user=user, ids=[message.pk])
    target = message.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect("notifications:index")
    return HttpResponseRedirect(target)


@requires(post="notifications.view")
def mark_read(request: HttpRequest) -> HttpResponseRedirect:
    notifications_mark_read(user=request_user(request))
    return redirect("notifications:index")
