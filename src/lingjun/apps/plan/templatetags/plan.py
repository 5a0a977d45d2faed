"""Template filters of plan's pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get(mapping: Any, key: str) -> Any:
    """``mapping[key]`` (``""`` when missing)."""
    try:
        return mapping[key]
    except (KeyError, TypeError, IndexError):
        return ""


@register.filter
def percent(value: float | None) -> str:
    """0.0412 → ``4.12%``; none → ``—``."""
    return "—" if value is None else f"{value * 100:.2f}%"
