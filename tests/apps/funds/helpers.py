"""Builders for the funds tests: budgets and claims in a chosen state."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lingjun.apps.funds.models import Claim
from lingjun.apps.funds.services import budget_set

LOAN = "chuying_loan_reward"  # once per firm, verified amount, city money
RD = "rd_post_subsidy"  # once per year, provisional amount, district money


def budget(measure: str = LOAN, amount: str = "100000", year: int = 2025, source: str | None = None) -> Any:
    from lingjun.apps.funds.services import measure_of

    return budget_set(
        fiscal_year=year,
        source=source or measure_of(measure).source,
        measure=measure,
        amount=Decimal(amount),
        reason="年初预算",
    )


def claim(
    enterprise_id: int,
    *,
    measure: str = LOAN,
    amount: str | None = "50000",
    year: int = 2025,
    state: str = Claim.State.REVIEWED,
    eligible: bool | None = True,
) -> Claim:
    from lingjun.apps.funds.services import measure_of

    return Claim.objects.create(
        enterprise_id=enterprise_id,
        measure=measure,
        fiscal_year=year,
        source=measure_of(measure).source,
        amount=None if amount is None else Decimal(amount),
        state=state,
        eligible=eligible,
    )
