"""Back office for users: Django's user admin plus role and jurisdiction (角色与管辖范围)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from lingjun.apps.accounts.models import Role, User
from lingjun.apps.accounts.services import (
    ENTERPRISE_USER_NEEDS_ENTERPRISE,
    TOWN_OFFICER_NEEDS_SCOPE,
    UNKNOWN_DIVISION,
)
from lingjun.apps.divisions.selectors import division_exists

admin.site.site_header = "领军平台后台管理"
admin.site.site_title = "领军平台后台管理"
admin.site.index_title = "后台管理"

SCOPE_FIELDS = ("role", "town", "park", "enterprise", "department")


def jurisdiction_errors(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The rules of :func:`lingjun.apps.accounts.services.user_create`, with its messages."""
    errors: list[tuple[str, str]] = []
    role = data.get("role")
    if role == Role.TOWN_OFFICER:
        if not (data.get("town") or data.get("park")):
            errors.append(("town", TOWN_OFFICER_NEEDS_SCOPE))
        for name in ("town", "park"):
            value = data.get(name)
            if value and not division_exists(name=value):
                errors.append((name, UNKNOWN_DIVISION.format(name=value)))
    if role == Role.ENTERPRISE and not data.get("enterprise"):
        errors.append(("enterprise", ENTERPRISE_USER_NEEDS_ENTERPRISE))
    return errors


class LingjunUserChangeForm(UserChangeForm):
    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        for field, message in jurisdiction_errors(self.cleaned_data):
            self.add_error(field, message)
        return data


class LingjunUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):  # type: ignore[name-defined]
        model = User
        fields = ("username", *SCOPE_FIELDS)

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        for field, message in jurisdiction_errors(self.cleaned_data):
            self.add_error(field, message)
        return data


@admin.register(User)
class LingjunUserAdmin(UserAdmin):
    form = LingjunUserChangeForm
    add_form = LingjunUserCreationForm
    list_display = ("username", "first_name", "role", "town", "park", "enterprise", "department", "is_active")
    list_filter = ("role", "is_active", "is_staff", "town")
    search_fields = ("username", "first_name", "last_name", "email", "enterprise__name", "enterprise__uscc")
    list_select_related = ("enterprise",)
    autocomplete_fields = ("enterprise",)
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (
            "角色与管辖范围",
            {
                "fields": SCOPE_FIELDS,
                "description": "角色决定可见范围：镇街园区工作人员须指定镇街或园区，企业用户须指定所属企业。",
            },
        ),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        ("角色与管辖范围", {"classes": ("wide",), "fields": SCOPE_FIELDS}),
    )
