"""Back office for the 镇街园区 list."""

from django.contrib import admin

from lingjun.apps.divisions.models import Division


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "verified", "active")
    list_editable = ("code", "kind", "verified", "active")
    list_filter = ("kind", "active", "verified")
    search_fields = ("name", "code")
    ordering = ("kind", "code", "name")
