"""The security baseline: lockout after failed logins, idle timeout, no-store, security headers."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
PASSWORD = "Zx9!correct-horse"


def _try(client: Client, username: str, password: str = "wrong") -> int:
    return client.post(reverse("web:login"), {"username": username, "password": password}).status_code


def test_an_account_is_locked_after_five_failures_from_any_address(make_user):
    user = make_user("district_staff")
    for n in range(4):
        assert _try(Client(REMOTE_ADDR=f"10.0.0.{n + 1}"), user.username) == 200
    assert _try(Client(REMOTE_ADDR="10.0.0.5"), user.username) == 429  # the 5th failure locks
    locked = Client(REMOTE_ADDR="10.0.0.99").post(
        reverse("web:login"), {"username": user.username, "password": PASSWORD}
    )
    assert locked.status_code == 429 and "登录已暂时锁定" in locked.content.decode()
    assert "请 30 分钟后再试" in locked.content.decode()


def test_an_address_is_locked_after_five_failures_for_any_account(make_user):
    user = make_user("district_staff")
    client = Client(REMOTE_ADDR="10.9.9.9")
    for n in range(4):
        assert _try(client, f"guess{n}") == 200
    assert _try(client, "guess4") == 429
    assert _try(client, user.username, PASSWORD) == 429
    # another address may still log in
    assert _try(Client(REMOTE_ADDR="10.9.9.10"), user.username, PASSWORD) == 302


def test_a_success_resets_the_count(make_user):
    user = make_user("district_staff")
    client = Client(REMOTE_ADDR="10.1.1.1")
    for _ in range(4):
        _try(client, user.username)
    assert _try(client, user.username, PASSWORD) == 302
    client.post(reverse("web:logout"))
    for _ in range(4):
        assert _try(client, user.username) == 200


def test_sessions_end_after_30_idle_minutes(staff_client, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    response = staff_client.get(reverse("web:home"))
    assert response.cookies["sessionid"]["max-age"] == 30 * 60  # renewed on every request


def test_logged_in_pages_and_exports_are_not_stored_and_features_are_off(pool, staff_client):
    for response in (
        staff_client.get(reverse("web:home")),
        staff_client.get(reverse("enterprises:export", args=["jsonl"])),
    ):
        assert "no-store" in response["Cache-Control"]
        assert "camera=()" in response["Permissions-Policy"]
    anonymous = Client().get(reverse("web:login"))
    assert "camera=()" in anonymous["Permissions-Policy"]  # (the login page is never cached by Django itself)


def test_hsts_under_tls(staff_client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = staff_client.get(reverse("web:home"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_a_content_security_policy_without_inline_script(pool, staff_client):
    policy = staff_client.get(reverse("web:home"))["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    assert (
        "unsafe-eval" not in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    )


def test_no_template_has_inline_script_or_event_handlers():
    """What the CSP would block: <script> with a body, on…= attributes, javascript: links."""
    import re
    from pathlib import Path

    import lingjun

    root = Path(lingjun.__file__).parent / "apps"
    templates = list(root.glob("*/templates/**/*.html"))
    assert len(templates) > 20
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:", re.I)
    found = [
        f"{t.relative_to(root)}: {m.group()}"
        for t in templates
        for m in inline.finditer(t.read_text("utf-8"))
    ]
    assert found == []
