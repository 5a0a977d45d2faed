"""A real browser (acceptance 3 of issue #16): the town officer opens the candidates list, creates a
plan from an enterprise's gap list and logs a visit; the enterprise then sees its plan. No request
of any page may fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from tests.browser import ARGS, CHROMIUM, browser_or_skip, login, watch_failures

from lingjun.apps.cultivation.models import CultivationPlan, GapSnapshot, Rung, Visit
from lingjun.apps.cultivation.services import gaps_refresh
from lingjun.apps.enterprises.models import Enterprise

pytestmark = pytest.mark.browser


def test_town_officer_plans_from_the_gap_list_and_the_enterprise_sees_it(
    transactional_db: Any, live_server: Any, pool, make_user, tmp_path: Path
) -> None:
    browser_or_skip()
    from playwright.sync_api import sync_playwright

    gaps_refresh(today=timezone.localdate(), usccs=pool)
    enterprise = Enterprise.objects.get(uscc=pool[0])
    snap = GapSnapshot.objects.get(enterprise=enterprise)
    assert snap.next_rung and snap.gaps["next"]
    officer = make_user("town_officer", town="杨村街道", full_name="王镇街")
    firm = make_user("enterprise", enterprise_uscc=pool[0], full_name="企业经办人")
    failed: list[str] = []
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for user in (officer, firm):
                context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
                page = context.new_page()
                watch_failures(page, failed)
                login(page, base, user.username)
                page.click("nav.main >> text=培育服务")
                if user is officer:
                    page.wait_for_url(f"{base}/cultivation/")
                    page.click("main >> a:has-text('候选企业')")
                    page.wait_for_url(f"{base}/cultivation/candidates/")
                    page.click(f"nav.tabs >> text={str(Rung(snap.next_rung).label)}")
                    rows = page.locator("#candidates tbody tr")
                    assert rows.count() == 2, "the two enterprises of 杨村街道, not 梅厂镇's"
                    first_gap = snap.gaps["next"][0]["text"]
                    assert (
                        first_gap
                        in page.locator(f"#candidates tr[data-enterprise='{enterprise.pk}']").inner_text()
                    )
                    page.click(f"#candidates tr[data-enterprise='{enterprise.pk}'] >> text={enterprise.name}")
                    page.wait_for_url(f"{base}/cultivation/enterprises/{enterprise.pk}/")
                    assert first_gap in page.inner_text("#gap-list")
                    page.fill("#measures", "研发费用归集辅导；知识产权贯标")
                    page.click("#plan-form button[type=submit]")
                    page.wait_for_url(f"{base}/cultivation/enterprises/{enterprise.pk}/")
                    assert "已根据差距清单制定培育方案" in page.inner_text("main")
                    assert first_gap in page.inner_text("#plans")
                    page.fill("#people_met", "总经理张三")
                    page.fill("#topics", "逐项核对差距清单，约定年内补充境内研发费用数据")
                    page.click("#visit-form button[type=submit]")
                    page.wait_for_url(f"{base}/cultivation/enterprises/{enterprise.pk}/")
                    assert "总经理张三" in page.inner_text("#visit-list")
                    page.screenshot(path=str(tmp_path / "cultivation-officer.png"), full_page=True)
                else:
                    page.wait_for_url(f"{base}/cultivation/enterprises/{enterprise.pk}/")
                    plans = page.inner_text("#plans")
                    assert str(Rung(snap.next_rung).label) in plans and "研发费用归集辅导" in plans
                    assert page.locator("#plan-form").count() == 0, "the enterprise does not plan itself"
                    page.screenshot(path=str(tmp_path / "cultivation-enterprise.png"), full_page=True)
                context.close()
        finally:
            browser.close()
    assert failed == []
    plan = CultivationPlan.objects.get()
    assert plan.enterprise == enterprise and plan.officer == officer
    assert [m.detail for m in plan.milestones.all()] == [g["text"] for g in snap.gaps["next"]]
    assert Visit.objects.get().plan == plan
