"""Template helpers of every page (the shell's): scope, the permission matrix, small filters."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from lingjun.apps.accounts import permissions
from lingjun.apps.accounts.models import DISTRICT_WIDE_ROLES, Role

register = template.Library()


@register.simple_tag
def optional_url(name: str, *args: Any) -> str:
    """The URL of ``name``, or ``""`` while the page does not exist yet (nav of pages other apps add)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@register.simple_tag
def user_scope(user: Any) -> str:
    """管辖范围 of a user, as shown next to their name: 全区, the 镇街/园区, or the enterprise."""
    if not getattr(user, "is_authenticated", False):
        return ""
    if user.is_superuser or user.role in DISTRICT_WIDE_ROLES:
        return _("全区")
    if user.role == Role.TOWN_OFFICER:
        return "、".join(p for p in (user.town, user.park) if p) or _("未指定")
    if user.role == Role.ENTERPRISE:
        return user.enterprise.name if user.enterprise_id else _("未关联企业")
    if user.role == Role.DEPARTMENT:
        return user.department or _("未指定部门")
    return ""


@register.simple_tag(takes_context=True)
def render_section(context: template.Context, section: Any) -> str:
    """A home page section (:class:`lingjun.apps.web.shell.RenderedSection`) with its own context."""
    assert context.template is not None
    with context.push(**section.context):
        return context.template.engine.get_template(section.template).render(context)


@register.simple_tag
def can(user: Any, action: str) -> bool:
    """``{% can user "enterprise.import" as allowed %}``: the permission matrix in templates."""
    return permissions.can(user, action)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if mapping is not None else None


@register.filter
def get_field(form: Any, name: str) -> Any:
    """``form[name]`` for a name held in a variable."""
    return form[name]


@register.filter
def is_in(value: Any, container: Any) -> bool:
    return value in container
