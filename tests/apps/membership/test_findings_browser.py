"""A real browser: a bureau officer opens 复核发现 from the navigation, confirms one finding, and
the member shows as exited (复核不达标) in the member list; no request of the pages may fail."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from tests.browser import ARGS, CHROMIUM, PASSWORD, browser_or_skip, watch_failures

from lingjun.apps.membership.models import ExitReason, Membership, PoolReview, ReviewFinding
from lingjun.apps.membership.services import membership_enter

pytestmark = pytest.mark.browser


def test_an_officer_confirms_a_finding_and_the_member_shows_as_exited(
    transactional_db: Any, live_server: Any, pks, make_user, tmp_path: Path
) -> None:
    browser_or_skip()
    from playwright.sync_api import sync_playwright

    officer = make_user("district_staff", full_name="区科技局审核员")
    kept, failing = (
        membership_enter(
            enterprise_id=pk,
            tier="chuying",
            valid_from=date(2024, 1, 1),
            valid_until=None,
            source="t",
            user=None,
        )
        for pk in pks[:2]
    )
    review = PoolReview.objects.create(
        as_of=date(2025, 6, 30), year=2025, status="done", members=2, failing=1
    )
    finding = ReviewFinding.objects.create(
        review=review,
        membership=failing,
        enterprise=failing.enterprise,
        tier="chuying",
        policy="tianjin.chuying.2021",
        failed=[{"id": "revenue", "label": "上年度营业收入", "explanation": "营业收入 8 万元，低于 10 万元"}],
    )
    failed: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page = context.new_page()
            watch_failures(page, failed)
            base = live_server.url
            page.goto(f"{base}/login/")
            page.fill("#id_username", officer.username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            page.click("nav.main >> text=复核发现")
            page.wait_for_url(f"{base}/membership/findings/")
            row = page.locator("#finding-table tbody tr")
            assert row.count() == 1 and "营业收入 8 万元，低于 10 万元" in row.inner_text()
            page.check(f"#finding-{finding.pk}")
            page.fill("#id_note", "经核实营业收入不达标")
            page.click("button[value=confirm]")
            page.wait_for_url(f"{base}/membership/findings/**")
            assert "已确认 1 条复核发现" in page.inner_text("main")
            page.goto(f"{base}/membership/?status=exited")
            exited = page.locator("#member-table tbody tr")
            assert exited.count() == 1
            assert failing.enterprise.name in exited.inner_text() and "复核不达标" in exited.inner_text()
            page.screenshot(path=str(tmp_path / "membership-exited.png"), full_page=True)
            context.close()
        finally:
            browser.close()
    assert failed == []
    assert Membership.objects.get(pk=failing.pk).exit_reason == ExitReason.REVIEW_FAILED
    assert Membership.objects.get(pk=kept.pk).exited_on is None
    assert ReviewFinding.objects.get().decided_by == officer
