"""Requests that were 500s answer with a clear Chinese 4xx."""

from __future__ import annotations

from django.urls import reverse


def test_a_twenty_digit_page_number_is_a_400_with_a_chinese_message(pool, staff_client):
    response = staff_client.get(reverse("enterprises:enterprise_list"), {"page": "9" * 20})
    assert response.status_code == 400
    assert "没有这一页：页码应为1到100000之间的整数。" in response.content.decode()
    assert staff_client.get(reverse("enterprises:enterprise_list"), {"page": "2"}).status_code == 200


def test_a_100000_character_admin_search_is_a_400_with_a_chinese_message(pool, make_user, client_as):
    admin = client_as(make_user("district_admin"))
    url = reverse("admin:enterprises_enterprise_changelist")
    response = admin.get(url, {"q": "甲" * 100_000})
    assert response.status_code == 400
    assert "查询条件过长" in response.content.decode()
    assert admin.get(url, {"q": "天津"}).status_code == 200
