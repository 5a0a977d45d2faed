"""Growth monitoring: every indicator and warning of the whole pool, computed at once, against
figures worked out by hand for a few enterprises."""

from __future__ import annotations

from datetime import date

import pyarrow.parquet as pq
import pytest

from lingjun.apps.plan.growth import data_year
from lingjun.apps.plan.services import monitoring_compute

from .conftest import AS_OF

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_data_year_follows_the_annual_update_deadline() -> None:
    assert data_year(date(2025, 9, 30)) == 2023
    assert data_year(date(2025, 10, 1)) == 2024


def test_indicators_and_warnings_of_the_whole_pool(growth_pool: dict[str, str]) -> None:
    run = monitoring_compute(as_of=AS_OF)
    rows = {r["uscc"]: r for r in pq.read_table(run.path).to_pylist()}
    assert run.enterprises == 3 and set(rows) == set(growth_pool.values())

    fast = rows[growth_pool["fast"]]
    assert fast["data_year"] == 2024
    assert fast["revenue_cagr"] == pytest.approx(1.0)  # (8000/1000)^(1/3) − 1
    assert fast["sales_growth"] == pytest.approx(1.0)  # ½(4000/2000 + 8000/4000) − 1
    assert fast["rd_intensity"] == pytest.approx(0.06)  # (120+240+480)/(2000+4000+8000)
    assert fast["staff_growth"] == pytest.approx(1.0)
    assert fast["high_growth"] and fast["gazelle"]  # ≥ 10 staff at the start, 3 years old
    assert not (fast["revenue_falling"] or fast["rd_below"] or fast["expiring"] or fast["annual_missing"])

    falling = rows[growth_pool["falling"]]
    assert falling["revenue_falling"]
    assert falling["rd_intensity"] == pytest.approx(0.01) and falling["rd_threshold"] == pytest.approx(0.05)
    assert falling["rd_below"]  # a valid HNTE with sales ≤ 5000 needs 5 %
    assert falling["expiring"] and falling["expires_on"] == date(2025, 11, 30)  # within 90 days
    assert falling["expiring_what"] == "国家高新技术企业"
    assert not falling["high_growth"] and not falling["gazelle"]

    silent = rows[growth_pool["silent"]]
    assert silent["annual_missing"] and silent["revenue"] is None
    assert not silent["rd_below"]  # no threshold: neither HNTE nor a tier with one

    assert run.counts == {"revenue_falling": 1, "rd_below": 1, "expiring": 1, "annual_missing": 1}
