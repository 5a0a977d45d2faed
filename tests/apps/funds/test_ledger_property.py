"""Acceptance 2: over random sequences of claims, approvals, disbursements, reversals and budget
adjustments the ledger reconciles — budget = disbursed + committed + remaining — the running
totals equal what the ledger entries and the claims say, and nothing ever goes negative."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.apps.funds.helpers import claim

from lingjun.apps.funds.models import Budget, BudgetAdjustment, Claim, LedgerEntry
from lingjun.apps.funds.services import (
    FundsError,
    budget_adjust,
    claim_approve,
    claim_disburse,
    claim_reverse,
)

pytestmark = pytest.mark.django_db

MEASURES = ("dengling_rent_subsidy", "listing_grant")  # verified amounts; per year / once per firm
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("90000"), places=2)
ops = st.lists(
    st.one_of(
        st.tuples(st.just("claim"), st.integers(0, 2), st.sampled_from(MEASURES), money),
        st.tuples(st.just("approve"), st.integers(0, 30)),
        st.tuples(st.just("disburse"), st.integers(0, 30)),
        st.tuples(st.just("reverse"), st.integers(0, 30)),
        st.tuples(st.just("adjust"), st.sampled_from(MEASURES), st.decimals(-100000, 100000, places=2)),
    ),
    max_size=25,
)


def _sum(qs: Any, field: str = "amount") -> Decimal:
    return qs.aggregate(s=Sum(field))["s"] or Decimal(0)


def _check(budgets: list[Budget]) -> None:
    for b in budgets:
        b.refresh_from_db()
        entries = LedgerEntry.objects.filter(budget=b)
        by = {k: _sum(entries.filter(kind=k)) for k in LedgerEntry.Kind.values}
        committed = by["commit"] - by["release"] - by["disburse"]
        disbursed = by["disburse"] - by["reverse"]
        assert b.amount == _sum(BudgetAdjustment.objects.filter(budget=b), "delta")
        assert (b.committed, b.disbursed) == (committed, disbursed)
        assert b.amount == b.disbursed + b.committed + b.remaining
        assert min(b.committed, b.disbursed, b.remaining) >= 0
        claims = Claim.objects.filter(measure=b.measure, fiscal_year=b.fiscal_year)
        assert b.committed == _sum(claims.filter(state=Claim.State.APPROVED))
        assert b.disbursed == _sum(claims.filter(state=Claim.State.DISBURSED))
        for value in (b.amount, b.committed, b.disbursed):
            assert isinstance(value, Decimal) and value == value.quantize(Decimal("0.01"))


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=ops)
def test_the_ledger_reconciles_over_random_sequences(pks, steps):
    from tests.apps.funds.helpers import budget

    with transaction.atomic():
        budgets = [budget(m, amount="150000") for m in MEASURES]
        claims: list[int] = []
        for step in steps:
            try:
                if step[0] == "claim":
                    claims.append(claim(pks[step[1]], measure=step[2], amount=str(step[3])).pk)
                elif step[0] == "adjust":
                    b = next(b for b in budgets if b.measure == step[1])
                    budget_adjust(budget_id=b.pk, delta=step[2], reason="调整")
                elif claims:
                    pk = claims[step[1] % len(claims)]
                    if step[0] == "approve":
                        claim_approve(claim_id=pk, user=None)
                    elif step[0] == "disburse":
                        claim_disburse(
                            claim_id=pk, user=None, voucher_number="PZ1", voucher_date=date(2025, 7, 1)
                        )
                    else:
                        claim_reverse(claim_id=pk, user=None, reason="追回")
            except FundsError:
                pass  # a refused step changes nothing; the invariants must still hold
            _check(budgets)
        transaction.set_rollback(True)
