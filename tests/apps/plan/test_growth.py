"""Growth monitoring: every indicator and warning of the whole pool, computed at once, against
figures worked out by hand for a few enterprises."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from tests.factories import build_dossier

from lingjun.apps.plan.growth import data_year
from lingjun.apps.plan.services import monitoring_compute

pytestmark = pytest.mark.django_db(transaction=True)

AS_OF = date(2025, 10, 15)  # data year 2024


def _annual(rows: list[tuple[int, str, str, int]]) -> list[dict[str, Any]]:
    """(year, revenue, R&D, employees) → annual rows (sales = revenue)."""
    return [
        {
            "year": y,
            "operating_revenue": Decimal(rev),
            "rd_expense": Decimal(rd),
            "employees": Decimal(emp),
            "tech_staff": Decimal(5),
            "total_assets": Decimal(rev) * 2,
            "total_liabilities": Decimal(rev),
        }
        for y, rev, rd, emp in rows
    ]


@pytest.fixture
def growth_pool(db: Any, settings: Any, tmp_path: Path) -> dict[str, str]:
    from lingjun.apps.divisions.services import divisions_seed
    from lingjun.apps.enterprises.services import dossiers_apply

    settings.LINGJUN_HOME = tmp_path
    divisions_seed()
    fast = build_dossier(1, registered_on=date(2021, 3, 1))  # young, doubling: a gazelle
    fast["annual"] = _annual(
        [
            (2021, "1000", "60", 10),
            (2022, "2000", "120", 20),
            (2023, "4000", "240", 40),
            (2024, "8000", "480", 80),
        ]
    )
    falling = build_dossier(2, town="梅厂镇")  # revenue down twice, R&D 1 % under its HNTE
    falling["annual"] = _annual(
        [(2022, "3000", "30", 50), (2023, "2500", "25", 50), (2024, "2000", "20", 50)]
    )
    falling["qualifications"] = [
        {
            "kind": "hnte",
            "level": "national",
            "number": "GR202212000001",
            "issued_on": date(2022, 12, 1),
            "expires_on": date(2025, 11, 30),
        }
    ]
    silent = build_dossier(3)  # no 2024 figures: the annual update is missing
    silent["annual"] = _annual([(2022, "500", "50", 12), (2023, "600", "60", 12)])
    silent["qualifications"] = []
    dossiers_apply(dossiers=[fast, falling, silent], user=None, source="import")
    return {"fast": fast["uscc"], "falling": falling["uscc"], "silent": silent["uscc"]}


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
    assert falling["expiring_what"] == "hnte"
    assert not falling["high_growth"] and not falling["gazelle"]

    silent = rows[growth_pool["silent"]]
    assert silent["annual_missing"] and silent["revenue"] is None
    assert not silent["rd_below"]  # no threshold: neither HNTE nor a tier with one

    assert run.counts == {"revenue_falling": 1, "rd_below": 1, "expiring": 1, "annual_missing": 1}
