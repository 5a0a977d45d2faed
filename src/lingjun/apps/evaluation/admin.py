"""Back office (后台管理) for evaluation runs: a read-only log linking to the web pages.

Runs are started from the 评价 page (which checks their parameters with the engine) and their
results are written only by the evaluation service, so nothing is editable here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from lingjun.apps.evaluation.models import EvaluationRun


@admin.register(EvaluationRun)
class EvaluationRunAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "started_at",
        "user",
        "year",
        "as_of",
        "engine",
        "status",
        "enterprise_count",
        "seconds",
        "simulated",
        "page",
    )
    list_filter = ("status", "engine", "year")
    date_hierarchy = "started_at"
    readonly_fields = ("page",)

    @admin.display(description="模拟", boolean=True)
    def simulated(self, obj: EvaluationRun) -> bool:
        return bool(obj.overrides)

    @admin.display(description="评价结果页面")
    def page(self, obj: EvaluationRun) -> SafeString:
        return format_html('<a href="{}">查看</a>', reverse("evaluation:run_detail", args=[obj.pk]))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
