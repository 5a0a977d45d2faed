"""Concurrent 入库 on PostgreSQL with real connections: numbers stay unique, one enterprise is
entered once, and two officers confirming one finding exit its member once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection, connections

from lingjun.apps.membership.models import Membership, PoolReview, ReviewFinding
from lingjun.apps.membership.services import MembershipError, findings_confirm, membership_enter

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="concurrent connections with row locks: PostgreSQL"
    ),
]


def _together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls at the same moment, each in its own thread (own connection)."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait()
            outcomes[i] = calls[i]()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test asserts
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def _enter(pk: int, tier: str = "chuying") -> Callable[[], Any]:
    return lambda: membership_enter(
        enterprise_id=pk, tier=tier, valid_from=date(2026, 1, 5), valid_until=None, source="t", user=None
    )


def test_simultaneous_entries_get_distinct_numbers(pks):
    outcomes = _together([_enter(pk) for pk in pks])
    assert all(isinstance(o, Membership) for o in outcomes), outcomes
    assert sorted(o.registration_number for o in outcomes) == [f"WQ-CY-2026-000{i}" for i in (1, 2, 3)]


def test_one_enterprise_entered_twice_at_once_is_entered_once(pks):
    outcomes = _together([_enter(pks[0]), _enter(pks[0])])
    assert sorted(isinstance(o, Membership) for o in outcomes) == [False, True], outcomes
    refused = next(o for o in outcomes if not isinstance(o, Membership))
    assert isinstance(refused, MembershipError) and refused.code == "already_member"
    assert Membership.objects.count() == 1


def test_two_officers_confirming_one_finding_exit_the_member_once(pks, make_user):
    from lingjun.apps.audit.models import AuditEvent

    m = _enter(pks[0])()
    review = PoolReview.objects.create(as_of=date(2026, 2, 1), year=2026, status="done")
    f = ReviewFinding.objects.create(
        review=review, membership=m, enterprise_id=pks[0], tier="chuying", policy="p"
    )
    officers = [make_user("district_staff") for _ in range(2)]
    outcomes = _together(
        [
            lambda o=o: findings_confirm(
                findings=ReviewFinding.objects.filter(pk=f.pk), on=date(2026, 2, 2), note="", user=o
            )
            for o in officers
        ]
    )
    assert sorted(outcomes) == [0, 1], outcomes
    assert AuditEvent.objects.filter(action="membership_exit").count() == 1
    m.refresh_from_db()
    assert m.exit_reason == "review_failed"
