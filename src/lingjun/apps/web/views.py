"""The shell's own pages: the home page (composed from the apps' sections) and login."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import LoginView, PasswordChangeView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _

from lingjun.apps.accounts.permissions import requires
from lingjun.apps.accounts.selectors import password_expired
from lingjun.apps.web.shell import home_sections_for


class ChineseLoginView(LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@requires("home.view")
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    sections = home_sections_for(user=request.user, today=today)
    return render(request, "web/home.html", {"sections": sections, "today": today})


class ChinesePasswordChangeView(PasswordChangeView):
    """修改密码: the old password, the new one twice, checked by ``AUTH_PASSWORD_VALIDATORS``
    (a staff role's password: 10 characters of 3 classes). The user stays logged in."""

    template_name = "registration/password_change.html"
    success_url = reverse_lazy("web:home")

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        context["expired"] = password_expired(user=self.request.user, now=timezone.now())
        return context

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("密码已修改。"))
        return response


password_change = requires(get="account.password", post="account.password")(
    ChinesePasswordChangeView.as_view()
)
