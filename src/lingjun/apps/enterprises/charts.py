"""Yearly bar charts drawn on the server as inline SVG (no JavaScript; prints as vectors).

:func:`yearly_charts` turns the 年度数据 of a canonical dossier into chart geometry that the
template ``enterprises/_chart.html`` draws. An unknown value gets no bar but a “未填报” mark, so a gap in
the data is never mistaken for zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from lingjun.apps.enterprises.display import format_number
from lingjun.dossier.schema import ANNUAL

WIDTH, HEIGHT = 520, 250
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 34, 30


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str  # tooltip and accessible text: "2024年 营业收入：3,200.5万元"
    label: str  # value printed above the bar ("未填报" when unknown)
    label_x: float
    label_y: float
    unknown: bool = False


@dataclass
class Tick:
    y: float
    text: str


@dataclass
class Chart:
    key: str
    title: str
    unit: str
    width: int = WIDTH
    height: int = HEIGHT
    legend: list[tuple[str, str, float]] = field(default_factory=list)  # (css, label, x)
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    years: list[tuple[float, str]] = field(default_factory=list)  # (x of label, text)
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    baseline: float = HEIGHT - BOTTOM
    empty: bool = False


def nice_ceiling(value: Decimal) -> Decimal:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is ≥ ``value`` (axis maximum)."""
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()
    for step in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        candidate = step.scaleb(exponent)
        if candidate >= value:
            return candidate
    return Decimal(10).scaleb(exponent)  # pragma: no cover - the loop always returns


def _chart(
    key: str, title: str, unit: str, years: Sequence[int], series: Sequence[tuple[str, str, Sequence[Any]]]
) -> Chart:
    chart = Chart(key=key, title=title, unit=unit)
    x = float(LEFT)
    for css, label, _values in series:
        chart.legend.append((css, label, x))
        x += 26 + 14 * len(label)
    known = [Decimal(v) for _c, _l, values in series for v in values if v is not None]
    if not years or not known:
        chart.empty = True
        return chart
    top = nice_ceiling(max(max(known), Decimal(0)))
    plot_h = HEIGHT - TOP - BOTTOM
    plot_w = WIDTH - LEFT - RIGHT
    for i in range(5):
        value = top * i / 4
        chart.ticks.append(Tick(round(HEIGHT - BOTTOM - plot_h * i / 4, 1), format_number(value)))
    group = plot_w / len(years)
    bar_w = min(34.0, group * 0.72 / len(series))
    for yi, year in enumerate(years):
        centre = LEFT + group * (yi + 0.5)
        chart.years.append((round(centre, 1), str(year)))
        first = centre - bar_w * len(series) / 2
        for si, (css, label, values) in enumerate(series):
            raw = values[yi]
            bx = round(first + si * bar_w + 1, 1)
            w = round(bar_w - 2, 1)
            if raw is None:
                chart.bars.append(
                    Bar(
                        bx,
                        HEIGHT - BOTTOM,
                        w,
                        0,
                        css,
                        _("%(year)s年 %(label)s：未填报") % {"year": year, "label": label},
                        _("未填报"),
                        round(bx + w / 2, 1),
                        HEIGHT - BOTTOM - 4,
                        unknown=True,
                    )
                )
                continue
            value = max(Decimal(raw), Decimal(0))
            h = round(float(value / top) * plot_h, 1)
            text = format_number(Decimal(raw))
            chart.bars.append(
                Bar(
                    bx,
                    round(HEIGHT - BOTTOM - h, 1),
                    w,
                    h,
                    css,
                    f"{year}年 {label}：{text}{unit}",
                    text,
                    round(bx + w / 2, 1),
                    round(HEIGHT - BOTTOM - h - 4, 1),
                )
            )
    return chart


def yearly_charts(dossier: Mapping[str, Any]) -> list[Chart]:
    """营业收入与研发费用 (万元, grouped bars) and 职工总数 (人), one group per year, oldest first."""
    by_year = {r["year"]: r for r in dossier.get(ANNUAL.key) or () if r.get("year") is not None}
    years = sorted(by_year)

    def values(name: str) -> list[Any]:
        return [by_year[y].get(name) for y in years]

    revenue, rd, staff = (ANNUAL.field(n) for n in ("operating_revenue", "rd_expense", "employees"))
    return [
        _chart(
            "money",
            f"{revenue.label}与{rd.label}",
            revenue.unit,
            years,
            [("s1", revenue.label, values(revenue.name)), ("s2", rd.label, values(rd.name))],
        ),
        _chart("staff", staff.label, staff.unit, years, [("s3", staff.label, values(staff.name))]),
    ]
