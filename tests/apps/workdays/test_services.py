"""Working days: 公示 periods and deadlines across the 2024–2026 holidays; unknown years refused."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from lingjun.apps.workdays.models import WorkdayException, WorkdayYear
from lingjun.apps.workdays.services import (
    UNKNOWN_YEAR,
    WorkdaysInvalid,
    WorkdaysUnknown,
    is_workday,
    workday_add,
    workday_period_end,
    workday_year_enter,
    workdays_between,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("start", "end"),
    [
        # 2024 国庆: 10-01…10-07 off, Sunday 09-29 and Saturday 10-12 at work
        (date(2024, 9, 27), date(2024, 10, 11)),
        # 2025 春节: 01-28…02-04 off, Sunday 01-26 and Saturday 02-08 at work
        (date(2025, 1, 24), date(2025, 2, 8)),
        # 2026 春节: 02-15…02-23 off, Saturday 02-14 and Saturday 02-28 at work
        (date(2026, 2, 12), date(2026, 2, 27)),
        # 2026 国庆: 10-01…10-07 off, Saturday 10-10 at work
        (date(2026, 9, 28), date(2026, 10, 12)),
        # an ordinary week: Monday to the next Tuesday
        (date(2026, 3, 2), date(2026, 3, 10)),
    ],
)
def test_gongshi_of_seven_working_days_ends_by_the_holiday_calendar(start: date, end: date) -> None:
    assert workday_period_end(start=start, days=7) == end
    assert workdays_between(start=start, end=end) == 7


def test_a_period_published_on_a_holiday_starts_counting_on_the_next_working_day() -> None:
    # published on 2024-10-01 (national day): 10-08 … 10-14 minus the weekend, 10-12 at work
    assert workday_period_end(start=date(2024, 10, 1), days=7) == date(2024, 10, 15)


def test_deadline_counts_working_days_after_the_day() -> None:
    # a request on Friday 2025-01-24, five working days: 01-26 (Sunday at work), 01-27, 02-05, 02-06, 02-07
    assert workday_add(start=date(2025, 1, 24), days=5) == date(2025, 2, 7)
    assert is_workday(day=date(2025, 1, 26)) is True
    assert is_workday(day=date(2025, 1, 29)) is False


def test_a_year_without_data_is_refused_rather_than_guessed() -> None:
    with pytest.raises(WorkdaysUnknown) as refused:
        workday_period_end(start=date(2028, 3, 1), days=7)
    assert str(refused.value) == UNKNOWN_YEAR.format(year=2028)
    assert refused.value.code == "workdays_unknown"
    # a period that runs from a known year into an unknown one is refused as well
    with pytest.raises(WorkdaysUnknown, match="2027 年"):
        workday_period_end(start=date(2026, 12, 28), days=7)


def test_a_year_the_bureau_enters_is_used_and_replaces_the_library() -> None:
    workday_year_enter(
        year=2027,
        source="国办发明电〔2026〕X号（示例）",
        holidays=[(date(2027, 1, 1), "元旦")],
        adjusted_workdays=[(date(2027, 1, 2), "元旦调休上班")],
    )
    # Thursday 2026-12-31 (1), Saturday 2027-01-02 at work (2), Monday 01-04 (3)
    assert workday_period_end(start=date(2026, 12, 31), days=3) == date(2027, 1, 4)
    assert is_workday(day=date(2027, 1, 1)) is False
    # entering it again replaces the days
    workday_year_enter(year=2027, source="更正", holidays=[], adjusted_workdays=[])
    assert is_workday(day=date(2027, 1, 1)) is True
    assert WorkdayException.objects.count() == 0
    # a bureau entry for a year the library knows wins over the library
    workday_year_enter(year=2026, source="更正", holidays=[(date(2026, 3, 2), "示例")], adjusted_workdays=[])
    assert is_workday(day=date(2026, 3, 2)) is False
    assert is_workday(day=date(2026, 10, 1)) is True  # the library's holiday no longer applies


@pytest.mark.parametrize(
    ("holidays", "workdays", "message"),
    [
        ([(date(2027, 1, 2), "元旦")], [], "本来就放假"),
        ([], [(date(2027, 1, 4), "调休")], "本来就上班"),
        ([(date(2028, 1, 3), "元旦")], [], "不在 2027 年内"),
        ([(date(2027, 1, 1), "元旦"), (date(2027, 1, 1), "元旦")], [], "录入了两次"),
    ],
)
def test_entering_a_year_refuses_typing_errors(holidays: list, workdays: list, message: str) -> None:
    with pytest.raises(WorkdaysInvalid, match=message):
        workday_year_enter(year=2027, source="x", holidays=holidays, adjusted_workdays=workdays)
    assert not WorkdayYear.objects.exists()


def test_back_office_rows_are_checked_like_the_service() -> None:
    year = WorkdayYear.objects.create(year=2027, source="x")
    with pytest.raises(ValidationError, match="本来就放假"):
        WorkdayException(year=year, day=date(2027, 1, 2), is_workday=False, name="x").full_clean()
    with pytest.raises(ValidationError, match="不在 2027 年内"):
        WorkdayException(year=year, day=date(2026, 1, 5), is_workday=False, name="x").full_clean()


@pytest.mark.parametrize("days", [0, -1, 751])
def test_number_of_days_is_bounded(days: int) -> None:
    with pytest.raises(WorkdaysInvalid):
        workday_add(start=date(2026, 3, 2), days=days)
