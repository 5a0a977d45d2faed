"""The programme's targets and tasks as data (``data/targets.yaml``, ``data/tasks.yaml``).

A strict loader: an unknown measure, a missing field or a period ending before it starts is an
error naming the file and the entry, so a later plan period added to the file fails loudly
rather than showing wrong figures. Pure Python (no Django, no database).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).with_name("data")

#: how a target's actual is counted: live from the platform's records, or entered by hand
MEASURES = ("hnte", "tech_sme", "chuying", "dengling", "lingjun_both", "manual")
#: the membership tiers each membership measure counts
MEASURE_TIERS = {
    "chuying": ("chuying",),
    "dengling": ("dengling",),
    "lingjun_both": ("lingjun_peiyu", "lingjun"),
}
#: the qualification kind each qualification measure counts
MEASURE_QUALIFICATIONS = {"hnte": "hnte", "tech_sme": "tech_sme"}
CADENCES = ("quarter", "half", "year")

MISSING = "{file}：{where}缺少“{field}”。"
UNKNOWN_MEASURE = "{file}：{where}的统计口径“{measure}”未知，可选：{allowed}。"
ENDS_BEFORE_STARTS = "{file}：计划期 {period} 的结束日期早于开始日期。"
REPEATED = "{file}：{what}“{code}”重复。"
UNKNOWN_CADENCE = "{file}：报送周期“{cadence}”未知，可选：{allowed}。"


class CatalogError(ValueError):
    """A data file is wrong; the message says which file, which entry and what."""


@dataclass(frozen=True)
class Target:
    code: str
    label: str
    unit: str
    value: int
    measure: str
    reference: str

    @property
    def manual(self) -> bool:
        return self.measure == "manual"


@dataclass(frozen=True)
class Period:
    code: str
    title: str
    document: str
    starts_on: date
    ends_on: date
    targets: tuple[Target, ...]

    def target(self, code: str) -> Target:
        return next(t for t in self.targets if t.code == code)


@dataclass(frozen=True)
class Task:
    code: str
    reference: str
    title: str
    lead: str
    co: tuple[str, ...]
    towns: bool

    @property
    def departments(self) -> tuple[str, ...]:
        return (self.lead, *self.co)


@dataclass(frozen=True)
class TaskCatalog:
    cadence: str
    due_workdays: int
    tasks: tuple[Task, ...]

    def task(self, code: str) -> Task:
        return next(t for t in self.tasks if t.code == code)

    def of_department(self, department: str) -> tuple[Task, ...]:
        return tuple(t for t in self.tasks if department in t.departments)


def _need(entry: dict[str, Any], field: str, file: str, where: str) -> Any:
    if field not in entry or entry[field] in (None, ""):
        raise CatalogError(MISSING.format(file=file, where=where, field=field))
    return entry[field]


def parse_periods(data: dict[str, Any], *, file: str = "targets.yaml") -> tuple[Period, ...]:
    periods = []
    for i, p in enumerate(_need(data, "periods", file, ""), start=1):
        where = f"第 {i} 个计划期"
        code = str(_need(p, "code", file, where))
        targets, seen = [], set()
        for j, t in enumerate(_need(p, "targets", file, f"计划期 {code} "), start=1):
            twhere = f"计划期 {code} 的第 {j} 个目标"
            measure = _need(t, "measure", file, twhere)
            if measure not in MEASURES:
                raise CatalogError(
                    UNKNOWN_MEASURE.format(
                        file=file, where=twhere, measure=measure, allowed="、".join(MEASURES)
                    )
                )
            tcode = str(_need(t, "code", file, twhere))
            if tcode in seen:
                raise CatalogError(REPEATED.format(file=file, what="目标代码", code=tcode))
            seen.add(tcode)
            targets.append(
                Target(
                    code=tcode,
                    label=str(_need(t, "label", file, twhere)),
                    unit=str(_need(t, "unit", file, twhere)),
                    value=int(_need(t, "value", file, twhere)),
                    measure=measure,
                    reference=str(t.get("reference", "")),
                )
            )
        period = Period(
            code=code,
            title=str(_need(p, "title", file, where)),
            document=str(p.get("document", "")),
            starts_on=_need(p, "starts_on", file, where),
            ends_on=_need(p, "ends_on", file, where),
            targets=tuple(targets),
        )
        if period.ends_on < period.starts_on:
            raise CatalogError(ENDS_BEFORE_STARTS.format(file=file, period=code))
        periods.append(period)
    codes = [p.code for p in periods]
    for code in codes:
        if codes.count(code) > 1:
            raise CatalogError(REPEATED.format(file=file, what="计划期", code=code))
    return tuple(sorted(periods, key=lambda p: p.starts_on))


def parse_tasks(data: dict[str, Any], *, file: str = "tasks.yaml") -> TaskCatalog:
    reports = _need(data, "reports", file, "")
    cadence = _need(reports, "cadence", file, "reports ")
    if cadence not in CADENCES:
        raise CatalogError(UNKNOWN_CADENCE.format(file=file, cadence=cadence, allowed="、".join(CADENCES)))
    tasks, seen = [], set()
    for i, t in enumerate(_need(data, "tasks", file, ""), start=1):
        where = f"第 {i} 项任务"
        code = str(_need(t, "code", file, where))
        if code in seen:
            raise CatalogError(REPEATED.format(file=file, what="任务编号", code=code))
        seen.add(code)
        tasks.append(
            Task(
                code=code,
                reference=str(_need(t, "reference", file, where)),
                title=str(_need(t, "title", file, where)),
                lead=str(_need(t, "lead", file, where)),
                co=tuple(str(d) for d in t.get("co") or ()),
                towns=bool(t.get("towns", False)),
            )
        )
    return TaskCatalog(
        cadence=cadence,
        due_workdays=int(_need(reports, "due_workdays", file, "reports ")),
        tasks=tuple(tasks),
    )


@cache
def periods() -> tuple[Period, ...]:
    """Every plan period of ``data/targets.yaml``, earliest first."""
    return parse_periods(yaml.safe_load((DATA / "targets.yaml").read_text(encoding="utf-8")))


@cache
def task_catalog() -> TaskCatalog:
    return parse_tasks(yaml.safe_load((DATA / "tasks.yaml").read_text(encoding="utf-8")))


def period_for(day: date) -> Period:
    """The plan period ``day`` falls in; after the last one, the last one (its targets stay the
    reference until a new period is added); before the first, the first."""
    all_periods = periods()
    for p in all_periods:
        if p.starts_on <= day <= p.ends_on:
            return p
    later = [p for p in all_periods if p.ends_on < day]
    return later[-1] if later else all_periods[0]


def all_departments() -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for t in task_catalog().tasks:
        for d in t.departments:
            seen.setdefault(d, None)
    return tuple(seen)
