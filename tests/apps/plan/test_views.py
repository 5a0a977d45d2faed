"""The monitoring page: watch lists per town, each warning with its figures and a link to the
enterprise; a town officer sees the town only; recomputing is the bureau's."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from lingjun.apps.enterprises.models import Enterprise
from lingjun.apps.plan.services import monitoring_compute

from .conftest import AS_OF

pytestmark = pytest.mark.django_db(transaction=True)


def test_warnings_link_to_the_enterprise_with_their_figures(
    growth_pool: dict[str, str], make_user: Any, client_as: Any
) -> None:
    monitoring_compute(as_of=AS_OF)
    client = client_as(make_user("district_staff"))
    html = client.get(reverse("plan:monitoring"), {"kind": "revenue_falling"}).content.decode()
    falling = Enterprise.objects.get(uscc=growth_pool["falling"])
    assert f'href="{reverse("enterprises:enterprise_detail", args=[falling.pk])}"' in html
    assert "营业收入连续两年下降" in html
    assert "3000.0 → 2500.0 → 2000.0" in html  # the figures behind the warning
    assert "1.00%（标准 5.00%）" in html
    assert growth_pool["fast"] not in html.split('id="warnings"')[1]  # no warning: not listed
    watch = html.split('id="watch-lists"')[1].split("</table>")[0]
    assert "杨村街道" in watch and "梅厂镇" in watch


def test_a_town_officer_sees_the_town_only_and_cannot_recompute(
    growth_pool: dict[str, str], make_user: Any, client_as: Any
) -> None:
    monitoring_compute(as_of=AS_OF)
    client = client_as(make_user("town_officer", town="杨村街道"))
    html = client.get(reverse("plan:monitoring")).content.decode()
    assert growth_pool["silent"] in html  # 杨村街道, no annual figures
    assert growth_pool["falling"] not in html  # 梅厂镇
    assert "按今天重新计算" not in html
    assert client.post(reverse("plan:monitoring")).status_code == 403
