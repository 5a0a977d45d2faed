"""The invariants of support funds, each held by the services (and the database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from tests.apps.funds.helpers import LOAN, RD, budget, claim

from lingjun.apps.funds.models import LEDGER_APPEND_ONLY, Budget, BudgetAdjustment, Claim, LedgerEntry
from lingjun.apps.funds.services import (
    AMOUNT_NOT_CONFIRMED,
    FundsError,
    amount_confirm,
    budget_adjust,
    claim_apply,
    claim_approve,
    claim_confirm,
    claim_disburse,
    claim_reverse,
    claim_review,
    claim_set_amount,
)

pytestmark = pytest.mark.django_db


def test_an_approval_beyond_the_remaining_budget_is_refused_with_a_clear_message(pks):
    b = budget(amount="80000")
    first = claim(pks[0])
    claim_approve(claim_id=first.pk, user=None)
    second = claim(pks[1])
    with pytest.raises(FundsError) as info:
        claim_approve(claim_id=second.pk, user=None)
    assert info.value.code == "budget_exceeded"
    assert info.value.message == (
        "预算不足，不能批准：雏鹰企业贷款奖励（2025年度市级资金）剩余预算 30000.00 元，本笔 50000.00 元。"
    )
    b.refresh_from_db()
    assert (b.committed, b.remaining) == (Decimal("50000.00"), Decimal("30000.00"))
    assert Claim.objects.get(pk=second.pk).state == Claim.State.REVIEWED
    from lingjun.apps.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="funds_approve").count() == 1  # the refused one is not


def test_a_once_only_reward_is_never_approved_twice_for_one_enterprise(pks):
    budget(amount="1000000")
    budget(amount="1000000", year=2026)
    claim_approve(claim_id=claim(pks[0]).pk, user=None)
    later = claim(pks[0], year=2026)  # another year: the loan reward is once per firm
    with pytest.raises(FundsError) as info:
        claim_approve(claim_id=later.pk, user=None)
    assert info.value.code == "once_only"
    assert "不能重复批准" in info.value.message
    # another enterprise may have it
    claim_approve(claim_id=claim(pks[1]).pk, user=None)


def test_the_once_key_is_a_database_constraint_not_only_a_check(pks):
    a, b = claim(pks[0]), claim(pks[0], year=2026)
    Claim.objects.filter(pk=a.pk).update(once_key=f"{LOAN}:{pks[0]}")
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=b.pk).update(once_key=f"{LOAN}:{pks[0]}")


def test_the_budget_row_refuses_overspending_in_the_database(pks):
    b = budget(amount="100")
    with pytest.raises(IntegrityError), transaction.atomic():
        Budget.objects.filter(pk=b.pk).update(committed=Decimal("100.01"))


def test_a_per_year_measure_may_be_paid_each_year_but_once_a_year(pks):
    budget(RD, amount="5000000")
    budget(RD, amount="5000000", year=2026)
    for year in (2025, 2026):
        amount_confirm(measure=RD, fiscal_year=year, user=None)
    claim_approve(claim_id=claim(pks[0], measure=RD, amount="1000").pk, user=None)
    claim_approve(claim_id=claim(pks[0], measure=RD, amount="1000", year=2026).pk, user=None)
    with pytest.raises(FundsError, match="不能重复批准"):
        claim_approve(claim_id=claim(pks[0], measure=RD, amount="1000").pk, user=None)


def test_amounts_are_exact_decimals_end_to_end(pks):
    b = budget(amount="0.30")
    for i, amount in enumerate(("0.10", "0.20")):
        c = claim(pks[i], amount=amount)
        claim_approve(claim_id=c.pk, user=None)
    b.refresh_from_db()
    assert b.committed == Decimal("0.30") and b.remaining == Decimal("0.00")
    assert isinstance(b.committed, Decimal)
    with pytest.raises(FundsError, match="剩余预算 0.00 元，本笔 0.01 元"):
        claim_approve(claim_id=claim(pks[2], amount="0.01").pk, user=None)
    assert sum(e.amount for e in LedgerEntry.objects.all()) == Decimal("0.30")


def test_a_disbursed_claim_is_never_edited_only_reversed_by_a_new_entry(pks):
    b = budget()
    c = claim(pks[0])
    claim_approve(claim_id=c.pk, user=None)
    claim_disburse(claim_id=c.pk, user=None, voucher_number="PZ-2025-001", voucher_date=date(2025, 7, 1))
    with pytest.raises(FundsError) as info:
        claim_set_amount(claim_id=c.pk, amount=Decimal("1"))
    assert info.value.code == "disbursed_frozen"
    disburse = LedgerEntry.objects.get(kind=LedgerEntry.Kind.DISBURSE)
    disburse.amount = Decimal("1")
    with pytest.raises(ValueError, match=LEDGER_APPEND_ONLY):
        disburse.save()
    with pytest.raises(ValueError, match=LEDGER_APPEND_ONLY):
        disburse.delete()
    with pytest.raises(FundsError, match="请填写原因"):
        claim_reverse(claim_id=c.pk, user=None, reason=" ")
    claim_reverse(claim_id=c.pk, user=None, reason="企业被列入严重违法失信名单，追回奖励")
    kinds = list(LedgerEntry.objects.order_by("pk").values_list("kind", "amount"))
    assert kinds == [
        ("commit", Decimal("50000.00")),
        ("disburse", Decimal("50000.00")),
        ("reverse", Decimal("50000.00")),
    ]
    b.refresh_from_db()
    assert (b.committed, b.disbursed, b.remaining) == (0, 0, Decimal("100000.00"))
    c.refresh_from_db()
    assert (
        c.state == Claim.State.REVERSED and c.voucher_number == "PZ-2025-001" and c.amount == Decimal("50000")
    )


def test_the_enterprise_is_told_of_payment_and_claw_back(pks, pool, make_user):
    from lingjun.apps.notifications.models import Notification

    firm_user = make_user("enterprise", enterprise_uscc=pool[0])
    budget()
    c = claim(pks[0])
    claim_approve(claim_id=c.pk, user=None)
    claim_disburse(claim_id=c.pk, user=None, voucher_number="PZ-9", voucher_date=date(2025, 7, 1))
    claim_reverse(claim_id=c.pk, user=None, reason="严重失信")
    subjects = list(
        Notification.objects.filter(user=firm_user).order_by("pk").values_list("subject", flat=True)
    )
    assert subjects == ["扶持资金已拨付：雏鹰企业贷款奖励", "扶持资金已撤销/追回：雏鹰企业贷款奖励"]


def test_a_provisional_amount_cannot_be_approved_until_confirmed_for_the_year(pks, make_user):
    budget(RD, amount="5000000")
    c = claim(pks[0], measure=RD, amount="1000")
    with pytest.raises(FundsError) as info:
        claim_approve(claim_id=c.pk, user=None)
    assert info.value.code == "amount_not_confirmed"
    assert info.value.message == AMOUNT_NOT_CONFIRMED.format(measure="研发投入后补贴", year=2025)
    amount_confirm(measure=RD, fiscal_year=2024, user=None)  # another year does not count
    with pytest.raises(FundsError):
        claim_approve(claim_id=c.pk, user=None)
    officer = make_user("district_staff")
    confirmation = amount_confirm(measure=RD, fiscal_year=2025, user=officer, note="区财政局2025年预算批复")
    assert confirmation.user == officer and set(confirmation.values) == {"rd_subsidy_rate", "rd_subsidy_cap"}
    assert claim_approve(claim_id=c.pk, user=None).state == Claim.State.APPROVED


@pytest.mark.parametrize("verdict", [False, None])
def test_a_firm_the_engine_does_not_find_eligible_cannot_be_approved(pks, verdict):
    budget()
    c = claim(pks[0], eligible=verdict)
    with pytest.raises(FundsError) as info:
        claim_approve(claim_id=c.pk, user=None)
    assert info.value.code == "not_eligible"
    assert Budget.objects.get().committed == 0


def test_a_cut_below_what_the_budget_holds_is_refused_and_every_adjustment_recorded(pks):
    b = budget(amount="100000")
    claim_approve(claim_id=claim(pks[0]).pk, user=None)
    with pytest.raises(FundsError) as info:
        budget_adjust(budget_id=b.pk, delta=Decimal("-60000"), reason="压减")
    assert info.value.code == "budget_below_spent"
    budget_adjust(budget_id=b.pk, delta=Decimal("-50000"), reason="压减")
    assert [a.delta for a in BudgetAdjustment.objects.order_by("pk")] == [
        Decimal("100000"),
        Decimal("-50000"),
    ]
    assert Budget.objects.get().remaining == 0


def test_the_workflow_from_application_to_review_checks_with_the_engine(pks):
    budget()
    c = claim_apply(enterprise_id=pks[0], measure=LOAN, fiscal_year=2025, amount=Decimal("1"))
    with pytest.raises(FundsError, match="已有"):
        claim_apply(enterprise_id=pks[0], measure=LOAN, fiscal_year=2025)
    with pytest.raises(FundsError, match="请填写原因"):
        claim_review(claim_id=c.pk, user=None, passed=False)
    reviewed = claim_review(claim_id=c.pk, user=None, passed=True)
    # the test firm is a 雏鹰 with an eligible loan: the engine says so and sets the amount (5万元)
    assert reviewed.state == Claim.State.REVIEWED and reviewed.eligible is True
    assert reviewed.amount == Decimal("50000.00") and "符合" in reviewed.explanation
    assert claim_approve(claim_id=c.pk, user=None).state == Claim.State.APPROVED


def test_an_enterprise_confirms_only_its_own_proposal(pks):
    c = claim(pks[0], state=Claim.State.PROPOSED)
    with pytest.raises(FundsError) as info:
        claim_confirm(claim_id=c.pk, user=None, enterprise_id=pks[1])
    assert info.value.code == "not_own"
    assert claim_confirm(claim_id=c.pk, user=None, enterprise_id=pks[0]).state == Claim.State.APPLIED
    with pytest.raises(FundsError, match="不能确认"):
        claim_confirm(claim_id=c.pk, user=None)


def test_amounts_are_shown_in_words_with_their_parameters():
    from lingjun.apps.funds.services import amount_text, measure_of

    on = date(2025, 12, 31)
    assert amount_text(measure_of(LOAN), on=on) == "5万元"
    assert amount_text(measure_of(RD), on=on) == "上年度研发费用 × 0.05（上限 100万元）"
    assert amount_text(measure_of("district_matching"), on=on) == "当年获得的市级认定奖励资金 × 100%"


def test_the_review_computes_the_amount_from_the_facts_the_enterprise_supplied(pks):
    c = claim_apply(
        enterprise_id=pks[0], measure="district_matching", fiscal_year=2025, inputs={"city_reward": "20"}
    )
    reviewed = claim_review(claim_id=c.pk, user=None, passed=True)
    # a 雏鹰 enterprise that received 20万元 of city reward: matched at the (provisional) 100 %
    assert reviewed.eligible is True and reviewed.amount == Decimal("200000.00")
    assert reviewed.tier == "chuying"
    with pytest.raises(FundsError, match="应为不小于 0 的数值"):
        claim_apply(
            enterprise_id=pks[1], measure="district_matching", fiscal_year=2025, inputs={"city_reward": "x"}
        )


def test_reports_add_up_by_town_source_and_year(pks):
    from lingjun.apps.funds.selectors import reconciliation, report

    budget(amount="1000000")
    budget(RD, amount="1000000")
    amount_confirm(measure=RD, fiscal_year=2025, user=None)
    a = claim(pks[0])
    Claim.objects.filter(pk=a.pk).update(town="杨村街道", tier="chuying")
    b = claim(pks[2], measure=RD, amount="1234.56")
    Claim.objects.filter(pk=b.pk).update(town="梅厂镇", tier="dengling")
    claim_approve(claim_id=a.pk, user=None)
    claim_approve(claim_id=b.pk, user=None)
    claim_disburse(claim_id=b.pk, user=None, voucher_number="PZ", voucher_date=date(2025, 8, 1))
    by_town = {r.key: (r.approved, r.disbursed) for r in report(by="town", fiscal_year=2025)}
    assert by_town == {"杨村街道": (Decimal("50000.00"), 0), "梅厂镇": (0, Decimal("1234.56"))}
    by_source = {r.key: r.approved + r.disbursed for r in report(by="source", fiscal_year=2025)}
    assert by_source == {"city": Decimal("50000.00"), "district": Decimal("1234.56")}
    assert {r.key for r in report(by="tier", fiscal_year=2025)} == {"chuying", "dengling"}
    assert [(r.key, r.claims) for r in report(by="year")] == [(2025, 2)]
    assert all(r.ok for r in reconciliation(fiscal_year=2025)) and len(reconciliation(fiscal_year=2025)) == 2


def test_the_reconciliation_finds_a_total_the_ledger_does_not_explain(pks):
    from lingjun.apps.funds.selectors import reconciliation

    b = budget(amount="100000")
    claim_approve(claim_id=claim(pks[0]).pk, user=None)
    assert [r.ok for r in reconciliation(fiscal_year=2025)] == [True]
    Budget.objects.filter(pk=b.pk).update(committed=Decimal("40000"))  # a write around the services
    assert [r.ok for r in reconciliation(fiscal_year=2025)] == [False]
