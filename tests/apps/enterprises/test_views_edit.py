"""Editing a dossier: validated by the dossier validator, saved through dossiers_apply with history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lingjun.apps.enterprises.models import AnnualFigure, ChangeRecord, Enterprise, IntellectualProperty
from lingjun.apps.enterprises.selectors import dossiers_load
from lingjun.dossier.validate import MSG_REQUIRED, MSG_TECH_STAFF

pytestmark = pytest.mark.django_db


def form_data(response: Any) -> dict[str, str]:
    """The POST data of the edit page as loaded (what a browser would send unchanged)."""
    ctx = response.context
    data = {"version": ctx["version"], "save": "1"}
    if "basic" in ctx:
        basic = ctx["basic"]
        for name in basic.fields:
            data[name] = basic[name].value() or ""
    formset = ctx["formset"]
    for name in formset.management_form.fields:
        data[f"{formset.prefix}-{name}"] = str(formset.management_form[name].value() or 0)
    for form in formset.forms:
        for name in form.fields:
            if name != "DELETE":
                data[form.add_prefix(name)] = form[name].value() or ""
    return data


def year_index(response: Any, year: int) -> int:
    return next(i for i, f in enumerate(response.context["formset"].forms) if f["year"].value() == str(year))


def snapshot(uscc: str) -> tuple[dict[str, Any], int]:
    return dossiers_load(usccs=[uscc])[uscc], ChangeRecord.objects.count()


@pytest.fixture
def edit_url(pks: list[int]) -> str:
    return reverse("enterprises:enterprise_edit", args=[pks[0]])


def test_edit_page_shows_the_current_values(pool, edit_url, staff_client):
    response = staff_client.get(edit_url)
    assert response.status_code == 200
    data = form_data(response)
    assert data["name"] == "天津测试科技有限公司1" and data["registered_on"] == "2018-04-12"
    assert data["abnormal_operation"] == "false" and data["research_misconduct_years"] == "2021"
    i = year_index(response, 2024)
    assert data[f"annual-{i}-operating_revenue"] == "3200.5" and data[f"annual-{i}-employees"] == "80"


def test_saving_records_the_change_history(pool, edit_url, staff, staff_client, pks):
    response = staff_client.get(edit_url)
    data = form_data(response)
    data["name"] = "天津新名称科技有限公司"
    data[f"annual-{year_index(response, 2024)}-operating_revenue"] = "3300"
    saved = staff_client.post(edit_url, data)
    assert saved.status_code == 302 and saved["Location"] == reverse(
        "enterprises:enterprise_detail", args=[pks[0]]
    )
    assert Enterprise.objects.get(pk=pks[0]).name == "天津新名称科技有限公司"  # type: ignore[attr-defined]
    assert AnnualFigure.objects.get(enterprise_id=pool[0], year=2024).operating_revenue == Decimal("3300")
    records = {r.path: r for r in ChangeRecord.objects.filter(source="form")}
    assert set(records) == {"name", "annual[2024].operating_revenue"}
    assert records["annual[2024].operating_revenue"].old == "3200.5"
    assert records["annual[2024].operating_revenue"].new == "3300"
    assert all(r.user == staff for r in records.values())
    page = staff_client.get(saved["Location"]).content.decode()
    assert "已保存，记录了 2 处变更。" in page


def test_saving_unchanged_values_records_nothing(pool, edit_url, staff_client):
    before = snapshot(pool[0])
    response = staff_client.post(edit_url, form_data(staff_client.get(edit_url)))
    assert response.status_code == 302
    assert snapshot(pool[0]) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("operating_revenue", "-5", "金额不能为负数，请填写0或正数。"),
        ("tech_staff", "90", MSG_TECH_STAFF.format(tech_staff="90", employees="80", year="2024年度")),
        ("rd_expense", "12万", "应为数字（单位：万元）"),
    ],
)
def test_invalid_yearly_figures_are_refused_with_the_validator_message(
    pool, edit_url, staff_client, field, value, message
):
    before = snapshot(pool[0])
    response = staff_client.get(edit_url)
    data = form_data(response)
    i = year_index(response, 2024)
    data[f"annual-{i}-{field}"] = value
    refused = staff_client.post(edit_url, data)
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "档案未保存" in page and message in page
    form = refused.context["formset"].forms[i]
    assert any(message in e for e in form.errors[field])  # on the very field
    assert snapshot(pool[0]) == before


def test_invalid_basic_information_is_refused(pool, edit_url, staff_client):
    before = snapshot(pool[0])
    data = form_data(staff_client.get(edit_url))
    data["name"] = "  "
    data["registered_on"] = "2999-01-01"
    data["town"] = "火星镇"
    refused = staff_client.post(edit_url, data)
    basic = refused.context["basic"]
    assert basic.errors["name"] == [MSG_REQUIRED.format(label="企业名称")]
    assert "日期晚于今天" in basic.errors["registered_on"][0]
    assert "不是本区的镇街" in basic.errors["town"][0]
    assert snapshot(pool[0]) == before


def test_add_a_year_then_save_it(pool, edit_url, staff_client):
    data = form_data(staff_client.get(edit_url))
    data["add_year"] = "1"
    del data["save"]
    grown = staff_client.post(edit_url, data)
    assert grown.status_code == 200 and len(grown.context["formset"].forms) == 4
    assert "档案未保存" not in grown.content.decode()
    assert AnnualFigure.objects.filter(enterprise_id=pool[0]).count() == 3  # adding a column saves nothing
    data = form_data(grown)
    data.update({"annual-3-year": "2021", "annual-3-operating_revenue": "1800", "annual-3-employees": "60"})
    assert staff_client.post(edit_url, data).status_code == 302
    row = AnnualFigure.objects.get(enterprise_id=pool[0], year=2021)
    assert row.operating_revenue == Decimal("1800") and row.rd_expense is None  # left blank = unknown, not 0
    assert ChangeRecord.objects.filter(path="annual[2021].operating_revenue", source="form").exists()


def test_a_duplicate_year_is_refused(pool, edit_url, staff_client):
    response = staff_client.get(edit_url)
    data = form_data(response)
    data[f"annual-{year_index(response, 2023)}-year"] = "2024"
    page = staff_client.post(edit_url, data).content.decode()
    assert "2024年度重复" in page
    assert AnnualFigure.objects.filter(enterprise_id=pool[0]).count() == 3


def test_delete_a_year(pool, edit_url, staff_client):
    response = staff_client.get(edit_url)
    data = form_data(response)
    data[f"annual-{year_index(response, 2022)}-DELETE"] = "on"
    assert staff_client.post(edit_url, data).status_code == 302
    assert sorted(AnnualFigure.objects.filter(enterprise_id=pool[0]).values_list("year", flat=True)) == [
        2023,
        2024,
    ]
    assert ChangeRecord.objects.filter(path="annual[2022].operating_revenue", new__isnull=True).exists()


def test_a_concurrent_change_is_not_overwritten(pool, edit_url, staff_client, make_user, client_as):
    data = form_data(staff_client.get(edit_url))
    other = client_as(make_user("enterprise", enterprise_uscc=pool[0]))
    other_data = form_data(other.get(edit_url))
    other_data["key_industry"] = "智能制造"
    assert other.post(edit_url, other_data).status_code == 302
    before = snapshot(pool[0])
    data["name"] = "天津迟到的修改有限公司"
    refused = staff_client.post(edit_url, data)
    assert "已被他人修改" in refused.content.decode()
    again = staff_client.post(edit_url, form_data(refused))  # submitting the stale form again…
    assert "已被他人修改" in again.content.decode()  # …is refused until the page is reloaded
    assert snapshot(pool[0]) == before


def test_enterprise_user_edits_its_own_dossier(pool, pks, make_user, client_as):
    user = make_user("enterprise", enterprise_uscc=pool[1])
    client = client_as(user)
    url = reverse("enterprises:enterprise_edit", args=[pks[1]])
    data = form_data(client.get(url))
    data["key_industry"] = "新一代信息技术"
    assert client.post(url, data).status_code == 302
    record = ChangeRecord.objects.get(path="key_industry")
    assert record.user == user and record.new == "新一代信息技术" and record.uscc == pool[1]


def test_section_edit_adds_a_row_and_refuses_bad_ones(pool, pks, staff_client):
    url = reverse("enterprises:enterprise_section_edit", args=[pks[0], "ip"])
    data = form_data(staff_client.get(url))
    data["add_row"] = "1"
    del data["save"]
    grown = staff_client.post(url, data)
    assert len(grown.context["formset"].forms) == 3
    data = form_data(grown)
    data.update(
        {
            "rows-2-kind": "utility_model",
            "rows-2-number": "ZL2023000001.1",
            "rows-2-granted_on": "2023-05-06",
            "rows-2-expires_on": "2020-01-01",
            "rows-2-valid": "true",
        }
    )
    refused = staff_client.post(url, data)
    assert "早于授权日期" in refused.context["formset"].forms[2].errors["expires_on"][0]
    assert IntellectualProperty.objects.filter(enterprise_id=pool[0]).count() == 2
    data["rows-2-expires_on"] = "2033-05-05"
    assert staff_client.post(url, data).status_code == 302
    assert IntellectualProperty.objects.filter(enterprise_id=pool[0], kind="utility_model").count() == 1
    record = ChangeRecord.objects.get(path="ip", source="form")
    assert record.label == "知识产权（新增）" and record.new["number"] == "ZL2023000001.1"


def test_section_edit_of_an_unknown_section_is_404(pool, pks, staff_client: Client):
    for section in ("annual", "enterprise", "nothing"):
        assert (
            staff_client.get(
                reverse("enterprises:enterprise_section_edit", args=[pks[0], section])
            ).status_code
            == 404
        )


def test_a_name_longer_than_the_schema_allows_is_refused_with_the_message(pool, edit_url, staff_client):
    """On PostgreSQL a 300-character name was a 500 (character varying(200)): now a message."""
    before = snapshot(pool[0])
    data = form_data(staff_client.get(edit_url))
    data["name"] = "甲" * 300
    refused = staff_client.post(edit_url, data)
    assert refused.status_code == 200
    assert refused.context["basic"].errors["name"] == ["内容过长：共300个字符，最多200个字符，请删减。"]
    data["name"] = "天津\u202e示例科技有限公司"
    refused = staff_client.post(edit_url, data)
    assert "不可见的格式字符（U+202E" in refused.context["basic"].errors["name"][0]
    assert snapshot(pool[0]) == before


def test_a_form_without_its_version_is_refused_as_stale(pool, edit_url, staff_client):
    """The version check is the save's own (under the row lock): a form that lost its version
    cannot skip it."""
    data = form_data(staff_client.get(edit_url))
    del data["version"]
    data["name"] = "天津没有版本的修改有限公司"
    before = snapshot(pool[0])
    refused = staff_client.post(edit_url, data)
    assert refused.status_code == 200 and "已被他人修改" in refused.content.decode()
    assert snapshot(pool[0]) == before
