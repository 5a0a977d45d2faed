"""Template helpers of the enterprise pages."""

from __future__ import annotations

from typing import Any

from django import template

from lingjun.apps.enterprises.display import change_value_text

register = template.Library()


@register.filter
def change_value(value: Any, path: str) -> str:
    """Old/new value of a change record, with Chinese labels and units."""
    return change_value_text(value, path)
