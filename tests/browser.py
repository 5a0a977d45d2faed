"""Shared setup of the real-browser tests (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import require_all_engines

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread
# with a running loop unless told that this is deliberate (the test's own ORM calls are synchronous).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: the password tests/conftest.py's ``make_user`` gives every user
PASSWORD = "Zx9!correct-horse"


def browser_or_skip() -> None:
    """Skip when Chromium or Playwright is missing; fail instead under LINGJUN_REQUIRE_ALL_ENGINES=1 (CI)."""
    missing = []
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        missing.append(f"{CHROMIUM} is not installed (Debian package chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the Python package playwright is not installed")
    if missing:
        reason = "; ".join(missing)
        if require_all_engines():
            pytest.fail(f"LINGJUN_REQUIRE_ALL_ENGINES=1 but {reason}")
        pytest.skip(reason)


def login(page: Any, base: str, username: str) -> None:
    """Log in through the login page as ``username`` (with :data:`PASSWORD`) and wait for the home page."""
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _benign_abort(request: Any, downloads: tuple[str, ...]) -> bool:
    """Requests Chromium cuts short without any fault of the platform: a download ends its
    navigation (net::ERR_ABORTED), and so does the page icon's request when a click leaves the page
    before the icon arrived (seen in 2 of 6 runs of one test)."""
    if any(request.url.endswith(d) for d in downloads):
        return True
    return request.url.endswith("/favicon.svg") and request.failure == "net::ERR_ABORTED"


def watch_failures(page: Any, failed: list[str], *, downloads: tuple[str, ...] = ()) -> None:
    """Collect into ``failed`` every failed request, error response (4xx/5xx) and script error of
    ``page``; ``downloads``: URL endings of downloads (their navigation ends in an abort)."""
    page.on(
        "requestfailed",
        lambda r: None if _benign_abort(r, downloads) else failed.append(f"failed {r.url} {r.failure}"),
    )
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda e: failed.append(f"script error {e}"))
