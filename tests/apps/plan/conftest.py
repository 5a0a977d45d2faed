"""The demo district for plan's tests: a generated pool, memberships in every state, and every
app's demo records (notices, actuals, task reports, a monitoring run)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from tests.factories import build_dossier


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Dashboards are cached per process: each test starts without one."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


#: the growth pool's day: data year 2024
AS_OF = date(2025, 10, 15)

TIERS = ("chuying", "chuying", "chuying", "dengling", "lingjun_peiyu", "lingjun")


@pytest.fixture
def demo_district(transactional_db: Any, settings: Any, tmp_path: Path, make_user: Any) -> dict[str, Any]:
    from lingjun.apps.divisions.services import divisions_seed
    from lingjun.apps.enterprises.models import Enterprise
    from lingjun.apps.enterprises.services import dossiers_apply
    from lingjun.apps.membership.services import membership_enter
    from lingjun.apps.web.shell import demo_populate_all
    from lingjun.demo import generate_dossiers

    settings.LINGJUN_HOME = tmp_path
    today = timezone.localdate()
    divisions_seed()
    dossiers_apply(
        dossiers=list(generate_dossiers(n=400, seed=20251231, year=today.year - 1, today=today)),
        user=None,
        source="import",
    )
    pks = list(Enterprise.objects.order_by("uscc").values_list("pk", flat=True)[:120])
    for i, pk in enumerate(pks):
        start = today - timedelta(days=40 * i)
        # every 7th has lapsed already; every 5th starts later (not yet active)
        until = start + timedelta(days=30) if i % 7 == 0 else start + timedelta(days=3 * 365)
        if i % 5 == 4:
            start, until = today + timedelta(days=10), today + timedelta(days=400)
        membership_enter(
            enterprise_id=pk,
            tier=TIERS[i % len(TIERS)],
            valid_from=start,
            valid_until=until,
            source="demo",
            user=None,
        )
    users = {
        "district_staff": make_user("district_staff"),
        "department": make_user("department", department="区工业和信息化局"),
    }
    reports = demo_populate_all(today=today, users=users)
    return {"today": today, "users": users, "reports": reports}


def year_end(year: int) -> date:
    return date(year, 12, 31)


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
    fast["qualifications"] = [  # its HNTE ends within 90 days, but the renewal is in force already
        {"kind": "hnte", "level": "national", "number": "GR202212000009", "issued_on": date(2022, 11, 1),
         "expires_on": date(2025, 11, 1)},
        {"kind": "hnte", "level": "national", "number": "GR202512000009", "issued_on": date(2025, 10, 1),
         "expires_on": date(2028, 10, 1)},
    ]  # fmt: skip
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
