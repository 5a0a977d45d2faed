"""The request being served, for audit records made where no request is at hand (signals, services)."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

current_request: ContextVar[HttpRequest | None] = ContextVar("lingjun_audit_request", default=None)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address (the first of X-Forwarded-For behind the TLS proxy, else REMOTE_ADDR)."""
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    ip = forwarded.split(",")[0].strip() if forwarded else request.META.get("REMOTE_ADDR", "")
    return ip or None


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
