from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from lingjun.apps.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only."""

    list_display = ("at", "username", "role", "ip", "action", "target")
    list_filter = ("action",)
    search_fields = ("username", "target")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
