"""Acceptance 3: the 免申即享 proposals equal the set of enterprises the rules engine finds
eligible, over the demo district; refreshed (set-based) when the pool changes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from tests.apps.funds.helpers import budget

from lingjun.apps.enterprises.models import Enterprise
from lingjun.apps.enterprises.services import dossiers_apply
from lingjun.apps.funds.models import Claim
from lingjun.apps.funds.services import (
    FundsError,
    claim_approve,
    claim_confirm,
    claim_review,
    proposals_refresh,
)
from lingjun.apps.jobs.models import Job
from lingjun.demo import generate_dossiers, generate_tables
from lingjun.rules import connect, register_tables
from lingjun.rules.measures import evaluate_measures

# the engine reads the pool through a snapshot of committed data
pytestmark = pytest.mark.django_db(transaction=True)

N, SEED, DATA_YEAR = 1200, 20251231, 2025
TODAY = date(2026, 6, 30)
YEAR = TODAY.year


@pytest.fixture
def demo_district(db):
    from lingjun.apps.divisions.services import divisions_seed

    divisions_seed()
    dossiers = list(generate_dossiers(n=N, seed=SEED, year=DATA_YEAR, today=TODAY))
    dossiers_apply(dossiers=dossiers, user=None, source="import")
    return dossiers


def _engine_pairs() -> dict[tuple[str, str], int | None]:
    """What the engine finds eligible, from the generated tables themselves (not the database)."""
    tables = register_tables(connect("duckdb"), generate_tables(n=N, seed=SEED, year=DATA_YEAR, today=TODAY))
    me = evaluate_measures(tables=tables, year=YEAR, as_of=TODAY)
    t = me.eligible()
    return dict(
        zip(
            zip(t["uscc"].to_pylist(), t["measure"].to_pylist(), strict=True),
            t["amount_fen"].to_pylist(),
            strict=True,
        )
    )


def _proposals() -> dict[tuple[str, str], Decimal | None]:
    rows = Claim.objects.filter(state=Claim.State.PROPOSED, fiscal_year=YEAR).values_list(
        "enterprise__uscc", "measure", "amount"
    )
    return {(u, m): a for u, m, a in rows}


def test_proposals_equal_what_the_engine_finds_eligible_over_the_demo_district(demo_district):
    expected = _engine_pairs()
    assert len({m for _, m in expected}) >= 3, "the demo district has firms eligible for several measures"
    counts = proposals_refresh(fiscal_year=YEAR, as_of=TODAY)
    got = _proposals()
    assert set(got) == set(expected)
    assert counts["created"] == len(expected)
    assert all(got[k] == (None if v is None else Decimal(v) / 100) for k, v in expected.items())
    assert Claim.objects.filter(state=Claim.State.PROPOSED).exclude(town="").exists()
    # a second refresh changes nothing
    assert proposals_refresh(fiscal_year=YEAR, as_of=TODAY)["created"] == 0
    assert _proposals() == got


def test_a_refresh_keeps_confirmed_claims_and_lapses_what_is_no_longer_eligible(demo_district):
    proposals_refresh(fiscal_year=YEAR, as_of=TODAY)
    first, second = Claim.objects.filter(state=Claim.State.PROPOSED).order_by("pk")[:2]
    claim_confirm(claim_id=first.pk, user=None)
    # the second firm becomes seriously dishonest: no longer eligible for anything
    ent = Enterprise.objects.get(pk=second.enterprise_id)
    from lingjun.apps.enterprises.selectors import dossiers_load

    d = dossiers_load(usccs=[ent.uscc])[ent.uscc]
    dossiers_apply(
        dossiers=[{**d, "credit": {**d["credit"], "serious_dishonesty": True}}], user=None, source="import"
    )
    proposals_refresh(fiscal_year=YEAR, as_of=TODAY)
    assert Claim.objects.get(pk=first.pk).state == Claim.State.APPLIED  # kept, not proposed again
    assert not Claim.objects.filter(
        enterprise_id=first.enterprise_id, measure=first.measure, state="proposed"
    ).exists()
    lapsed = Claim.objects.get(pk=second.pk)
    if second.measure not in (
        "national_award_reward",
        "tianjin_award_reward",
    ):  # tier measures need integrity
        assert lapsed.state == Claim.State.LAPSED


def test_a_firm_the_engine_does_not_find_eligible_cannot_be_approved_after_review(demo_district):
    budget("chuying_loan_reward", amount="100000000", year=YEAR)
    proposals_refresh(fiscal_year=YEAR, as_of=TODAY)
    eligible = set(
        Claim.objects.filter(state="proposed", measure="chuying_loan_reward").values_list(
            "enterprise_id", flat=True
        )
    )
    outsider = Enterprise.objects.exclude(pk__in=eligible).order_by("pk").first()
    assert outsider is not None
    claim = Claim.objects.create(
        enterprise=outsider, measure="chuying_loan_reward", fiscal_year=YEAR, source="city", state="applied"
    )
    from unittest import mock

    with mock.patch("lingjun.apps.funds.services.timezone.localdate", return_value=TODAY):
        claim = claim_review(claim_id=claim.pk, user=None, passed=True)
    assert claim.eligible is not True and claim.explanation
    with pytest.raises(FundsError) as info:
        claim_approve(claim_id=claim.pk, user=None)
    assert info.value.code == "not_eligible"


def test_an_import_into_a_district_with_a_budget_refreshes_the_proposals_by_a_job(demo_district, settings):
    from unittest import mock

    budget("chuying_loan_reward", amount="1000000", year=YEAR)
    from lingjun.apps.enterprises.models import ImportBatch
    from lingjun.apps.enterprises.services import enterprises_import_file  # noqa: F401

    with mock.patch("lingjun.apps.funds.services.timezone.localdate", return_value=TODAY):
        batch = ImportBatch.objects.create(
            file_name="x.xlsx", file_format="xlsx", status=ImportBatch.Status.ACCEPTED
        )
        batch.created = 1
        batch.save(update_fields=["created", "updated", "unchanged"])
    job = Job.objects.get(kind="funds_proposals")
    assert job.status == Job.Status.DONE, job.error
    assert job.result["created"] == Claim.objects.filter(state="proposed").count() > 0


def test_the_demo_holds_budgets_and_claims_in_every_state(demo_district, make_user):
    from lingjun.apps.funds.models import Budget
    from lingjun.apps.funds.selectors import reconciliation
    from lingjun.apps.funds.services import demo_funds

    users = {
        "district_staff": make_user("district_staff"),
        "finance": make_user("finance", department="区财政局"),
        "enterprise": None,
    }
    report = demo_funds(today=TODAY, users=users)
    assert report.startswith("资金扶持：2026年度预算")
    states = set(Claim.objects.values_list("state", flat=True))
    assert {"proposed", "applied", "reviewed", "approved", "disbursed", "reversed", "rejected"} <= states
    assert Budget.objects.filter(fiscal_year=YEAR).count() == 12
    assert all(r.ok for r in reconciliation(fiscal_year=YEAR))
    assert demo_funds(today=TODAY, users=users) == ""  # once


def test_a_once_only_reward_already_paid_is_not_proposed_again(demo_district):
    expected = _engine_pairs()
    uscc = sorted(u for u, m in expected if m == "chuying_loan_reward")[0]
    ent = Enterprise.objects.get(uscc=uscc)
    Claim.objects.create(
        enterprise=ent,
        measure="chuying_loan_reward",
        fiscal_year=YEAR - 1,
        source="city",
        amount=Decimal("50000"),
        state=Claim.State.DISBURSED,
        once_key=f"chuying_loan_reward:{ent.pk}",
    )
    proposals_refresh(fiscal_year=YEAR, as_of=TODAY)
    assert set(_proposals()) == set(expected) - {(uscc, "chuying_loan_reward")}


def test_a_finished_evaluation_refreshes_the_proposals_when_the_year_has_a_budget(pool):
    from unittest import mock

    from lingjun.apps.evaluation.models import EvaluationRun

    run = EvaluationRun.objects.create(policies=["tianjin.chuying.2021"], year=YEAR, as_of=TODAY)
    with mock.patch("lingjun.apps.funds.services.timezone.localdate", return_value=TODAY):
        run.status = EvaluationRun.Status.DONE
        run.save(update_fields=["status"])  # no budget for the year: nothing happens
        assert not Job.objects.filter(kind="funds_proposals").exists()
        budget("chuying_loan_reward", amount="1000000", year=YEAR)
        run.save(update_fields=["status"])
    job = Job.objects.get(kind="funds_proposals")
    assert job.status == Job.Status.DONE and job.params == {"fiscal_year": YEAR, "as_of": TODAY.isoformat()}
