"""The demo district for plan's tests: a generated pool, memberships in every state, and every
app's demo records (notices, actuals, task reports, a monitoring run)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Dashboards are cached per process: each test starts without one."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


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
