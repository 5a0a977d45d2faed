"""The back office: Chinese header, every model listed, dossier data read-only, user jurisdiction."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lingjun.apps.accounts.models import User
from lingjun.apps.accounts.services import TOWN_OFFICER_NEEDS_SCOPE
from lingjun.apps.divisions.models import Division
from lingjun.apps.enterprises.models import ChangeRecord, Enterprise, ImportBatch

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(make_user, client_as) -> Client:
    return client_as(make_user("district_admin"))


def test_header_and_every_changelist(pool, admin_client_):
    index = admin_client_.get(reverse("admin:index")).content.decode()
    assert "领军平台后台管理" in index
    for model in (Division, Enterprise, ImportBatch, ChangeRecord, User):
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = admin_client_.get(url)
        assert response.status_code == 200, url
        assert str(model._meta.verbose_name_plural) in response.content.decode()


def test_enterprise_search(pool, admin_client_):
    url = reverse("admin:enterprises_enterprise_changelist")
    page = admin_client_.get(url, {"q": pool[2][:17]}).content.decode()
    assert "天津测试科技有限公司3" in page and "天津测试科技有限公司1" not in page
    assert "天津测试科技有限公司2" in admin_client_.get(url, {"q": "公司2"}).content.decode()


def test_enterprise_data_is_read_only_and_links_to_the_web_edit_page(pool, pks, admin_client_):
    url = reverse("admin:enterprises_enterprise_change", args=[pks[0]])
    page = admin_client_.get(url).content.decode()
    assert reverse("enterprises:enterprise_edit", args=[pks[0]]) in page
    assert "ZL2020123456.7" in page and "智能传感器研发" in page  # inline sections shown
    assert 'name="name"' not in page  # no editable input
    before = ChangeRecord.objects.count()
    assert admin_client_.post(url, {"name": "改名"}).status_code == 403
    assert Enterprise.objects.get(pk=pks[0]).name == "天津测试科技有限公司1"  # type: ignore[attr-defined]
    assert ChangeRecord.objects.count() == before
    assert admin_client_.get(reverse("admin:enterprises_enterprise_add")).status_code == 403


def test_import_batch_errors_are_shown(admin_client_):
    batch = ImportBatch.objects.create(
        file_name="坏.xlsx",
        file_format="xlsx",
        status=ImportBatch.Status.REFUSED,
        errors=[
            {
                "sheet": "年度数据",
                "row": 5,
                "column": "C",
                "field": "operating_revenue",
                "label": "营业收入",
                "value": "-1",
                "message": "金额不能为负数，请填写0或正数。",
                "code": "negative",
            }
        ],
    )
    page = admin_client_.get(
        reverse("admin:enterprises_importbatch_change", args=[batch.pk])
    ).content.decode()
    assert "<td>年度数据</td><td>5</td><td>C</td><td>营业收入</td><td>-1</td>" in page
    assert "金额不能为负数" in page


def test_division_list_is_editable(pool, admin_client_):
    assert (
        admin_client_.get(
            reverse("admin:divisions_division_change", args=[Division.objects.first().pk])
        ).status_code
        == 200
    )
    page = admin_client_.get(reverse("admin:divisions_division_changelist")).content.decode()
    assert 'name="form-0-active"' in page  # list_editable


def test_user_admin_checks_jurisdiction(pool, admin_client_):
    url = reverse("admin:accounts_user_add")
    page = admin_client_.get(url).content.decode()
    for label in ("角色", "所属镇街", "所属园区", "所属企业", "所属部门"):
        assert label in page
    data = {
        "username": "zhen1",
        "password1": "Zx9!correct-horse",
        "password2": "Zx9!correct-horse",
        "usable_password": "true",
        "role": "town_officer",
        "town": "",
        "park": "",
        "department": "",
    }
    refused = admin_client_.post(url, data)
    assert TOWN_OFFICER_NEEDS_SCOPE in refused.content.decode()
    assert not User.objects.filter(username="zhen1").exists()
    data["town"] = "梅厂镇"
    assert admin_client_.post(url, data).status_code == 302
    assert User.objects.get(username="zhen1").town == "梅厂镇"


def test_non_staff_users_are_kept_out(pool, make_user, client_as):
    client = client_as(make_user("district_staff"))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
