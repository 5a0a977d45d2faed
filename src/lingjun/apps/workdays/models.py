"""工作日历: the years the bureau entered itself, and their days off and adjusted working days.

``chinese-calendar`` knows the State Council's holiday notices up to a year (2026 in version
1.11). For a later year the bureau enters the notice here (:class:`WorkdayYear` with its
:class:`WorkdayException` rows); a year entered here replaces the library's data for that year.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class WorkdayYear(models.Model):
    """A year whose holiday notice the bureau entered (国务院办公厅关于某年部分节假日安排的通知)."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    source = models.CharField("依据（通知文号）", max_length=200)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True, on_delete=models.SET_NULL
    )
    entered_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        ordering = ["year"]
        verbose_name = "工作日历年份"
        verbose_name_plural = "工作日历年份"

    def __str__(self) -> str:
        return f"{self.year} 年（{self.source}）"


class WorkdayException(models.Model):
    """A day that is not what its weekday says: a holiday on a weekday (放假), or a weekend day
    that is a working day (调休上班)."""

    year = models.ForeignKey(WorkdayYear, verbose_name="年份", on_delete=models.CASCADE, related_name="days")
    day = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("上班", help_text="勾选：周末调休上班；不勾选：放假")
    name = models.CharField("名称", max_length=50, help_text="如：春节、国庆节调休上班")

    class Meta:
        ordering = ["day"]
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.name}（{'上班' if self.is_workday else '放假'}）"

    def clean(self) -> None:
        """The back office refuses what the service refuses: a day of another year, and a day
        that is already what it would be entered as (a weekend day off, a weekday at work)."""
        if self.day is None:
            return
        if self.year_id is not None and self.day.year != self.year.year:
            raise ValidationError({"day": f"{self.day} 不在 {self.year.year} 年内。"})
        weekend = self.day.weekday() >= 5
        if self.is_workday != weekend:
            state = "放假" if weekend else "上班"
            raise ValidationError({"day": f"{self.day} 本来就{state}，不必录入。"})
