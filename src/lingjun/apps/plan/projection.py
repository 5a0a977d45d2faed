"""A straight-line projection of a target's actual to the target date, with its uncertainty.

Ordinary least squares over the observed points (day, value); at the target date the projected
value and a 95 % prediction band (Student's t, n − 2 degrees of freedom). With fewer than three
points there is no band (the spread cannot be estimated), with fewer than two no projection.
Pure Python.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

#: Student's t at 97.5 % for 1 … 10 degrees of freedom (beyond: 1.96)
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228)


@dataclass(frozen=True)
class Projection:
    on: date
    value: float
    low: float | None  # the band; None with fewer than three points
    high: float | None
    slope_per_year: float


def project(points: Sequence[tuple[date, float]], *, on: date) -> Projection | None:
    """The linear trend of ``points`` extended to ``on``; ``None`` with fewer than two distinct days."""
    if len({d for d, _ in points}) < 2:
        return None
    origin = points[0][0]
    xs = [(d - origin).days / 365.25 for d, _ in points]
    ys = [float(v) for _, v in points]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = my - slope * mx
    x0 = (on - origin).days / 365.25
    value = intercept + slope * x0
    if n < 3:
        return Projection(on=on, value=value, low=None, high=None, slope_per_year=slope)
    residual = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    s = math.sqrt(residual / (n - 2))
    t = _T975[n - 3] if n - 2 <= len(_T975) else 1.96
    half = t * s * math.sqrt(1 + 1 / n + (x0 - mx) ** 2 / sxx)
    return Projection(on=on, value=value, low=max(0.0, value - half), high=value + half, slope_per_year=slope)
