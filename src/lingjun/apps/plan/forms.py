"""Forms of plan: a hand-entered actual, a task report."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lingjun.apps.plan.catalog import Period, Task


class TargetActualForm(forms.Form):
    target = forms.ChoiceField(label=_("目标"))
    value = forms.DecimalField(label=_("完成值"), max_digits=14, decimal_places=2, min_value=0)
    as_of = forms.DateField(label=_("截至日期"), widget=forms.DateInput(attrs={"type": "date"}))
    evidence = forms.CharField(
        label=_("依据"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("文件、名单或统计报表的名称与文号，便于核查。"),
    )

    def __init__(self, *args: Any, period: Period, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(t.code, f"{t.label}（目标 {t.value}{t.unit}）") for t in period.targets if t.manual]
        self.fields["target"].choices = choices  # type: ignore[attr-defined]


class TaskReportForm(forms.Form):
    task = forms.ChoiceField(label=_("任务"))
    period_start = forms.ChoiceField(label=_("报送期"))
    progress = forms.CharField(label=_("进展情况"), widget=forms.Textarea(attrs={"rows": 6}))
    figures = forms.CharField(
        label=_("主要数据"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如：新增认定企业数、投入资金（万元）、引进人才数等，每行一项。"),
    )
    attachment = forms.FileField(label=_("附件"), required=False)

    def __init__(
        self, *args: Any, tasks: tuple[Task, ...], periods: list[tuple[date, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["task"].choices = [(t.code, f"{t.reference} {t.title}") for t in tasks]  # type: ignore[attr-defined]
        self.fields["period_start"].choices = [(d.isoformat(), label) for d, label in periods]  # type: ignore[attr-defined]

    def clean_period_start(self) -> date:
        return date.fromisoformat(self.cleaned_data["period_start"])
