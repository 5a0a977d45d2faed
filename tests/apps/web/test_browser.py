"""A real browser (Debian's Chromium through Playwright) against the live server.

Log in, open the enterprise list, search (htmx updates the table without a reload), open an
enterprise page and see the server-drawn chart; no request may fail. Skipped when
/usr/bin/chromium is missing, unless LINGJUN_REQUIRE_ALL_ENGINES=1 (CI), which makes it fail.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.browser import ARGS, CHROMIUM, PASSWORD, browser_or_skip, watch_failures

pytestmark = pytest.mark.browser


def test_login_search_and_open_an_enterprise(
    transactional_db: Any, live_server: Any, pool, make_user, tmp_path: Path
) -> None:
    browser_or_skip()
    from playwright.sync_api import expect, sync_playwright

    user = make_user("district_staff", full_name="浏览器测试员")
    failed: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            watch_failures(page, failed)

            page.goto(f"{live_server.url}/enterprises/")
            assert "/login/" in page.url
            page.fill("#id_username", user.username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/enterprises/")
            assert page.locator("#enterprise-table tbody tr").count() == 3
            assert page.locator("header").inner_text().find("浏览器测试员") >= 0

            page.evaluate("window.__not_reloaded = true")
            page.fill("#id_q", "公司3")
            expect(page.locator("#enterprise-table tbody tr")).to_have_count(1)  # no eval: the CSP forbids it
            assert page.evaluate("window.__not_reloaded === true")  # htmx swapped the table in place
            assert "q=" in page.url  # and pushed the search into the address bar

            page.click("#enterprise-table tbody tr a")
            page.wait_for_selector("figure[data-chart=money] svg")
            assert page.locator("h1").inner_text() == "天津测试科技有限公司3"
            assert page.locator("figure[data-chart=money] svg rect.s1").count() == 1 + 3
            assert page.locator("figure[data-chart=staff] svg rect.s3").count() == 1 + 3
            page.wait_for_load_state("networkidle")
            shot = tmp_path / "enterprise.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 20_000
        finally:
            browser.close()
    assert failed == []
