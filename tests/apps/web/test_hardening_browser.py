"""A real browser: a staff user whose password expired is led to 修改密码 at login and reaches the
home page after changing it; the import page refuses a file above the upload limit before
sending it (the file input's own validation message, set by lingjun.js)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from tests.browser import ARGS, CHROMIUM, PASSWORD, browser_or_skip

from lingjun.apps.accounts.models import User
from lingjun.apps.enterprises.models import ImportBatch

pytestmark = pytest.mark.browser

NEW = "Qm7#another-horse"


def test_expired_password_and_oversized_upload(
    transactional_db: Any, live_server: Any, make_user, settings, tmp_path: Path
) -> None:
    browser_or_skip()
    from playwright.sync_api import expect, sync_playwright

    settings.LINGJUN_PASSWORD_MAX_AGE_DAYS = 90
    settings.LINGJUN_IMPORT_MAX_FILE_MB = 1
    staff = make_user("district_staff", full_name="张科员")
    User.objects.filter(pk=staff.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    big = tmp_path / "大文件.jsonl"
    big.write_bytes(b"{}\n" * (600 * 1024))  # 1.8 MB
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(locale="zh-CN").new_page()
            page.on("pageerror", lambda e: errors.append(f"script error {e}"))
            base = live_server.url
            page.goto(f"{base}/login/")
            page.fill("#id_username", staff.username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/password/")
            assert "已超过规定的使用期限" in page.inner_text("main")
            page.goto(f"{base}/enterprises/")  # nothing else opens
            page.wait_for_url(f"{base}/password/")
            page.fill("#id_old_password", PASSWORD)
            page.fill("#id_new_password1", NEW)
            page.fill("#id_new_password2", NEW)
            page.click("main button[type=submit]")
            page.wait_for_url(f"{base}/")
            assert "密码已修改" in page.inner_text("main")

            page.goto(f"{base}/transfer/")
            page.set_input_files("#id_file", str(big))
            expect(page.locator("#id_file")).to_have_js_property(
                "validationMessage", "文件过大：上限为1 MB。请分批导入。"
            )
            posts: list[str] = []
            page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
            page.click("form[enctype] button[type=submit]")
            page.wait_for_timeout(500)
            assert posts == []  # the browser did not send it
        finally:
            browser.close()
    assert errors == []
    assert not ImportBatch.objects.exists()
    staff.refresh_from_db()
    assert staff.check_password(NEW)
