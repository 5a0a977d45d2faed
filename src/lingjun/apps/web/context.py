"""Context processors of the shell."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.module_loading import import_string

from lingjun.apps.web.shell import nav_current, nav_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """``nav``: the main navigation entries the user may follow; ``nav_current``: the page's entry;
    ``nav_badges``: the numbers beside entries that declare a badge (url name -> number)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": [], "nav_current": None, "nav_badges": {}}
    entries = nav_for(user)
    match = getattr(request, "resolver_match", None)
    badges = {e.url_name: import_string(e.badge)(user=user) for e in entries if e.badge}
    return {
        "nav": entries,
        "nav_current": nav_current(entries, match.view_name) if match else None,
        "nav_badges": {name: n for name, n in badges.items() if n},
    }
