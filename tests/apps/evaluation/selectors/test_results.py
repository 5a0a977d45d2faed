"""A run's results per enterprise: the filtered list (both ways of listing) and one enterprise's runs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lingjun.apps.evaluation.selectors import results as selectors
from lingjun.apps.evaluation.selectors.results import ResultFilters, enterprise_runs, run_results

pytestmark = pytest.mark.django_db

CHUYING, TECH = "tianjin.chuying.2021", "national.tech_sme.2017"


@pytest.mark.parametrize("sparse", [0, 10**9], ids=["exists", "in-list"])
def test_both_ways_of_listing_results_agree(three, pool, make_user, monkeypatch, sparse):
    monkeypatch.setattr(selectors, "SPARSE_RESULTS", sparse)
    staff = make_user("district_staff")

    def usccs(**filters: str) -> list[str]:
        return list(
            run_results(user=staff, run=three, filters=ResultFilters(**filters)).values_list(
                "uscc", flat=True
            )
        )

    assert usccs() == pool  # all, by name (公司1, 公司2, 公司3)
    assert usccs(policy=CHUYING, result="pass") == [pool[0], pool[2]]
    assert usccs(policy=TECH, result="unknown") == [pool[1]]
    assert usccs(result="fail") == [pool[0], pool[1]]  # any policy
    assert usccs(policy=CHUYING, result="pass", town="梅厂镇") == [pool[2]]
    assert usccs(policy="no.such.policy") == pool  # an unknown policy filter is ignored
    town = make_user("town_officer", town="梅厂镇")
    assert list(
        run_results(user=town, run=three, filters=ResultFilters()).values_list("uscc", flat=True)
    ) == [pool[2]]


def test_an_enterprises_runs_are_the_newest_that_include_it(three, pool, make_user, make_run):
    later = make_run({pool[0]: {CHUYING: "fail"}})
    without = make_run({pool[1]: {CHUYING: "pass"}})
    staff = make_user("district_staff")
    items = enterprise_runs(user=staff, enterprise=three.results.get(enterprise_id=pool[0]).enterprise)
    assert [i.run for i in items] == [later, three]
    assert without not in [i.run for i in items]
    assert [(c.policy, c.result) for c in items[1].cells] == [(TECH, "fail"), (CHUYING, "pass")]
    assert (
        items[1].cells[0].score == Decimal("61.5") and items[1].cells[0].policy_name == "国家科技型中小企业"
    )
