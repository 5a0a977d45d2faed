"""Context processors of the shell."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from lingjun.apps.web.shell import nav_current, nav_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """``nav``: the main navigation entries the user may follow; ``nav_current``: the page's entry."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": [], "nav_current": None}
    entries = nav_for(user)
    match = getattr(request, "resolver_match", None)
    return {"nav": entries, "nav_current": nav_current(entries, match.view_name) if match else None}
