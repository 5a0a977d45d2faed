"""Reads of funds: queues, budgets, reports (set-based aggregates) and the reconciliation."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from lingjun.apps.accounts.permissions import Scope, scope_of
from lingjun.apps.funds.models import Budget, Claim, LedgerEntry

ZERO = Decimal("0.00")
_MONEY: Any = DecimalField(max_digits=16, decimal_places=2)

#: report dimensions: key → (Claim field, Chinese label)
DIMENSIONS: dict[str, tuple[str, str]] = {
    "measure": ("measure", "扶持措施"),
    "source": ("source", "资金来源"),
    "town": ("town", "镇街"),
    "tier": ("tier", "层级"),
    "year": ("fiscal_year", "财政年度"),
}


def claims_visible_to(user: Any) -> QuerySet[Claim]:
    """The claims ``user`` may see: an enterprise its own, the bureaus all."""
    qs = Claim.objects.select_related("enterprise")
    if scope_of(user, "funds.claim") == Scope.OWN:
        return qs.filter(enterprise_id=user.enterprise_id)
    if scope_of(user, "funds.view") == Scope.DISTRICT or scope_of(user, "funds.review") == Scope.DISTRICT:
        return qs
    return qs.none()


def queue(*, states: tuple[str, ...], fiscal_year: int | None = None, limit: int = 200) -> QuerySet[Claim]:
    qs = Claim.objects.select_related("enterprise").filter(state__in=states)
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    return qs.order_by("fiscal_year", "pk")[:limit]


def budgets(*, fiscal_year: int | None = None) -> QuerySet[Budget]:
    qs = Budget.objects.all()
    return qs.filter(fiscal_year=fiscal_year) if fiscal_year is not None else qs


@dataclass(frozen=True)
class ReportRow:
    key: Any
    claims: int
    approved: Decimal
    disbursed: Decimal
    reversed: Decimal


def report(*, by: str, fiscal_year: int | None = None) -> list[ReportRow]:
    """Money by one dimension (one GROUP BY): committed (approved, not paid), disbursed, reversed."""
    field = DIMENSIONS[by][0]
    qs = Claim.objects.all()
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)

    def total(state: str) -> Any:
        return Coalesce(Sum("amount", filter=Q(state=state)), Value(ZERO), output_field=_MONEY)

    rows = (
        qs.exclude(state__in=[Claim.State.LAPSED])
        .values(field)
        .annotate(
            n=Count("pk"),
            approved=total(Claim.State.APPROVED),
            disbursed=total(Claim.State.DISBURSED),
            reversed=total(Claim.State.REVERSED),
        )
        .order_by(field)
    )
    return [ReportRow(r[field], r["n"], r["approved"], r["disbursed"], r["reversed"]) for r in rows]


@dataclass(frozen=True)
class Reconciled:
    budget: Budget
    ledger_committed: Decimal
    ledger_disbursed: Decimal
    adjustments: Decimal

    @property
    def ok(self) -> bool:
        b = self.budget
        return (
            b.amount == b.disbursed + b.committed + b.remaining
            and b.committed == self.ledger_committed
            and b.disbursed == self.ledger_disbursed
            and b.amount == self.adjustments
            and b.remaining >= 0
        )


def reconciliation(*, fiscal_year: int | None = None) -> list[Reconciled]:
    """Per budget: budget = disbursed + committed + remaining, its totals against the ledger's
    entries and its amount against its adjustments (three aggregate queries)."""
    bs = list(budgets(fiscal_year=fiscal_year))
    sums: dict[tuple[int, str], Decimal] = {}
    for row in (
        LedgerEntry.objects.filter(budget__in=bs).values("budget_id", "kind").annotate(total=Sum("amount"))
    ):
        sums[(row["budget_id"], row["kind"])] = row["total"]
    adj: dict[int, Decimal] = dict(
        Budget.objects.filter(pk__in=[b.pk for b in bs])
        .annotate(total=Sum("adjustments__delta"))
        .values_list("pk", "total")
    )

    def s(b: Budget, kind: str) -> Decimal:
        return sums.get((b.pk, kind), ZERO)

    return [
        Reconciled(
            b,
            s(b, "commit") - s(b, "release") - s(b, "disburse"),
            s(b, "disburse") - s(b, "reverse"),
            adj.get(b.pk) or ZERO,
        )
        for b in bs
    ]


CHART_LEFT, CHART_WIDTH, CHART_ROW = 270, 400, 26


def spending_chart(*, fiscal_year: int, labels: dict[str, str] | None = None) -> dict[str, Any]:
    """Per measure: budget, committed and disbursed of the year as SVG bars (pixel positions)."""
    rows = list(
        Budget.objects.filter(fiscal_year=fiscal_year)
        .values("measure")
        .annotate(amount=Sum("amount"), committed=Sum("committed"), disbursed=Sum("disbursed"))
        .order_by("measure")
    )
    top = max([r["amount"] for r in rows] + [Decimal(1)])

    def px(v: Decimal) -> float:
        return round(float(v / top) * CHART_WIDTH, 1)

    bars = []
    for i, r in enumerate(rows):
        y = 28 + i * CHART_ROW
        bars.append(
            {
                **r,
                "label": (labels or {}).get(r["measure"], r["measure"]),
                "y": y,
                "text_y": y + 13,
                "w_amount": px(r["amount"]),
                "w_disbursed": px(r["disbursed"]),
                "x_committed": CHART_LEFT + px(r["disbursed"]),
                "w_committed": px(r["committed"]),
            }
        )
    return {
        "bars": bars,
        "left": CHART_LEFT,
        "width": CHART_LEFT + CHART_WIDTH + 10,
        "height": 36 + len(rows) * CHART_ROW,
        "label_x": CHART_LEFT - 8,
    }
