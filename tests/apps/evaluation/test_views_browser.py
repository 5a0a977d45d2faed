"""A real browser (Debian's Chromium through Playwright) against the live server.

Start a run from the form, watch the page poll the background run with htmx until the results
appear (no reload by hand), open an enterprise's explanation, check its print layout; no request
may fail. Skipped when /usr/bin/chromium is missing, unless LINGJUN_REQUIRE_ALL_ENGINES=1 (CI).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from tests.browser import ARGS, CHROMIUM, PASSWORD, browser_or_skip, watch_failures

from lingjun.apps.divisions.services import divisions_seed
from lingjun.apps.enterprises.services import dossiers_apply
from lingjun.apps.evaluation import views
from lingjun.apps.evaluation.models import EvaluationRun
from lingjun.demo import generate_dossiers

pytestmark = pytest.mark.browser


def test_start_a_run_watch_it_finish_and_open_an_explanation(
    transactional_db: Any, live_server: Any, make_user, tmp_path: Path, settings
) -> None:
    browser_or_skip()
    from playwright.sync_api import expect, sync_playwright

    settings.LINGJUN_HOME = tmp_path
    divisions_seed()
    dossiers_apply(dossiers=list(generate_dossiers(n=60, seed=21, year=2024)), user=None, source="import")
    assert views.RUNNER is views.run_in_background  # a job (run at once by the tests' immediate backend)
    user = make_user("district_staff", full_name="浏览器测试员")
    shots = Path(os.environ.get("LINGJUN_SCREENSHOTS", tmp_path))
    failed: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            watch_failures(page, failed)

            page.goto(f"{live_server.url}/evaluation/")
            page.fill("#id_username", user.username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/evaluation/")
            assert page.locator("nav.main a[aria-current=page]").inner_text() == "评价"

            # changing the year re-selects the policies in force then (htmx swaps the form)
            page.fill("#id_year", "2020")
            page.dispatch_event("#id_year", "change")
            expect(page.locator("#id_as_of")).to_have_value("2020-12-31")  # no eval: the CSP forbids it
            assert page.locator("input[name=policies][value='tianjin.chuying.2019']").is_checked()
            assert not page.locator("input[name=policies][value='tianjin.dengling.2021']").is_checked()

            page.fill("#id_year", "2025")
            page.dispatch_event("#id_year", "change")
            expect(page.locator("#id_as_of")).to_have_value("2025-12-31")
            page.fill("#id_as_of", "2025-06-30")
            for policy in ("tianjin.lingjun_peiyu.2021", "tianjin.lingjun.2021"):
                page.uncheck(f"input[name=policies][value='{policy}']")
            page.check("input[name='confirm:national.tech_sme.2017.prohibited_sector']")
            page.screenshot(path=str(shots / "evaluation-form.png"), full_page=True)
            page.evaluate("window.__started = true")
            page.click(".run-form button[type=submit]")

            # the run page polls the status every second; when the run is done htmx reloads it
            page.wait_for_selector("#result-table", timeout=180_000)
            run_url = page.url
            cell = page.locator("#counts tr[data-policy='tianjin.chuying.2021'] td[data-result=pass]")
            passed = int(cell.inner_text().replace(",", ""))
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(shots / "evaluation-run.png"), full_page=True)

            # filter with htmx (no reload), then open an explanation
            page.evaluate("window.__not_reloaded = true")
            page.select_option("#id_policy", "tianjin.chuying.2021")
            page.select_option("#id_result", "pass")
            expect(page.locator("#result-table tbody tr")).to_have_count(min(passed, 50))
            assert page.evaluate("window.__not_reloaded === true") and "result=pass" in page.url

            page.click("#result-table tbody tr:first-child a:has-text('逐条说明')")
            page.wait_for_selector("article.explanation")
            assert page.locator("h1").inner_text().startswith("企业评价说明")
            chuying = page.locator("section.policy[data-policy='tianjin.chuying.2021']")
            assert chuying.locator(".outcome").first.inner_text() == "通过"
            dengling = page.locator("section.policy[data-policy='tianjin.dengling.2021']")
            assert "暂定（待核实）" in dengling.locator("tr[data-criterion=rd_intensity]").inner_text()
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(shots / "evaluation-explain.png"), full_page=True)

            # printed: no navigation, A4 page
            page.emulate_media(media="print")
            assert not page.locator("nav.main").is_visible() and not page.locator(".masthead").is_visible()
            assert not page.locator("button:has-text('打印')").is_visible()
            pdf = page.pdf(format="A4", print_background=True)
            assert pdf[:4] == b"%PDF" and pdf.count(b"/Type /Page") >= 3
            (shots / "evaluation-explain.pdf").write_bytes(pdf)
        finally:
            browser.close()
    assert failed == []
    # the ORM is asked only now: queries made while Playwright's loop runs would open connections
    # in another context that nobody closes (PostgreSQL then refuses to drop the test database)
    run = EvaluationRun.objects.get()
    assert run.status == EvaluationRun.Status.DONE and run.enterprise_count == 60
    assert run.inputs == {"national.tech_sme.2017.prohibited_sector": False}
    assert run_url.endswith(f"/evaluation/runs/{run.pk}/")
    assert passed == run.counts["tianjin.chuying.2021"]["pass"] > 0
