"""The shell's own pages: the home page (composed from the apps' sections) and login."""

from __future__ import annotations

from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from lingjun.apps.accounts.permissions import requires
from lingjun.apps.web.shell import home_sections_for


class ChineseLoginView(LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@requires("home.view")
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    sections = home_sections_for(user=request.user, today=today)
    return render(request, "web/home.html", {"sections": sections, "today": today})
