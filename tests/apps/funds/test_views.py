"""The funds pages: each role's queue, the actions as POSTs, reports, the payment list in Excel."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from tests.apps.funds.helpers import budget, claim
from tests.office import sheets_as_read

from lingjun.apps.funds.models import Claim
from lingjun.apps.funds.services import PAYMENT_HEADERS, claim_approve, claim_disburse, payment_list_xlsx

pytestmark = pytest.mark.django_db


def test_finance_approves_and_disburses_from_its_queue(pks, make_user, client_as):
    budget(amount="80000", year=date.today().year)
    c = claim(pks[0], year=date.today().year)
    finance = client_as(make_user("finance", department="区财政局"))
    page = finance.get("/funds/finance/")
    assert page.status_code == 200 and f'data-claim="{c.pk}"' in page.content.decode()
    finance.post("/funds/finance/approve/", {"claim": c.pk})
    assert Claim.objects.get(pk=c.pk).state == Claim.State.APPROVED
    response = finance.post(
        "/funds/finance/disburse/",
        {"claim": c.pk, "voucher_number": "PZ-1", "voucher_date": "2025-07-01"},
        follow=True,
    )
    assert "已登记拨付" in response.content.decode()
    assert Claim.objects.get(pk=c.pk).state == Claim.State.DISBURSED
    # a second claim over the remaining budget: refused with the message on the page
    d = claim(pks[1], year=date.today().year)
    response = finance.post("/funds/finance/approve/", {"claim": d.pk}, follow=True)
    assert "预算不足，不能批准" in response.content.decode()


def test_the_bureau_reviews_and_the_enterprise_sees_its_proposal(pks, pool, make_user, client_as):
    year = date.today().year
    p = claim(pks[0], year=year, state=Claim.State.PROPOSED, amount="50000")
    firm = client_as(make_user("enterprise", enterprise_uscc=pool[0]))
    page = firm.get("/funds/enterprise/").content.decode()
    assert f'data-claim="{p.pk}"' in page and "确认申领" in page
    firm.post("/funds/enterprise/confirm/", {"claim": p.pk})
    assert Claim.objects.get(pk=p.pk).state == Claim.State.APPLIED
    staff = client_as(make_user("district_staff"))
    assert f'data-claim="{p.pk}"' in staff.get("/funds/review/").content.decode()
    staff.post("/funds/review/", {"claim": p.pk, "decision": "reject", "reason": "材料不全"})
    assert Claim.objects.get(pk=p.pk).state == Claim.State.REJECTED


def test_an_enterprise_cannot_confirm_another_firms_proposal(pks, pool, make_user, client_as):
    other = claim(pks[1], state=Claim.State.PROPOSED)
    firm = client_as(make_user("enterprise", enterprise_uscc=pool[0]))
    response = firm.post("/funds/enterprise/confirm/", {"claim": other.pk}, follow=True)
    assert "只能处理本企业的申请" in response.content.decode()
    assert Claim.objects.get(pk=other.pk).state == Claim.State.PROPOSED


def test_reports_reconcile_and_show_the_spending_chart(pks, make_user, client_as):
    year = date.today().year
    budget(amount="100000", year=year)
    c = claim(pks[0], year=year)
    claim_approve(claim_id=c.pk, user=None)
    staff = client_as(make_user("district_staff"))
    for by in ("measure", "source", "town", "tier", "year"):
        page = staff.get(f"/funds/reports/?by={by}&year={year}").content.decode()
        assert 'id="report"' in page
    page = staff.get(f"/funds/reports/?year={year}").content.decode()
    assert "<svg" in page and 'class="bar-committed"' in page and "一致" in page and "不一致" not in page
    assert "50000.00" in page


def test_the_payment_list_opens_in_libreoffice_with_formulas_neutralised(pks, tmp_path: Path):
    from lingjun.apps.enterprises.models import Enterprise

    Enterprise.objects.filter(pk=pks[0]).update(name='=HYPERLINK("http://x")有限公司')
    budget(amount="100000", year=2025)
    c = claim(pks[0], amount="50000.05")
    claim_approve(claim_id=c.pk, user=None)
    claim_disburse(claim_id=c.pk, user=None, voucher_number="+PZ-001", voucher_date=date(2025, 7, 1))
    path = tmp_path / "拨付清单.xlsx"
    with path.open("wb") as out:
        assert payment_list_xlsx(fiscal_year=2025, out=out) == 1
    sheets = sheets_as_read(path, tmp_path / "seen")
    (rows,) = sheets.values()
    assert rows[0] == list(PAYMENT_HEADERS)
    # shown as text with the neutralising quote (lingjun.cellsafe), never run as a formula
    assert rows[1][2] == '\'=HYPERLINK("http://x")有限公司'
    assert rows[1][9] == "'+PZ-001"
    assert Decimal(rows[1][7]) == Decimal("50000.05")
    assert rows[2][0] == "合计" and Decimal(rows[2][7]) == Decimal("50000.05")


def test_an_enterprise_supplies_the_facts_a_measure_needs_when_it_confirms(pks, pool, make_user, client_as):
    year = date.today().year
    p = claim(pks[0], measure="dengling_rent_subsidy", year=year, state=Claim.State.PROPOSED, amount=None)
    firm = client_as(make_user("enterprise", enterprise_uscc=pool[0]))
    page = firm.get("/funds/enterprise/").content.decode()
    assert 'name="in_annual_rent"' in page  # the rent is asked for on the proposal
    response = firm.post("/funds/enterprise/confirm/", {"claim": p.pk, "in_annual_rent": "-3"}, follow=True)
    assert "应为不小于 0 的数值" in response.content.decode()
    assert Claim.objects.get(pk=p.pk).state == Claim.State.PROPOSED
    firm.post("/funds/enterprise/confirm/", {"claim": p.pk, "in_annual_rent": "36.5", "in_bogus": "1"})
    confirmed = Claim.objects.get(pk=p.pk)
    assert confirmed.state == Claim.State.APPLIED and confirmed.inputs == {"annual_rent": "36.5"}
