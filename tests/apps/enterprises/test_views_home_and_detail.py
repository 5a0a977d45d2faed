"""Home page counts and the enterprise page (every section, labels, unknown ≠ 0, chart, history)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from tests.factories import build_dossier

from lingjun.apps.divisions.services import divisions_seed
from lingjun.apps.enterprises.models import ChangeRecord, Enterprise
from lingjun.apps.enterprises.services import dossiers_apply

pytestmark = pytest.mark.django_db

VALID = {"issued_on": date(2023, 1, 1), "expires_on": date(2099, 12, 31)}
EXPIRED = {"issued_on": date(2020, 1, 1), "expires_on": date(2022, 12, 31)}


@pytest.fixture
def qualified() -> list[str]:
    divisions_seed()
    dossiers = [
        build_dossier(
            1,
            qualifications=[
                {"kind": "hnte", "level": "national", **VALID},
                {"kind": "chuying", "level": "municipal", **VALID},
            ],
        ),
        build_dossier(2, qualifications=[{"kind": "hnte", "level": "national", **EXPIRED}]),
        build_dossier(
            3,
            town="梅厂镇",
            qualifications=[
                {"kind": "dengling", "level": "municipal", **VALID},
                {"kind": "lingjun", "level": "municipal", "issued_on": None, "expires_on": None},
            ],
        ),
    ]
    dossiers_apply(dossiers=dossiers, user=None, source="import")
    return [d["uscc"] for d in dossiers]


def _counts(client: Client) -> tuple[int, dict[str, int], list[tuple[str, int]]]:
    summary = client.get(reverse("web:home")).context["summary"]
    return summary.total, {k: n for k, _label, n in summary.qualifications}, summary.by_town


def test_home_counts_the_district_with_qualifications_valid_today(qualified, staff_client):
    total, quals, towns = _counts(staff_client)
    assert total == 3
    assert quals == {"hnte": 1, "tech_sme": 0, "chuying": 1, "dengling": 1, "lingjun_peiyu": 0, "lingjun": 1}
    assert towns == [("杨村街道", 2), ("梅厂镇", 1)]


def test_home_counts_only_the_town_of_a_town_officer(qualified, make_user, client_as):
    total, quals, towns = _counts(client_as(make_user("town_officer", town="梅厂镇")))
    assert total == 1 and towns == [("梅厂镇", 1)]
    assert quals["hnte"] == 0 and quals["dengling"] == 1


def test_home_shows_labels_and_links(qualified, staff_client):
    page = staff_client.get(reverse("web:home")).content.decode()
    for label in (
        "国家高新技术企业",
        "国家科技型中小企业",
        "雏鹰企业",
        "瞪羚企业",
        "科技领军培育企业",
        "科技领军企业",
    ):
        assert label in page
    assert 'href="/enterprises/?qualification=dengling"' in page


def test_enterprise_page_shows_every_section_with_labels(pool, pks, staff_client):
    page = staff_client.get(reverse("enterprises:enterprise_detail", args=[pks[0]])).content.decode()
    for heading in (
        "基本信息",
        "信用情况",
        "年度数据",
        "知识产权",
        "资质",
        "奖项",
        "标准",
        "科技计划项目",
        "融资",
        "科技成果转化",
        "场地",
        "变更记录",
    ):
        assert f"<h2>{heading}</h2>" in page, heading
    # Chinese enum labels, not codes
    for text in (
        "电子信息",
        "未上市",
        "发明专利",
        "软件著作权",
        "自主研发",
        "国家科技型中小企业",
        "国家级",
        "三等奖",
        "团体标准",
        "参与制定",
        "省部级",
        "银行贷款",
        "租赁",
    ):
        assert text in page, text
    assert "invention_patent" not in page and "tech_sme" not in page
    # units from the schema
    assert "营业收入（万元）" in page and "职工总数（人）" in page and "面积（m²）" in page
    # years as columns, numbers formatted, decimals exact
    assert '<th class="num">2022年</th>' in page and "3,200.5" in page and "2,800.25" in page


def test_unknown_values_are_shown_as_not_filed_never_as_zero(db, staff_client):
    divisions_seed()
    dossier = build_dossier(1, park=None, awards=[])
    dossier["annual"][1]["operating_revenue"] = None  # 2023 revenue unknown
    dossiers_apply(dossiers=[dossier], user=None, source="import")
    pk = Enterprise.objects.get().pk
    response = staff_client.get(reverse("enterprises:enterprise_detail", args=[pk]))
    page = response.content.decode()
    revenue_row = page[page.index("营业收入（万元）</th>") :].split("</tr>")[0]
    assert "—（未填报）" in revenue_row and ">0<" not in revenue_row
    assert revenue_row.count("unknown") == 1  # only 2023
    basic = {row.label: row.cell.text for row in response.context["basic"]}
    assert basic["所属园区"] == "—（未填报）"
    sales_row = page[page.index("销售收入（万元）</th>") :].split("</tr>")[0]
    assert sales_row.count("—（未填报）") == 3
    awards = page[page.index('id="awards"') :].split("</section>")[0]
    assert "—（未填报）" in awards


def test_yearly_chart_is_inline_svg_with_a_mark_for_unknown_values(db, staff_client):
    divisions_seed()
    dossier = build_dossier(1)
    dossier["annual"][0]["rd_expense"] = None
    dossiers_apply(dossiers=[dossier], user=None, source="import")
    page = staff_client.get(
        reverse("enterprises:enterprise_detail", args=[Enterprise.objects.get().pk])
    ).content.decode()
    money = page[page.index('data-chart="money"') :].split("</figure>")[0]
    assert "<svg" in money and "营业收入与研发费用（万元）" in money
    assert money.count('<rect class="s1"') == 1 + 3  # legend + one bar per year
    assert money.count('<rect class="s2"') == 1 + 2  # 2022 research expense unknown: no bar…
    assert "2022年 研发费用：未填报" in money  # …but a mark
    assert "2024年 营业收入：3,200.5万元" in money
    staff = page[page.index('data-chart="staff"') :].split("</figure>")[0]
    assert staff.count('<rect class="s3"') == 1 + 3 and "职工总数（人）" in staff
    assert "<script" not in money


def test_change_history_is_listed_and_paginated(pool, pks, staff, staff_client):
    uscc = pool[0]
    for i in range(25):
        dossiers_apply(
            dossiers=[build_dossier(1, name=f"天津改名科技有限公司{i}")], user=staff, source="form"
        )
    assert ChangeRecord.objects.filter(uscc=uscc).count() == 26
    url = reverse("enterprises:enterprise_detail", args=[pks[0]])
    first = staff_client.get(url)
    changes = first.context["changes"]
    assert changes.paginator.num_pages == 2 and len(changes.object_list) == 20
    page = first.content.decode()
    for head in ("时间", "操作人", "来源", "字段名称", "原值", "新值"):
        assert f"<th>{head}</th>" in page
    assert "张科员" in page and "在线编辑" in page and "天津改名科技有限公司24" in page
    partial = staff_client.get(url + "?changes_page=2", headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert body.lstrip().startswith('<div id="change-history">') and "<html" not in body
    assert "新建企业档案" in body and "导入" in body


def test_change_values_use_labels(pool, pks, staff, staff_client):
    changed = build_dossier(1, hightech_field="新材料")
    changed["annual"][2]["rd_expense"] = Decimal("250")
    dossiers_apply(dossiers=[changed], user=staff, source="form")
    page = staff_client.get(reverse("enterprises:enterprise_detail", args=[pks[0]])).content.decode()
    history = page[page.index('id="change-history"') :]
    assert "2024年 研发费用" in history and "210.4" in history and "250" in history
    assert "新材料" in history and "高新技术领域" in history
