"""The bureau's form to publish a notice by hand (lists from before the platform)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lingjun.apps.publishing.models import Notice, Tier

#: a pasted line's cells: tabs (copied from Excel), commas (ASCII or full-width) or 、
_SPLIT = re.compile(r"\t|,|，|、")
MAX_LINES = 5000


def parse_entries(text: str) -> list[dict[str, Any]]:
    """One entry per non-empty line: ``名称, USCC[, 镇街[, 层级代码]]``; a header line whose
    second cell is not a code (e.g. “统一社会信用代码”) is skipped."""
    entries: list[dict[str, Any]] = []
    for line in text.splitlines():
        cells = [c.strip() for c in _SPLIT.split(line)]
        if not any(cells):
            continue
        if cells[0] in {"序号", "企业名称"} or (len(cells) > 1 and "代码" in cells[1]):
            continue
        if cells[0].isdigit() and len(cells) > 2:  # a 序号 column copied along
            cells = cells[1:]
        entry: dict[str, Any] = {"name": cells[0], "uscc": cells[1] if len(cells) > 1 else ""}
        entry["town"] = cells[2] if len(cells) > 2 else ""
        if len(cells) > 3 and cells[3]:
            entry["tier"] = next((v for v, label in Tier.choices if cells[3] in {v, str(label)}), cells[3])
        entries.append(entry)
    return entries


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Notice.Kind.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    document_number = forms.CharField(label=_("文号"), max_length=100, required=False)
    tier = forms.ChoiceField(label=_("层级"), choices=Tier.choices)
    published_on = forms.DateField(label=_("发布日期"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label=_("公示截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    entries = forms.CharField(
        label=_("名单"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "每行一家企业：企业名称、统一社会信用代码、所属镇街（可选）、层级（可选），"
            "以制表符或逗号分隔；可直接从 Excel 复制粘贴。"
        ),
    )

    def clean_entries(self) -> list[dict[str, Any]]:
        text = self.cleaned_data["entries"]
        if text.count("\n") >= MAX_LINES:
            raise forms.ValidationError(_("名单过长：一次最多 %(n)s 行。") % {"n": MAX_LINES})
        return parse_entries(text)
