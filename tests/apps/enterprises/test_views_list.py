"""Enterprise list: search, filters, sorting, pagination with a capped count, htmx partial."""

from __future__ import annotations

import re
from datetime import date
from html import unescape as html_unescape

import pytest
from django.test import Client
from django.urls import reverse
from tests.factories import build_dossier, uscc_for

from lingjun.apps.divisions.services import divisions_seed
from lingjun.apps.enterprises.selectors import EnterpriseFilters, enterprise_list_page
from lingjun.apps.enterprises.services import dossiers_apply

pytestmark = pytest.mark.django_db

VALID_HNTE = [
    {"kind": "hnte", "level": "national", "issued_on": date(2023, 1, 1), "expires_on": date(2099, 1, 1)}
]
EXPIRED_HNTE = [
    {"kind": "hnte", "level": "national", "issued_on": date(2019, 1, 1), "expires_on": date(2021, 1, 1)}
]


@pytest.fixture
def firms() -> list[str]:
    """Five enterprises with distinct names, towns, parks, industries, dates and qualifications."""
    divisions_seed()
    dossiers = [
        build_dossier(
            11,
            name="天津甲光电科技有限公司",
            town="杨村街道",
            industry_code="C3562",
            registered_on=date(2015, 1, 1),
            qualifications=VALID_HNTE,
        ),
        build_dossier(
            12,
            name="天津乙医药有限公司",
            town="梅厂镇",
            industry_code="C2720",
            registered_on=date(2010, 1, 1),
            qualifications=EXPIRED_HNTE,
        ),
        build_dossier(
            13,
            name="天津丙光电设备有限公司",
            town="梅厂镇",
            park="武清区开发区",
            industry_code="C3599",
            registered_on=date(2020, 1, 1),
            qualifications=[],
        ),
        build_dossier(
            14,
            name="天津丁软件有限公司",
            town="下朱庄街道",
            industry_code="I6513",
            registered_on=date(2018, 1, 1),
            qualifications=VALID_HNTE,
        ),
        build_dossier(
            15,
            name="天津戊物流有限公司",
            town="杨村街道",
            industry_code="G5920",
            registered_on=date(2012, 1, 1),
            qualifications=[],
        ),
    ]
    dossiers_apply(dossiers=dossiers, user=None, source="import")
    return [d["uscc"] for d in dossiers]


def names(client: Client, **params: str) -> list[str]:
    response = client.get(reverse("enterprises:enterprise_list"), params)
    assert response.status_code == 200
    return [row.enterprise.name for row in response.context["page"].rows]


def test_search_by_part_of_the_name(firms, staff_client):
    assert sorted(names(staff_client, q="光电")) == ["天津丙光电设备有限公司", "天津甲光电科技有限公司"]
    assert names(staff_client, q="不存在的企业") == []


def test_search_by_uscc_prefix(firms, staff_client):
    assert names(staff_client, q=uscc_for(14)) == ["天津丁软件有限公司"]
    assert names(staff_client, q=uscc_for(14)[:17].lower()) == ["天津丁软件有限公司"]  # prefix, any case
    assert len(names(staff_client, q="91120114")) == 5
    assert names(staff_client, q=uscc_for(14)[2:]) == []  # the middle of a code is not a prefix
    assert len(names(staff_client, q="9112")) == 5  # short: prefix of a code or part of a name


def test_filters_by_town_park_industry_and_qualification(firms, staff_client):
    assert sorted(names(staff_client, town="梅厂镇")) == ["天津丙光电设备有限公司", "天津乙医药有限公司"]
    assert names(staff_client, park="武清区开发区") == ["天津丙光电设备有限公司"]
    assert sorted(names(staff_client, industry="c35")) == ["天津丙光电设备有限公司", "天津甲光电科技有限公司"]
    assert names(staff_client, industry="C3562") == ["天津甲光电科技有限公司"]
    # held means valid today: the expired certificate of 乙 does not count
    assert sorted(names(staff_client, qualification="hnte")) == [
        "天津丁软件有限公司",
        "天津甲光电科技有限公司",
    ]
    assert names(staff_client, qualification="hnte", town="杨村街道") == ["天津甲光电科技有限公司"]


def test_an_invalid_filter_is_reported_and_ignored(firms, staff_client):
    response = staff_client.get(
        reverse("enterprises:enterprise_list"), {"industry": "35C!", "town": "火星镇"}
    )
    assert len(response.context["page"].rows) == 5
    page = response.content.decode()
    assert "行业代码应为门类字母加最多4位数字" in page


def test_sorting(firms, staff_client):
    by_date = names(staff_client, sort="registered_on")
    assert by_date[0] == "天津乙医药有限公司" and by_date[-1] == "天津丙光电设备有限公司"
    assert names(staff_client, sort="-registered_on") == by_date[::-1]
    assert names(staff_client, sort="uscc") == [
        f"天津{c}"
        for c in (
            "甲光电科技有限公司",
            "乙医药有限公司",
            "丙光电设备有限公司",
            "丁软件有限公司",
            "戊物流有限公司",
        )
    ]
    towns = [
        row.enterprise.town
        for row in staff_client.get(reverse("enterprises:enterprise_list"), {"sort": "town"})
        .context["page"]
        .rows
    ]
    assert towns == sorted(towns)
    assert names(staff_client, sort="name") == sorted(names(staff_client, sort="name"))


def test_pagination_walks_all_enterprises_once(db, staff_client):
    divisions_seed()
    dossiers_apply(
        dossiers=[build_dossier(n, annual=[], ip=[]) for n in range(1, 121)], user=None, source="import"
    )
    seen: list[str] = []
    page_number = 1
    while True:
        response = staff_client.get(
            reverse("enterprises:enterprise_list"), {"page": str(page_number), "sort": "uscc"}
        )
        page = response.context["page"]
        assert page.count == 120 and not page.capped
        seen += [row.enterprise.uscc for row in page.rows]
        if not page.has_next:
            break
        page_number += 1
    assert page_number == 3 and len(seen) == 120 and seen == sorted(set(seen))
    html = staff_client.get(reverse("enterprises:enterprise_list"), {"page": "2"}).content.decode()
    assert (
        "当前第 51–100 家" in html
        and "共 120 家企业" in html
        and 'rel="next"' in html
        and 'rel="prev"' in html
    )
    # the page links keep the filters: follow "next" from a filtered first page
    first = staff_client.get(
        reverse("enterprises:enterprise_list"), {"q": "9112", "sort": "-uscc"}
    ).content.decode()
    link = re.search(r'<a href="([^"]+)"[^>]*rel="next"', first)
    assert link is not None
    href = html_unescape(link.group(1))
    assert href.startswith("?") and not href.startswith("??")
    second = staff_client.get(reverse("enterprises:enterprise_list") + href)
    assert second.context["filters"].sort == "-uscc" and second.context["filters"].q == "9112"
    assert second.context["page"].number == 2


def test_count_is_capped_instead_of_counting_everything(db, make_user):
    divisions_seed()
    dossiers_apply(
        dossiers=[build_dossier(n, annual=[], ip=[]) for n in range(1, 31)], user=None, source="import"
    )
    user = make_user("district_staff")
    page = enterprise_list_page(
        user=user, filters=EnterpriseFilters(), today=date(2025, 6, 30), per_page=5, count_cap=12
    )
    assert page.capped and page.count == 12 and page.has_next and len(page.rows) == 5
    last = enterprise_list_page(
        user=user, filters=EnterpriseFilters(), today=date(2025, 6, 30), page=6, per_page=5, count_cap=12
    )
    assert not last.capped and last.count == 30 and not last.has_next  # the last page knows the exact total


def test_htmx_requests_get_only_the_results(firms, staff_client):
    response = staff_client.get(
        reverse("enterprises:enterprise_list"), {"q": "光电"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "<html" not in body and 'id="enterprise-table"' in body and "天津甲光电科技有限公司" in body
    full = staff_client.get(reverse("enterprises:enterprise_list"), {"q": "光电"}).content.decode()
    assert "<html" in full and 'hx-get="/enterprises/"' in full and 'hx-target="#results"' in full


def test_rows_show_qualifications_valid_today(firms, staff_client):
    rows = {
        r.enterprise.name: r.qualifications
        for r in staff_client.get(reverse("enterprises:enterprise_list")).context["page"].rows
    }
    assert rows["天津甲光电科技有限公司"] == ["国家高新技术企业"] and rows["天津乙医药有限公司"] == []
