"""``years_before(date, n)``: registration limits exact to the day (雏鹰 2019 and 2021 ages)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from lingjun.rules import PolicyError, RulesError, evaluate_dossiers, evaluate_reference
from lingjun.rules.errors import BAD_YEARS
from lingjun.rules.expr import years_before
from lingjun.rules.loader import load_policy_text
from lingjun.rules.spec import RunSpec

CHUYING = "tianjin.chuying.2021"


def firm(uscc: str, registered_on: date) -> dict[str, Any]:
    return {
        "uscc": uscc,
        "name": uscc,
        "registered_on": registered_on,
        "province": "天津市",
        "credit": {"abnormal_operation": False, "serious_dishonesty": False},
        "annual": [{"year": 2023, "operating_revenue": Decimal(500)}],
        "ip": [{"kind": "invention_patent", "valid": True}],
    }


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2023, 12, 31), 8, date(2015, 12, 31)),
        (date(2020, 1, 1), Decimal(5), date(2015, 1, 1)),
        (date(2024, 2, 29), 1, date(2023, 2, 28)),  # no 29 February in 2023
        (date(2024, 2, 29), 4, date(2020, 2, 29)),
        (date(2024, 6, 30), 0, date(2024, 6, 30)),
    ],
)
def test_years_before_is_the_same_day_n_years_earlier(day: date, years: Any, expected: date) -> None:
    assert years_before(day, years) == expected


@pytest.mark.parametrize("years", [Decimal("8.5"), Decimal(-1), True, "8", 5000])
def test_years_before_needs_a_whole_number_of_years(years: Any) -> None:
    with pytest.raises(RulesError) as info:
        years_before(date(2023, 12, 31), years, "param.max_age")
    assert info.value.code == "bad_years"
    assert info.value.message == BAD_YEARS.format(name="param.max_age", value=years)


def _age(records: list[dict[str, Any]], uscc: str) -> dict[str, Any]:
    rec = next(r for r in records if r["uscc"] == uscc)
    return next(c for c in rec["criteria"] if c["id"] == "age")


def test_a_what_if_on_the_age_limit_moves_the_earliest_registration_date() -> None:
    """max_age 8 → 5: the earliest date moves from 2015-12-31 to 2018-12-31, on both paths."""
    firms = [firm("A1", date(2018, 12, 31)), firm("B2", date(2018, 12, 30))]
    spec = RunSpec.of([CHUYING], year=2024, as_of=date(2024, 6, 30), overrides={f"{CHUYING}.max_age": "5"})
    records = evaluate_dossiers(firms, spec=spec).to_records()
    assert [_age(records, u)["result"] for u in ("A1", "B2")] == ["pass", "fail"]
    assert _age(records, "A1")["threshold"] == "2018-12-31"
    assert _age(records, "B2")["explanation"].startswith("不通过：成立日期 2018-12-30 < 2018-12-31")
    assert records == evaluate_reference(firms, spec=spec).to_records()


def test_a_what_if_of_a_fraction_of_a_year_is_refused() -> None:
    spec = RunSpec.of([CHUYING], year=2024, as_of=date(2024, 6, 30), overrides={f"{CHUYING}.max_age": "8.5"})
    with pytest.raises(RulesError) as info:
        evaluate_dossiers([firm("A1", date(2019, 5, 1))], spec=spec)
    assert info.value.code == "bad_years"


POLICY = """
policy:
  id: test.dates.2024
  family: test.dates
  label: 测试
  document: 测试〔2024〕1号
  title: 测试政策
  source: https://example.invalid/
  effective: {{from: 2024-01-01}}
  verified: true
criteria:
  - id: a
    label: 甲
    article: 第一条
    test: {test}
"""


@pytest.mark.parametrize(
    ("test", "detail"),
    [
        ("registered_on >= years_before(year_end(-1), 2.5)", "年数应为不小于0的整数"),
        ("registered_on >= years_before(registered_on, 2)", "应为 (固定日期, 年数)"),
        ("registered_on >= years_before(year_end(-1), operating_revenue[-1])", "应为 (固定日期, 年数)"),
        ("registered_on >= years_before(year_end(-1))", "应为 (固定日期, 年数)"),
    ],
)
def test_years_before_takes_a_fixed_date_and_a_constant_number_of_years(test: str, detail: str) -> None:
    with pytest.raises(PolicyError) as info:
        load_policy_text(POLICY.format(test=test), "t.yaml")
    assert info.value.code == "bad_argument"
    assert detail in info.value.message
