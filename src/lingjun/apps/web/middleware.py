"""Chinese first: the interface is in Simplified Chinese unless the user chose another language.

Django's ``LocaleMiddleware`` follows the browser's Accept-Language, so an English-language
browser (or a headless test browser) got an English UI. Here only an explicit choice — the
language cookie set by Django's ``set_language`` view — switches the language.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers

from lingjun.apps.accounts.selectors import password_expired
from lingjun.apps.errors import MAX_QUERY_STRING, query_too_long, upload_too_large
from lingjun.apps.web.uploads import FORM_SLACK, REFUSED_ATTRIBUTE, upload_max_bytes
from lingjun.dossier.limits import size_text

#: scripts only from the platform's own static files (no inline script, no eval); styles may be
#: inline (a few style attributes; the admin's); nothing from elsewhere, no framing, no plugins
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
#: features no page of the platform uses
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)


class ChineseFirstLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.languages = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class QueryLengthMiddleware:
    """Refuse a query string longer than :data:`lingjun.apps.errors.MAX_QUERY_STRING` with a 400.

    A 100 000-character search in the admin reached the database as a LIKE pattern too complex
    for SQLite (a 500); no page of the platform needs such a query.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING:
            return query_too_long(request)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers of the security baseline on every response of the app.

    * ``Content-Security-Policy``: scripts from the platform's static files only (the templates
      have no inline script nor event-handler attribute; a test keeps it so);
    * ``Permissions-Policy``: no camera, microphone, geolocation, payment, USB … for any page;
    * ``Cache-Control: no-store`` (Django's never-cache headers) on every response to a logged-in
      user — pages and exports hold personal and enterprise data that a shared office computer's
      browser cache must not keep. Static files (served by WhiteNoise before this) keep theirs.

    HSTS comes from Django's ``SecurityMiddleware`` under ``LINGJUN_TLS=1``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


class PasswordExpiryMiddleware:
    """A staff user whose password is older than ``LINGJUN_PASSWORD_MAX_AGE_DAYS`` (等保 2.0) is
    sent to 修改密码 by every request, and can do nothing else until the password is changed:
    only that page, logging out and the language switch answer (static files are served before
    this). An htmx request is told to load the page (``HX-Redirect``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and password_expired(user=user, now=timezone.now()):
            target = reverse("web:password_change")
            allowed = {target, reverse("web:logout"), reverse("set_language")}
            if request.path not in allowed:
                if request.headers.get("HX-Request"):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = target
                    return response
                return HttpResponseRedirect(target)
        return self.get_response(request)


class UploadLimitMiddleware:
    """A 413 for an upload above the largest file the platform accepts, before it is read whole.

    A declared ``Content-Length`` above the limit is refused before a byte of the body is read;
    otherwise :class:`lingjun.apps.web.uploads.LimitedUploadHandler` stops the parse as soon as
    the files pass the limit (a body sent without an honest length), and the view is not called.
    Placed after ``CsrfViewMiddleware``, whose ``process_view`` parses the body first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > upload_max_bytes() + FORM_SLACK:
                return upload_too_large(request, size_text(upload_max_bytes()))
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: object, args: object, kwargs: object
    ) -> HttpResponse | None:
        if request.method == "POST" and request.content_type == "multipart/form-data":
            request.FILES  # noqa: B018 - parse now (the CSRF check usually has), through the handler
            if getattr(request, REFUSED_ATTRIBUTE, None):
                return upload_too_large(request, size_text(upload_max_bytes()))
        return None
