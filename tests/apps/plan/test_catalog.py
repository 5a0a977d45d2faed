"""The targets and tasks data files: the seed's figures, and a strict loader whose messages name
the file and the entry."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from lingjun.apps.plan.catalog import (
    UNKNOWN_MEASURE,
    CatalogError,
    parse_periods,
    parse_tasks,
    period_for,
    periods,
    task_catalog,
)


def test_the_seeds_2022_targets() -> None:
    (p,) = periods()
    assert (p.starts_on, p.ends_on) == (date(2019, 10, 29), date(2022, 12, 31))
    assert {t.code: t.value for t in p.targets} == {
        "hnte": 800, "tech_sme": 800, "chuying": 400, "dengling": 40, "lingjun": 30,
        "new_products": 120, "killer_products": 50, "innovation_institutions": 10,
        "service_institutions": 30, "talents": 1000, "alliances": 3, "national_platform": 1,
        "municipal_institute": 1,
    }  # fmt: skip
    assert {t.code for t in p.targets if not t.manual} == {
        "hnte",
        "tech_sme",
        "chuying",
        "dengling",
        "lingjun",
    }
    assert period_for(date(2026, 12, 7)) is p  # after the last period: its targets stay the reference


def test_the_seeds_tasks_and_their_departments() -> None:
    catalog = task_catalog()
    assert [t.code for t in catalog.tasks] == [
        "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "4.1", "4.2", "5.1", "5.2", "5.3",
    ]  # fmt: skip
    assert catalog.task("3.4").lead == "区工业和信息化局"
    assert catalog.task("3.9").lead == "区人才办" and "区人社局" in catalog.task("3.9").co
    assert catalog.task("5.2").lead == "区政务服务办" and "区统计局" in catalog.task("5.2").co
    assert {t.code for t in catalog.of_department("区税务局")} == {"3.1"}
    assert catalog.cadence == "quarter" and catalog.due_workdays == 10


def _period(**target: Any) -> dict[str, Any]:
    t = {"code": "x", "label": "X", "unit": "家", "value": 1, "measure": "manual", **target}
    return {
        "periods": [
            {
                "code": "2023-2027",
                "title": "t",
                "starts_on": date(2023, 1, 1),
                "ends_on": date(2027, 12, 31),
                "targets": [t],
            }
        ]
    }


def test_a_later_period_is_one_more_entry() -> None:
    data = _period()
    data["periods"].append(
        {
            **data["periods"][0],
            "code": "2028-2032",
            "starts_on": date(2028, 1, 1),
            "ends_on": date(2032, 12, 31),
        }
    )
    assert [p.code for p in parse_periods(data)] == ["2023-2027", "2028-2032"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_period(measure="patents"), UNKNOWN_MEASURE.format(
            file="targets.yaml", where="计划期 2023-2027 的第 1 个目标", measure="patents",
            allowed="hnte、tech_sme、chuying、dengling、lingjun_both、manual")),
        ({"periods": [{"code": "p", "title": "t", "starts_on": date(2023, 1, 1), "ends_on": date(2022, 1, 1), "targets": []}]},
         "targets.yaml：计划期 p 的结束日期早于开始日期。"),
        (_period(value=None), "targets.yaml：计划期 2023-2027 的第 1 个目标缺少“value”。"),
    ],
)  # fmt: skip
def test_a_wrong_targets_file_is_refused_with_where_and_what(data: dict[str, Any], message: str) -> None:
    with pytest.raises(CatalogError) as refused:
        parse_periods(data)
    assert str(refused.value) == message


def test_a_task_named_twice_is_refused() -> None:
    task = {"code": "1", "reference": "r", "title": "t", "lead": "区科技局"}
    with pytest.raises(CatalogError, match="tasks.yaml：任务编号“1”重复。"):
        parse_tasks({"reports": {"cadence": "quarter", "due_workdays": 10}, "tasks": [task, task]})
