"""Login, logout and the role-dependent layout (login-required everywhere: the URL × role × method
walk of tests/apps/accounts/test_permissions.py)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PUBLIC = {"web:login"}


def test_login_page_is_chinese_and_logs_in(make_user):
    user = make_user("district_staff", full_name="李科员")
    client = Client()
    page = client.get(reverse("web:login")).content.decode()
    assert "登录" in page and "用户名" in page and "密码" in page
    bad = client.post(reverse("web:login"), {"username": user.username, "password": "wrong"})
    assert "用户名或密码不正确" in bad.content.decode()
    ok = client.post(reverse("web:login"), {"username": user.username, "password": "Zx9!correct-horse"})
    assert ok.status_code == 302 and ok["Location"] == reverse("web:home")
    home = client.get(reverse("web:home")).content.decode()
    assert "李科员" in home and "区科技局工作人员" in home and "全区" in home


def test_logout_is_a_post(staff_client: Client):
    assert staff_client.get(reverse("web:logout")).status_code == 405
    response = staff_client.post(reverse("web:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("web:login")
    assert staff_client.get(reverse("web:home")).status_code == 302


def _nav(client: Client) -> str:
    page = client.get(reverse("web:home")).content.decode()
    return page[page.index('<nav class="main"') : page.index("</nav>")]


def test_navigation_depends_on_the_role(pool, make_user, client_as):
    admin_nav = _nav(client_as(make_user("district_admin")))
    assert "企业库" in admin_nav and "导入导出" in admin_nav and "后台管理" in admin_nav
    staff_nav = _nav(client_as(make_user("district_staff")))
    assert "企业库" in staff_nav and "后台管理" not in staff_nav
    department_nav = _nav(client_as(make_user("department", department="区财政局")))
    assert "企业库" not in department_nav and "首页" in department_nav


def test_header_shows_the_jurisdiction(pool, make_user, client_as):
    town = client_as(make_user("town_officer", town="梅厂镇", full_name="王干事"))
    page = town.get(reverse("web:home")).content.decode()
    assert "王干事" in page and "镇街园区工作人员" in page and "梅厂镇" in page
    firm = client_as(make_user("enterprise", enterprise_uscc=pool[0]))
    assert "天津测试科技有限公司1" in firm.get(reverse("web:home")).content.decode()


def test_pages_are_in_chinese(pool, staff_client: Client, pks: list[int]):
    for url, words in (
        (reverse("web:home"), ["企业库概况", "企业总数", "按镇街分布"]),
        (
            reverse("enterprises:enterprise_list"),
            ["企业名称", "统一社会信用代码", "所属镇街", "所属园区", "行业代码"],
        ),
        (
            reverse("enterprises:enterprise_detail", args=[pks[0]]),
            ["基本信息", "信用情况", "年度数据", "变更记录"],
        ),
        (reverse("enterprises:transfer"), ["导入企业档案", "导出企业档案", "导入模板"]),
    ):
        page = staff_client.get(url).content.decode()
        assert '<html lang="zh-hans">' in page
        for word in words:
            assert word in page, (url, word)


def test_htmx_is_served_from_our_static_files(staff_client: Client):
    page = staff_client.get(reverse("web:home")).content.decode()
    assert '<script src="/static/vendor/htmx/htmx.min.js" defer></script>' in page


def test_english_is_available_by_choice_not_by_browser_language(pool, staff_client: Client):
    page = staff_client.get(reverse("web:home"), headers={"accept-language": "en"}).content.decode()
    assert '<html lang="zh-hans">' in page and ">企业库<" in page  # Chinese first
    staff_client.post("/i18n/setlang/", {"language": "en"})
    english = staff_client.get(reverse("web:home")).content.decode()
    assert '<html lang="en">' in english and ">Enterprises<" in english and "Log out" in english
