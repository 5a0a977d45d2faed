"""Fixtures of the membership tests: members in the pool, notifications recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import pytest
from django.utils import timezone

from lingjun.apps.membership import services


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every notification the services send (instead of the notifications app): one dict per call
    with ``users`` (usernames), ``subject``, ``body``, ``url``, ``kind``."""
    calls: list[dict[str, Any]] = []

    def send(*, users: list[Any], subject: str, body: str, url: str = "", kind: str = "") -> int:
        calls.append(
            {
                "users": sorted(u.username for u in users),
                "subject": subject,
                "body": body,
                "url": url,
                "kind": kind,
            }
        )
        return len(users)

    monkeypatch.setattr(services, "_sender", lambda: send)
    return calls


@pytest.fixture
def enter(db: Any) -> Callable[..., Any]:
    """Enter an enterprise (by pk) into a tier; defaults: 雏鹰 from 2024-03-01, open-ended."""

    def make(enterprise_id: int, tier: str = "chuying", **kw: Any) -> Any:
        args: dict[str, Any] = {
            "valid_from": date(2024, 3, 1),
            "valid_until": None,
            "source": "manual",
            "user": None,
        }
        args.update(kw)
        m = services.membership_enter(enterprise_id=enterprise_id, tier=tier, **args)
        return _entered_when_valid(m)

    return make


def _entered_when_valid(m: Any) -> Any:
    """Record the membership as entered on the day it became valid (the tests' memberships
    stand for ones entered at the time, not back-dated today)."""
    from lingjun.apps.membership.models import Membership

    at = timezone.make_aware(datetime.combine(m.valid_from, time(9)))
    Membership.objects.filter(pk=m.pk).update(entered_at=at)
    m.entered_at = at
    return m
