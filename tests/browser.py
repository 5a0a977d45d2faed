"""Shared setup of the real-browser tests (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

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
