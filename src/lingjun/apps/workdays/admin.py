"""The bureau enters the holiday notice of a year the library does not know (back office)."""

from typing import Any

from django.contrib import admin

from lingjun.apps.workdays.models import WorkdayException, WorkdayYear


class WorkdayExceptionInline(admin.TabularInline):
    model = WorkdayException
    extra = 3


@admin.register(WorkdayYear)
class WorkdayYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source", "entered_by", "entered_at")
    readonly_fields = ("entered_by", "entered_at")
    inlines = [WorkdayExceptionInline]

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        obj.entered_by = request.user
        super().save_model(request, obj, form, change)
