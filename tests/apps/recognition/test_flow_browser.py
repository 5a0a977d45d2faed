"""A real browser walks the main path of recognition through the pages, as the four roles of it:
the enterprise applies (self-evaluation), uploads evidence and submits; the town officer recommends
it from its queue; the bureau reviews the checklist and approves; the evaluation agency enters the
municipal result in bulk from its queue; the bureau publishes the 公示, the 公告 and enters the
pool; the enterprise sees its registration number and downloads the certificate. No request of
any page may fail."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from tests.browser import ARGS, CHROMIUM, browser_or_skip, login, watch_failures

from lingjun.apps.recognition.models import Application
from lingjun.apps.recognition.services import batch_create, batch_open

pytestmark = pytest.mark.browser


def test_the_main_path_through_the_pages_as_enterprise_town_bureau_and_agency(
    transactional_db: Any, live_server: Any, pool, make_user, tmp_path: Path, settings
) -> None:
    browser_or_skip()
    from playwright.sync_api import expect, sync_playwright

    settings.LINGJUN_HOME = tmp_path
    today = timezone.localdate()
    batch = batch_open(
        batch=batch_create(
            tier="chuying",
            year=today.year,
            sequence=1,
            opens_on=today - timedelta(days=30),
            closes_on=today + timedelta(days=30),
        )
    )
    firm = make_user("enterprise", enterprise_uscc=pool[0], full_name="企业经办人")
    town = make_user("town_officer", town="杨村街道", full_name="镇街审核员")
    staff = make_user("district_staff", full_name="区局科员")
    agency = make_user("evaluator", full_name="评价机构")
    evidence = tmp_path / "申报书.pdf"
    evidence.write_bytes(b"%PDF-1.4 evidence")
    failed: list[str] = []
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)

        def page_as(user: Any) -> Any:
            context = browser.new_context(
                viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True
            )
            page = context.new_page()
            watch_failures(page, failed, downloads=("/certificate/",))
            login(page, base, user.username)
            return page

        try:
            # 企业: apply in the open batch, upload evidence, submit
            page = page_as(firm)
            page.click("nav.main >> text=我的申报")
            page.click(f"#open-batches tr[data-batch='{batch.pk}'] button")
            expect(page.locator("#self-evaluation")).to_contain_text("企业自评")
            page.set_input_files("#files", str(evidence))
            page.click("#evidence button[type=submit]")
            expect(page.locator("#evidence")).to_contain_text("申报书.pdf")
            page.click("#actions button[value=submit]")
            expect(page.locator("#phase")).to_have_text("镇街园区推荐")
            page.context.close()
            app = Application.objects.get(batch=batch)

            # 镇街: its queue, recommend
            page = page_as(town)
            page.click("nav.main >> text=评价认定")
            page.click(f"#queue tr[data-application='{app.pk}'] a")
            page.click("#actions button[value=recommend]")
            expect(page.locator("#phase")).to_have_text("区科技局审查")
            page.context.close()

            # 区科技局: the checklist (decide what the engine could not pass, with a reason), approve
            page = page_as(staff)
            page.goto(f"{base}/recognition/applications/{app.pk}/")
            for item in app.checklist.filter(mandatory=True).exclude(engine_result="pass"):
                row = page.locator(f"#checklist tr[data-criterion='{item.criterion}']")
                row.locator("select[name=result]").select_option("pass")
                row.locator("input[name=reason]").fill("已核验原件")
                row.locator("button").click()
                expect(page.locator(".notice.success")).to_contain_text(item.label)
            page.click("#actions button[value=approve]")
            expect(page.locator("#phase")).to_have_text("市级评审")
            page.context.close()

            # 评价机构: the queue filtered to 市级评审, the result for every one at once
            page = page_as(agency)
            page.click("nav.main >> text=评价认定")
            page.click("#phase-counts a[data-phase=municipal_review]")
            expect(page.locator(f"#queue tr[data-application='{app.pk}']")).to_be_visible()
            page.click("#bulk button[value=municipal_pass]")
            expect(page.locator(".notice.success")).to_contain_text("1 户")
            page.context.close()

            # 区科技局: 公示 (started three weeks ago, so over), 公告, 入库
            page = page_as(staff)
            page.goto(f"{base}/recognition/batches/{batch.pk}/")
            page.fill("#starts_on", (today - timedelta(days=21)).isoformat())
            page.click("#publicity-form button[value=publicity]")
            expect(page.locator("#batch-status")).to_have_text("公示中")
            expect(page.locator("#publicity-list")).to_contain_text(app.enterprise.name)
            page.click("#batch-ops button[value=announce]")
            expect(page.locator("#batch-status")).to_have_text("已公告")
            page.click("#batch-ops button[value=enter]")
            expect(page.locator("#batch-status")).to_have_text("已完成入库")
            page.context.close()

            # 企业: entered, with its number and certificate
            page = page_as(firm)
            page.click("nav.main >> text=我的申报")
            expect(page.locator(f"#my-applications tr[data-application='{app.pk}'] .phase")).to_have_text(
                "已入库"
            )
            page.click(f"#my-applications tr[data-application='{app.pk}'] a")
            app.refresh_from_db()
            expect(page.locator("#registration-number")).to_have_text(app.registration_number)
            with page.expect_download() as download:
                page.click("text=下载证书")
            assert download.value.suggested_filename.endswith(".pdf")
            assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
            page.screenshot(path=str(tmp_path / "recognition.png"), full_page=True)
            page.context.close()
        finally:
            browser.close()
    assert failed == []
    assert list(app.transitions.values_list("code", flat=True)) == [
        "submit",
        "recommend",
        "approve",
        "municipal_pass",
        "publicize",
        "announce",
        "enter",
    ]
