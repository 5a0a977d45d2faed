"""A real browser walks the change-request path as the two roles involved: the enterprise user moves
its enterprise to another 镇街 (saved as a request, the rest of the edit saved), the town officer
sees it in 变更申请 from the navigation and approves it; no request of either page may fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.browser import ARGS, CHROMIUM, browser_or_skip, login, watch_failures

from lingjun.apps.enterprises.models import ChangeRequest, Enterprise

pytestmark = pytest.mark.browser


def test_an_enterprise_requests_a_move_and_its_town_officer_approves(
    transactional_db: Any, live_server: Any, pool, make_user, tmp_path: Path
) -> None:
    browser_or_skip()
    from playwright.sync_api import sync_playwright

    firm = make_user("enterprise", enterprise_uscc=pool[0], full_name="企业经办人")
    officer = make_user("town_officer", town="杨村街道", full_name="镇街审核员")
    enterprise = Enterprise.objects.get(uscc=pool[0])
    failed: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for user in (firm, officer):
                context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
                page = context.new_page()
                watch_failures(page, failed)
                login(page, live_server.url, user.username)
                if user is firm:
                    assert page.locator("nav.main").inner_text().find("变更申请") < 0
                    page.goto(f"{live_server.url}/enterprises/{enterprise.pk}/edit/")
                    page.select_option("#id_town", "梅厂镇")
                    page.fill("#id_key_industry", "智能制造")
                    page.click("button[name=save]")
                    page.wait_for_url(f"{live_server.url}/enterprises/{enterprise.pk}/")
                    assert "须经审核，已提交变更申请" in page.inner_text("main")
                    assert page.locator("#change-requests").inner_text().find("梅厂镇") >= 0
                else:
                    page.click("nav.main >> text=变更申请")
                    page.wait_for_url(f"{live_server.url}/change-requests/")
                    row = page.locator("#change-requests tbody tr")
                    assert row.count() == 1 and "梅厂镇" in row.inner_text()
                    page.fill("#change-requests input[name=note]", "已核实新址")
                    page.click("#change-requests button[value=approve]")
                    page.wait_for_url(f"{live_server.url}/change-requests/")
                    assert "已同意" in page.inner_text("main")
                    page.screenshot(path=str(tmp_path / "change-requests.png"), full_page=True)
                context.close()
        finally:
            browser.close()
    assert failed == []
    enterprise.refresh_from_db()
    assert enterprise.town == "梅厂镇" and enterprise.key_industry == "智能制造"
    assert ChangeRequest.objects.get().status == ChangeRequest.Status.APPROVED
