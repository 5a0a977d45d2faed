"""Acceptance 1: two processes approving claims against one budget at once never overspend and
never pay a once-only reward twice.

Real concurrent connections: two threads, each its own database connection, approve at the same
moment (a barrier). On PostgreSQL the budget row lock (``SELECT … FOR UPDATE``) makes the second
approval wait and then see the reduced remainder; on SQLite (``BEGIN IMMEDIATE`` transactions)
the same test shows the write lock serialises the two approvals the same way.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections
from tests.apps.funds.helpers import budget, claim

from lingjun.apps.funds.models import Budget, Claim, LedgerEntry
from lingjun.apps.funds.services import FundsError, claim_approve

pytestmark = pytest.mark.django_db(transaction=True)


def _approve(barrier: threading.Barrier, outcomes: list[Any], i: int, claim_id: int) -> None:
    try:
        barrier.wait()
        claim_approve(claim_id=claim_id, user=None)
        outcomes[i] = "approved"
    except FundsError as exc:
        outcomes[i] = exc.code
    except Exception as exc:  # noqa: BLE001 - reported by the assertion
        outcomes[i] = repr(exc)
    finally:
        connections.close_all()


def _race(claim_ids: list[int]) -> list[Any]:
    barrier = threading.Barrier(len(claim_ids))
    outcomes: list[Any] = [None] * len(claim_ids)
    threads = [
        threading.Thread(target=_approve, args=(barrier, outcomes, i, c)) for i, c in enumerate(claim_ids)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def _engine() -> str:
    return connection.vendor


@pytest.mark.postgres
def test_concurrent_approvals_never_overspend_one_budget(pks):
    for attempt in range(5):
        b = budget(amount="80000", year=2030 + attempt)
        first = claim(pks[0], year=b.fiscal_year)
        second = claim(pks[1], year=b.fiscal_year)
        outcomes = _race([first.pk, second.pk])
        assert sorted(outcomes) == ["approved", "budget_exceeded"], (_engine(), outcomes)
        b.refresh_from_db()
        assert b.committed == Decimal("50000.00") and b.remaining == Decimal("30000.00")
        assert LedgerEntry.objects.filter(budget=b).count() == 1
        Claim.objects.update(once_key=None, state=Claim.State.REJECTED)  # next attempt: fresh firms


@pytest.mark.postgres
def test_concurrent_approvals_never_pay_a_once_only_reward_twice(pks):
    for attempt in range(5):
        years = (2040 + 2 * attempt, 2041 + 2 * attempt)
        for y in years:
            budget(amount="1000000", year=y)
        # two claims of the once-per-firm loan reward for one enterprise (two years)
        claims = [claim(pks[0], year=y) for y in years]
        outcomes = _race([c.pk for c in claims])
        assert sorted(outcomes) == ["approved", "once_only"], (_engine(), outcomes)
        assert Claim.objects.filter(pk__in=[c.pk for c in claims], state=Claim.State.APPROVED).count() == 1
        assert sum(b.committed for b in Budget.objects.filter(fiscal_year__in=years)) == Decimal("50000.00")
        Claim.objects.filter(pk__in=[c.pk for c in claims]).update(once_key=None)  # next attempt: fresh
        Claim.objects.filter(pk__in=[c.pk for c in claims]).update(state=Claim.State.REJECTED)
