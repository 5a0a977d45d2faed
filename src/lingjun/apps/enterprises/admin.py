"""Back office (后台管理) for the enterprise pool.

Dossier data is **read-only** here: every change of a dossier must pass the dossier validator and
be recorded in the change history, which the web edit pages and the import do
(``dossiers_apply``). The enterprise page links to the web edit page instead. Editable here:
the 镇街/园区 list. Import batches and change records are read-only logs.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from lingjun.apps.enterprises.models import (
    ROW_MODELS,
    ChangeRecord,
    CreditEvent,
    Enterprise,
    ImportBatch,
)


class ReadOnlyMixin:
    """View permission only: no add, change or delete through the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _inline(model: type[Any]) -> type[admin.TabularInline]:
    fields = tuple(f.name for f in model._meta.fields if f.name not in {"id", "enterprise"})
    attrs = {
        "model": model,
        "fields": fields,
        "readonly_fields": fields,
        "extra": 0,
        "show_change_link": False,
        "verbose_name_plural": model._meta.verbose_name_plural,
    }
    return type(f"{model.__name__}Inline", (ReadOnlyMixin, admin.TabularInline), attrs)


@admin.register(Enterprise)
class EnterpriseAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "uscc", "town", "park", "industry_code", "hightech_field", "updated_at")
    list_filter = ("town", "park", "hightech_field")
    search_fields = ("name", "^uscc")
    show_full_result_count = False  # no second COUNT(*) over 100 000 rows on every search
    list_per_page = 50
    readonly_fields = ("web_pages",)
    inlines = [_inline(CreditEvent), *(_inline(m) for m in ROW_MODELS.values())]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("web_pages", *(f.name for f in Enterprise._meta.fields if f.name != "id"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.get_fields(request, obj)

    @admin.display(description="网页")
    def web_pages(self, obj: Enterprise) -> SafeString:
        return format_html(
            '<a href="{}">查看档案</a> · <a href="{}">编辑档案（经校验并记入变更记录）</a>',
            reverse("enterprises:enterprise_detail", args=[obj.pk]),
            reverse("enterprises:enterprise_edit", args=[obj.pk]),
        )


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "at",
        "file_name",
        "file_format",
        "user",
        "status",
        "created",
        "updated",
        "unchanged",
        "error_count",
    )
    list_filter = ("status", "file_format")
    search_fields = ("file_name",)
    list_select_related = ("user",)
    date_hierarchy = "at"
    fields = (
        "at",
        "file_name",
        "file_format",
        "user",
        "status",
        "created",
        "updated",
        "unchanged",
        "errors_table",
    )
    readonly_fields = fields

    @admin.display(description="错误数")
    def error_count(self, obj: ImportBatch) -> int:
        return len(obj.errors or [])

    @admin.display(description="错误清单")
    def errors_table(self, obj: ImportBatch) -> SafeString:
        if not obj.errors:
            return format_html("{}", "无")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    e.get("sheet", ""),
                    "" if e.get("row") is None else e.get("row"),
                    e.get("column", ""),
                    e.get("label") or e.get("field", ""),
                    "" if e.get("value") is None else e.get("value"),
                    e.get("message", ""),
                )
                for e in obj.errors
            ),
        )
        return format_html(
            "<table><thead><tr><th>工作表</th><th>行</th><th>列</th><th>字段</th><th>值</th><th>问题</th></tr>"
            "</thead><tbody>{}</tbody></table>",
            rows,
        )


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("at", "uscc", "enterprise", "user", "source", "label", "old", "new")
    list_filter = ("source",)
    search_fields = ("^uscc", "label", "enterprise__name")
    list_select_related = ("enterprise", "user")
    date_hierarchy = "at"
    show_full_result_count = False
    fields = ("at", "uscc", "enterprise", "user", "source", "batch", "path", "label", "old", "new")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ChangeRecord]:
        return super().get_queryset(request).select_related("enterprise", "user")
