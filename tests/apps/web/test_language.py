"""Chinese first: an English browser still gets Chinese; English only by explicit choice."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_english_browser_gets_the_chinese_interface():
    page = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/login/")
    assert page["Content-Language"] == "zh-hans"
    assert "登录" in page.content.decode()


def test_english_is_available_by_choice():
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    page = client.get("/login/")
    assert page["Content-Language"] == "en"
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"})
    assert client.get("/login/")["Content-Language"] == "zh-hans"
