"""The shell's composition: the navigation, the home page and the enterprise page's panels are
made of the entries each app declares on its ``AppConfig``; the shell imports no app.

An app declares (all optional; the entry types are in :mod:`lingjun.apps.web.entries`, which
imports no model, so an ``apps.py`` may import it)::

    class EnterprisesConfig(AppConfig):
        nav = (NavEntry(_("企业库"), "enterprises:enterprise_list", "enterprise.view", order=10),)
        home = (HomeSection("enterprises/_home.html", "lingjun.apps.enterprises.selectors.home_context", order=10),)
        enterprise_panels = (Panel("evaluation/_enterprise_panel.html", "evaluation.view", order=10),)

Each entry names the action of the permission matrix (:mod:`lingjun.apps.accounts.permissions`)
that a user needs to see it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.apps import apps
from django.utils.module_loading import import_string

from lingjun.apps.accounts.permissions import can
from lingjun.apps.web.entries import HomeSection, NavEntry, Panel

__all__ = ["HomeSection", "NavEntry", "Panel", "enterprise_panels_for", "home_sections_for", "nav_for"]


def _declared(attribute: str) -> list[Any]:
    entries = [e for config in apps.get_app_configs() for e in getattr(config, attribute, ())]
    return sorted(entries, key=lambda e: e.order)


def nav_for(user: Any) -> list[NavEntry]:
    """The navigation entries ``user`` may follow, in order."""
    return [e for e in _declared("nav") if can(user, e.action)]


def nav_current(entries: list[NavEntry], view_name: str) -> NavEntry | None:
    """The entry a page (``namespace:name``) belongs to: named by an entry, else its namespace's."""
    for entry in entries:
        if view_name == entry.url_name or view_name in entry.also:
            return entry
    namespace = view_name.partition(":")[0]
    claimed = {name for e in _declared("nav") for name in (e.url_name, *e.also)}
    if view_name in claimed:
        return None
    return next((e for e in entries if e.namespace == namespace), None)


@dataclass(frozen=True)
class RenderedSection:
    template: str
    context: dict[str, Any]


def home_sections_for(*, user: Any, today: date) -> list[RenderedSection]:
    """The home page's sections for ``user``, each with its context."""
    sections = []
    for entry in _declared("home"):
        selector: Callable[..., dict[str, Any] | None] = import_string(entry.context)
        context = selector(user=user, today=today)
        if context is not None:
            sections.append(RenderedSection(entry.template, context))
    return sections


def enterprise_panels_for(user: Any) -> list[str]:
    """Templates of the enterprise page's panels ``user`` may see."""
    return [p.template for p in _declared("enterprise_panels") if can(user, p.action)]


def demo_populate_all(*, today: date, users: dict[str, Any]) -> list[str]:
    """Fill the demo district with each app's records in every state: every ``AppConfig.demo``
    (the dotted path of ``(*, today, users) -> str``; ``users`` by role) in the order of
    ``INSTALLED_APPS``. Returns what each populator reports, for ``lingjun demo`` to print."""
    reports = []
    for config in apps.get_app_configs():
        path = getattr(config, "demo", None)
        if path:
            populate: Callable[..., str] = import_string(path)
            reports.append(populate(today=today, users=users))
    return [r for r in reports if r]
