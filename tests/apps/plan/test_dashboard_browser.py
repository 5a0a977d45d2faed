"""Acceptance 3: headless Chromium loads the programme dashboard on the demo district and sees the
charts drawn (SVG), with every non-local request blocked; the public page works without a login
and shows no dossier figure."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest
from tests.browser import ARGS, CHROMIUM, PASSWORD, browser_or_skip

pytestmark = pytest.mark.browser

LOCAL = {"127.0.0.1", "localhost"}


def test_the_dashboard_draws_its_charts_offline_and_the_public_page_needs_no_login(
    demo_district: dict[str, Any], live_server: Any
) -> None:
    browser_or_skip()
    from playwright.sync_api import sync_playwright

    staff = demo_district["users"]["district_staff"]
    blocked: list[str] = []
    failed: list[str] = []

    def only_local(route: Any) -> None:
        if urlparse(route.request.url).hostname in LOCAL:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            context.route("**/*", only_local)
            page = context.new_page()
            page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.on("pageerror", lambda e: failed.append(f"script error {e}"))
            page.on("console", lambda m: failed.append(f"console {m.text}") if m.type == "error" else None)
            page.goto(f"{live_server.url}/login/")
            page.fill("#id_username", staff.username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")
            page.wait_for_selector('.echart[data-chart="towns"][data-drawn] svg', timeout=20_000)
            for chart in ("progress", "trend", "towns"):
                drawn = page.locator(f'.echart[data-chart="{chart}"] svg path')
                assert drawn.count() > 5, chart  # bars, lines, axes
            # each chart's figures are also a table (screen readers, printing)
            assert page.locator("#targets tbody tr").count() == 13
            assert page.locator("#trend-table tbody tr").count() == 5
            assert page.locator("#town-table tbody tr").count() > 3

            visitor = browser.new_context(locale="zh-CN")
            visitor.route("**/*", only_local)
            public = visitor.new_page()
            public.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            public.goto(f"{live_server.url}/public/")
            assert public.url == f"{live_server.url}/public/"  # no redirect to the login page
            assert "正在公示" in public.inner_text("main")
            public.click("#current a >> nth=0")
            text = public.inner_text("main")
            assert "统一社会信用代码" in text and "雏鹰企业" in text
            assert "营业收入" not in text and "万元" not in text and "研发" not in text
        finally:
            browser.close()
    assert failed == []
    assert blocked == []  # nothing even tried to leave the machine
