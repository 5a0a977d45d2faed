"""A real browser walks a 免申即享 claim through the three roles: the enterprise confirms its
proposal, the district bureau reviews it (the engine checks it again), the finance bureau approves
it and records the disbursement; no request of any page may fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.apps.funds.helpers import LOAN, budget, claim
from tests.browser import ARGS, CHROMIUM, browser_or_skip, login, watch_failures

from lingjun.apps.funds.models import Budget, Claim, LedgerEntry

pytestmark = pytest.mark.browser


def test_enterprise_confirms_bureau_reviews_finance_approves_and_disburses(
    transactional_db: Any, live_server: Any, pool, pks, make_user, tmp_path: Path
) -> None:
    browser_or_skip()
    from playwright.sync_api import sync_playwright

    year = 2025  # the test firm's figures run to 2024: the engine can check a 2025 claim
    budget(LOAN, amount="200000", year=year)
    proposal = claim(pks[0], measure=LOAN, year=year, state=Claim.State.PROPOSED, amount="50000")
    firm = make_user("enterprise", enterprise_uscc=pool[0], full_name="企业经办人")
    staff = make_user("district_staff", full_name="科技局审核员")
    finance = make_user("finance", department="区财政局", full_name="财政局经办人")
    failed: list[str] = []
    row = f'tr[data-claim="{proposal.pk}"]'
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for user in (firm, staff, finance):
                context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
                page = context.new_page()
                watch_failures(page, failed)
                login(page, live_server.url, user.username)
                if user is firm:
                    page.click("nav.main >> text=扶持资金")
                    page.wait_for_url(f"{live_server.url}/funds/enterprise/")
                    page.goto(f"{live_server.url}/funds/enterprise/?year={year}")
                    page.click(f"#proposals {row} button")
                    page.wait_for_url(f"{live_server.url}/funds/enterprise/?year={year}")
                    assert "已确认申领" in page.inner_text("main")
                    assert "已申请" in page.inner_text(f"#claims {row}")
                elif user is staff:
                    page.click("nav.main >> text=资金审核")
                    page.wait_for_url(f"{live_server.url}/funds/review/")
                    page.click(f"{row} button[value=pass]")
                    page.wait_for_url(f"{live_server.url}/funds/review/")
                    assert "已审核通过" in page.inner_text("main")
                else:
                    page.click("nav.main >> text=批准与拨付")
                    page.wait_for_url(f"{live_server.url}/funds/finance/")
                    page.click(f"#approve-queue {row} button")
                    page.wait_for_url(f"{live_server.url}/funds/finance/")
                    assert "已批准" in page.inner_text("main")
                    page.fill(f"#disburse-queue {row} input[name=voucher_number]", "WQCZ-2026-0001")
                    page.click(f"#disburse-queue {row} button:has-text('登记拨付')")
                    page.wait_for_url(f"{live_server.url}/funds/finance/")
                    assert "已登记拨付" in page.inner_text("main")
                    assert "WQCZ-2026-0001" in page.inner_text(f"#disbursed {row}")
                    page.screenshot(path=str(tmp_path / "funds-finance.png"), full_page=True)
                context.close()
        finally:
            browser.close()
    assert failed == []
    done = Claim.objects.get(pk=proposal.pk)
    assert done.state == Claim.State.DISBURSED and done.voucher_number == "WQCZ-2026-0001"
    assert done.eligible is True  # the review's engine check: the test firm is a 雏鹰 with an eligible loan
    b = Budget.objects.get()
    assert (b.disbursed, b.committed, b.remaining) == (50000, 0, 150000)
    assert list(LedgerEntry.objects.order_by("pk").values_list("kind", flat=True)) == ["commit", "disburse"]
