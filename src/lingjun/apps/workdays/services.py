"""Working days by the Chinese calendar (法定节假日与调休): deadlines and 公示 periods.

Where a year is known: entered by the bureau (:class:`~lingjun.apps.workdays.models.WorkdayYear`,
which wins) or in ``chinese-calendar``. For a year neither knows the platform refuses to compute
(:class:`WorkdaysUnknown`) rather than guess from weekdays alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import chinese_calendar
from django.db import transaction

from lingjun.apps.workdays.models import WorkdayException, WorkdayYear

#: the longest span a deadline may have (in working days): a guard against a mistyped number
MAX_WORKDAYS = 750

UNKNOWN_YEAR = (
    "{year} 年的法定节假日和调休安排尚未录入，无法按工作日计算日期。"
    "请区科技局管理员在“工作日历”中录入国务院办公厅发布的 {year} 年节假日安排后重试。"
)
TOO_MANY_DAYS = "工作日数须在 1 到 {max} 之间，收到 {days}。"
DAY_OUTSIDE_YEAR = "{day} 不在 {year} 年内。"
DAY_TWICE = "{day} 录入了两次。"
NOT_AN_EXCEPTION = "{day} 是{what}，本来就{state}，不必录入。"


class WorkdaysUnknown(Exception):
    """The calendar of a year is not known: no date is computed."""

    code = "workdays_unknown"

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(UNKNOWN_YEAR.format(year=year))


class WorkdaysInvalid(ValueError):
    code = "workdays_invalid"


def _library_years() -> range:
    """The years ``chinese-calendar`` has data for."""
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


class _Calendar:
    """The year-by-year answer for a sequence of days: one query per year, not per day."""

    def __init__(self) -> None:
        self._years: dict[int, dict[date, bool] | None] = {}
        self._library = _library_years()

    def _table(self, year: int) -> dict[date, bool] | None:
        if year not in self._years:
            entered = WorkdayYear.objects.filter(year=year).first()
            if entered is not None:
                self._years[year] = dict(
                    WorkdayException.objects.filter(year=entered).values_list("day", "is_workday")
                )
            else:
                self._years[year] = None
        return self._years[year]

    def is_workday(self, day: date) -> bool:
        table = self._table(day.year)
        if table is not None:
            return table.get(day, day.weekday() < 5)
        if day.year in self._library:
            return bool(chinese_calendar.is_workday(day))
        raise WorkdaysUnknown(day.year)


def is_workday(*, day: date) -> bool:
    """Whether ``day`` is a working day (raises :class:`WorkdaysUnknown` for an unknown year)."""
    return _Calendar().is_workday(day)


def _check_days(days: int) -> None:
    if not 1 <= days <= MAX_WORKDAYS:
        raise WorkdaysInvalid(TOO_MANY_DAYS.format(max=MAX_WORKDAYS, days=days))


def workday_add(*, start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself not counted): the deadline
    of "within N working days" (N 个工作日内) of something that happened on ``start``."""
    _check_days(days)
    calendar = _Calendar()
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if calendar.is_workday(day):
            counted += 1
    return day


def workday_period_end(*, start: date, days: int) -> date:
    """The last day of a period of ``days`` working days that begins on ``start`` (counted if it
    is a working day): the end of a 公示 of 7 working days published on ``start``."""
    _check_days(days)
    calendar = _Calendar()
    day = start
    counted = 1 if calendar.is_workday(day) else 0
    while counted < days:
        day += timedelta(days=1)
        if calendar.is_workday(day):
            counted += 1
    return day


def workdays_between(*, start: date, end: date) -> int:
    """The working days in ``start`` … ``end`` (both included; 0 when end < start)."""
    calendar = _Calendar()
    count, day = 0, start
    while day <= end:
        count += calendar.is_workday(day)
        day += timedelta(days=1)
    return count


def workday_year_enter(
    *,
    year: int,
    source: str,
    holidays: Iterable[tuple[date, str]],
    adjusted_workdays: Iterable[tuple[date, str]],
    user: Any = None,
) -> WorkdayYear:
    """Enter (or replace) a year's holiday notice: its weekday holidays and weekend working days.

    Only exceptions are entered: a holiday on a weekend, or a working day on a weekday, is refused
    as a likely typing error."""
    rows: list[WorkdayException] = []
    seen: set[date] = set()
    for entries, is_workday_ in ((holidays, False), (adjusted_workdays, True)):
        for day, name in entries:
            if day.year != year:
                raise WorkdaysInvalid(DAY_OUTSIDE_YEAR.format(day=day, year=year))
            if day in seen:
                raise WorkdaysInvalid(DAY_TWICE.format(day=day))
            weekend = day.weekday() >= 5
            if is_workday_ != weekend:
                raise WorkdaysInvalid(
                    NOT_AN_EXCEPTION.format(
                        day=day,
                        what="周末" if weekend else "工作日",
                        state="放假" if weekend else "上班",
                    )
                )
            seen.add(day)
            rows.append(WorkdayException(day=day, is_workday=is_workday_, name=name))
    with transaction.atomic():
        entered, _ = WorkdayYear.objects.update_or_create(
            year=year, defaults={"source": source, "entered_by": user}
        )
        entered.days.all().delete()
        for row in rows:
            row.year = entered
        WorkdayException.objects.bulk_create(rows)
    return entered
