"""Acceptance 1: the dashboard's figures equal independent SQL counts on the demo district —
for the bureau (全区) and for a town officer (本镇街), today and at past year-ends, by town."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from lingjun.apps.plan.selectors import dashboard, home_context

QUAL_SQL = """
SELECT COUNT(DISTINCT q.uscc) FROM lj_qualifications q JOIN lj_enterprise e ON e.uscc = q.uscc
WHERE q.kind = %s AND (q.issued_on IS NULL OR q.issued_on <= %s) AND (q.expires_on IS NULL OR q.expires_on >= %s)
  AND (%s = '' OR e.town = %s)
"""
MEMBER_SQL = """
SELECT COUNT(*) FROM membership_membership m JOIN lj_enterprise e ON e.id = m.enterprise_id
WHERE m.tier IN ({tiers}) AND m.valid_from <= %s AND (m.valid_until IS NULL OR m.valid_until >= %s)
  AND (m.exited_on IS NULL OR m.exited_on > %s) AND (%s = '' OR e.town = %s)
"""
MEASURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "hnte": ("qual", ("hnte",)),
    "tech_sme": ("qual", ("tech_sme",)),
    "chuying": ("member", ("chuying",)),
    "dengling": ("member", ("dengling",)),
    "lingjun": ("member", ("lingjun_peiyu", "lingjun")),
}


def sql_count(code: str, day: date, town: str = "") -> int:
    how, what = MEASURES[code]
    with connection.cursor() as cursor:
        if how == "qual":
            cursor.execute(QUAL_SQL, [what[0], day, day, town, town])
        else:
            sql = MEMBER_SQL.format(tiers=", ".join(["%s"] * len(what)))
            cursor.execute(sql, [*what, day, day, day, town, town])
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def page_actuals(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-target="(\w+)"[^>]*>.*?data-actual="([^"]*)"', html, flags=re.S))


def test_the_bureaus_dashboard_equals_sql_counts(demo_district: dict[str, Any], client_as: Any) -> None:
    today = demo_district["today"]
    html = client_as(demo_district["users"]["district_staff"]).get(reverse("web:home")).content.decode()
    shown = page_actuals(html)
    expected = {code: sql_count(code, today) for code in MEASURES}
    assert {code: int(shown[code]) for code in MEASURES} == expected
    assert expected["hnte"] > 0 and expected["tech_sme"] > 0 and expected["chuying"] > 0
    assert expected["lingjun"] > 0
    # hand-entered targets show their newest entry; the others say nobody entered them
    assert shown["talents"] == "812.00" and shown["national_platform"] == ""
    assert 'data-chart="progress"' in html and 'id="plan-chart-data"' in html


def test_the_yearly_series_and_the_town_breakdown_equal_sql_counts(demo_district: dict[str, Any]) -> None:
    today = demo_district["today"]
    board = dashboard(as_of=today)
    for p in board.targets:
        if p.target.manual:
            continue
        assert p.series == [sql_count(p.target.code, d) for d in board.days], p.target.code
    town = board.breakdowns["town"]
    towns = {t for m in town.values() for t in m}
    assert len(towns) > 3
    for code in MEASURES:
        measure = next(p.target.measure for p in board.targets if p.target.code == code)
        for t in towns:
            assert town.get(measure, {}).get(t, 0) == sql_count(code, today, t), (code, t)


def test_a_town_officers_dashboard_counts_its_town_only(
    demo_district: dict[str, Any], make_user: Any
) -> None:
    today = demo_district["today"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT town FROM lj_enterprise GROUP BY town ORDER BY COUNT(*) DESC LIMIT 1")
        (town,) = cursor.fetchone() or ("",)
    officer = make_user("town_officer", town=town)
    context = home_context(user=officer, today=today)
    assert context is not None
    board = context["board"]
    assert not board.district and board.scope_label == town
    got = {p.target.code: p.actual for p in board.targets if not p.target.manual}
    assert got == {code: sql_count(code, today, town) for code in MEASURES}
    assert set(board.breakdowns["town"].get("hnte", {})) <= {town}
    # the district's hand-entered figures are not the town's
    assert all(p.actual is None for p in board.targets if p.target.manual)


def test_a_jurisdictions_yearly_series_equal_sql_counts(demo_district: dict[str, Any]) -> None:
    """A town's (or park's) holders are found from its enterprises: each trend day as SQL counts."""
    from lingjun.apps.plan.selectors import Jurisdiction

    today = demo_district["today"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT town FROM lj_enterprise GROUP BY town ORDER BY COUNT(*) DESC LIMIT 1")
        (town,) = cursor.fetchone() or ("",)
    board = dashboard(as_of=today, jurisdiction=Jurisdiction(town=town))
    for p in board.targets:
        if not p.target.manual:
            assert p.series == [sql_count(p.target.code, d, town) for d in board.days], p.target.code
    assert any(p.series and p.series[-1] for p in board.targets if not p.target.manual)


def test_roles_without_the_plan_see_no_dashboard(demo_district: dict[str, Any], make_user: Any) -> None:
    firm_user = make_user("department", department="区财政局")
    assert home_context(user=firm_user, today=demo_district["today"]) is None


@pytest.mark.parametrize("n_points", [2, 4])
def test_the_projection_is_a_straight_line_with_a_band_from_three_points(n_points: int) -> None:
    from lingjun.apps.plan.projection import project

    noise = 5 if n_points > 2 else 0
    points = [
        (date(2019 + i, 12, 31), 100.0 + 50 * i + (noise if i % 2 else -noise)) for i in range(n_points)
    ]
    p = project(points, on=date(2025, 12, 31))
    assert p is not None
    assert p.value == pytest.approx(100 + 50 * 6, rel=0.05)
    if n_points < 3:
        assert p.low is None and p.high is None
    else:
        assert p.low is not None and p.high is not None and p.low < p.value < p.high
    assert project(points[:1], on=date(2025, 12, 31)) is None


def test_a_new_membership_shows_at_the_next_page_view(demo_district: dict[str, Any], client_as: Any) -> None:
    """The dashboard is reused while nothing changed, recomputed as soon as something did."""
    from lingjun.apps.enterprises.models import Enterprise
    from lingjun.apps.membership.models import Membership
    from lingjun.apps.membership.services import membership_enter

    today = demo_district["today"]
    client = client_as(demo_district["users"]["district_staff"])
    before = int(page_actuals(client.get(reverse("web:home")).content.decode())["dengling"])
    newcomer = (
        Enterprise.objects.exclude(pk__in=Membership.objects.values("enterprise_id")).order_by("pk").first()
    )
    assert newcomer is not None
    membership_enter(
        enterprise_id=newcomer.pk,
        tier="dengling",
        valid_from=today,
        valid_until=None,
        source="manual",
        user=None,
    )
    after = int(page_actuals(client.get(reverse("web:home")).content.decode())["dengling"])
    assert after == before + 1 == sql_count("dengling", today)
