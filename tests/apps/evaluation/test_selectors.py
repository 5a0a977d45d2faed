"""Reads behind the evaluation pages, over hand-made runs (no engine): scope, counts, filters,
policy metadata and how records are arranged for a page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from lingjun.apps.evaluation import selectors
from lingjun.apps.evaluation.models import EvaluationResult, EvaluationRun
from lingjun.apps.evaluation.selectors import (
    ResultFilters,
    enterprise_runs,
    policies_in_force,
    policy_explanation,
    policy_library,
    policy_provisional,
    run_counts,
    run_estimate,
    run_results,
    runs_visible_to,
)

pytestmark = pytest.mark.django_db

CHUYING, TECH = "tianjin.chuying.2021", "national.tech_sme.2017"


def _run(results: dict[str, dict[str, str]], **fields: Any) -> EvaluationRun:
    """A finished run with ``{uscc: {policy: result}}`` stored and counted like the service does."""
    policies = sorted({p for r in results.values() for p in r})
    counts = {p: {"pass": 0, "fail": 0, "unknown": 0} for p in policies}
    for by_policy in results.values():
        for p, r in by_policy.items():
            counts[p][r] += 1
    run = EvaluationRun.objects.create(
        policies=policies,
        year=2025,
        as_of=date(2025, 6, 30),
        status="done",
        counts=counts,
        enterprise_count=len(results),
        **fields,
    )
    EvaluationResult.objects.bulk_create(
        EvaluationResult(
            run=run, enterprise_id=u, policy=p, result=r, score=Decimal("61.5") if p == TECH else None
        )
        for u, by_policy in results.items()
        for p, r in by_policy.items()
    )
    return run


@pytest.fixture
def three(pool: list[str]) -> EvaluationRun:
    a, b, c = pool  # 杨村街道, 杨村街道 + 开发区, 梅厂镇
    return _run(
        {
            a: {CHUYING: "pass", TECH: "fail"},
            b: {CHUYING: "fail", TECH: "unknown"},
            c: {CHUYING: "pass", TECH: "pass"},
        }
    )


def test_runs_visible_by_role(three, make_user):
    what_if = _run(
        {three.results.first().enterprise_id: {CHUYING: "fail"}}, overrides={f"{CHUYING}.revenue_min": "1"}
    )
    assert set(runs_visible_to(make_user("district_staff"))) == {three, what_if}
    assert set(runs_visible_to(make_user("town_officer", town="梅厂镇"))) == {three, what_if}
    own = three.results.first().enterprise_id
    assert list(runs_visible_to(make_user("enterprise", enterprise_uscc=own))) == [three]
    assert not runs_visible_to(make_user("department", department="区财政局")).exists()


def test_counts_are_over_the_users_jurisdiction(three, pool, make_user, monkeypatch):
    def as_dict(user: Any) -> dict[str, tuple[int, int, int]]:
        return {c.policy: (c.passed, c.failed, c.unknown) for c in run_counts(user=user, run=three)}

    assert as_dict(make_user("district_staff")) == {CHUYING: (2, 1, 0), TECH: (1, 1, 1)}
    town = make_user("town_officer", town="杨村街道")
    assert as_dict(town) == {CHUYING: (1, 1, 0), TECH: (0, 1, 1)}
    monkeypatch.setattr(selectors, "SMALL_SCOPE", 0)  # a large jurisdiction: counted by a subquery
    assert as_dict(town) == {CHUYING: (1, 1, 0), TECH: (0, 1, 1)}
    assert as_dict(make_user("town_officer", park="武清区开发区")) == {CHUYING: (0, 1, 0), TECH: (0, 0, 1)}
    assert as_dict(make_user("enterprise", enterprise_uscc=pool[2])) == {CHUYING: (1, 0, 0), TECH: (1, 0, 0)}


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


def test_policies_in_force_follow_the_dates_of_the_documents():
    assert policies_in_force(2019, date(2019, 6, 30)) == ["national.hnte.2016", "national.tech_sme.2017"]
    assert policies_in_force(2020, date(2020, 12, 31)) == [
        "national.hnte.2016",
        "national.tech_sme.2017",
        "tianjin.chuying.2019",
    ]
    assert policies_in_force(2025, date(2025, 6, 30)) == [
        "national.hnte.2016",
        "national.tech_sme.2017",
        "tianjin.chuying.2021",
        "tianjin.dengling.2021",
        "tianjin.lingjun_peiyu.2021",
        "tianjin.lingjun.2021",
    ]


def test_provisional_parts_are_listed_once_per_reason_with_what_rests_on_them():
    dengling = policy_library().get("tianjin.dengling.2021")
    items = policy_provisional(dengling)
    assert len(items) == 3
    rd = next(i for i in items if "2.5%" in i.reason)
    assert "近四年平均研发投入强度下限" in rd.what and "近四年平均研发投入强度高于2.5%（暂定）" in rd.what
    assert policy_provisional(policy_library().get("tianjin.chuying.2021")) == []


def test_a_record_is_arranged_with_units_thresholds_labels_and_reasons():
    record = {
        "uscc": "X",
        "policy": "tianjin.dengling.2021",
        "policy_label": "天津市瞪羚企业",
        "result": "fail",
        "verified": False,
        "metrics": {"rd_intensity_4y": 0.021, "revenue_cagr_3y": None},
        "criteria": [
            {
                "id": "rd_intensity",
                "label": "近四年平均研发投入强度高于2.5%（暂定）",
                "result": "fail",
                "value": 0.021,
                "threshold": 0.025,
                "op": ">",
                "unit": "%",
                "mandatory": True,
                "article": "条件三",
                "document": "津科规〔2021〕3号",
                "source": "https://i.tten.cn/",
                "verified": False,
                "explanation": "不通过：…",
                "gap": "近四年研发投入强度 2.1%，需高于 2.5%，差 0.4 个百分点以上",
                "missing": [],
            },
            {
                "id": "integrity",
                "label": "无失信",
                "result": "unknown",
                "value": None,
                "threshold": None,
                "op": None,
                "unit": None,
                "mandatory": True,
                "article": "条件二",
                "document": "津科规〔2021〕3号",
                "source": "",
                "verified": True,
                "explanation": "待补充：…",
                "gap": "",
                "missing": ["operating_revenue[2024]", "input.prohibited_sector"],
            },
        ],
        "missing": ["operating_revenue[2024]"],
    }
    view = policy_explanation(record)
    assert view.result_label == "不通过" and not view.verified and len(view.provisional) == 3
    rd, integrity = view.criteria
    assert (rd.value, rd.threshold) == ("2.1%", "> 2.5%")
    assert "暂用国家高新区瞪羚企业口径 2.5%" in rd.reason and rd.result_label == "不通过"
    assert (integrity.value, integrity.threshold) == ("—", "—")
    # an unknown input that this policy does not declare keeps the engine's label
    assert integrity.missing == ["营业收入（2024年）", "政策输入 prohibited_sector"]
    assert view.missing == ["营业收入（2024年）"]
    assert [(m.label, m.value) for m in view.metrics] == [
        ("近四年研发投入强度", "2.1%"),
        ("近三年营业收入复合增长率", "—"),
    ]
    assert view.gaps == [rd, integrity]


def test_an_enterprises_runs_are_the_newest_that_include_it(three, pool, make_user):
    later = _run({pool[0]: {CHUYING: "fail"}})
    without = _run({pool[1]: {CHUYING: "pass"}})
    staff = make_user("district_staff")
    items = enterprise_runs(
        user=staff, enterprise=three.results.get(enterprise_id=pool[0], policy=CHUYING).enterprise
    )
    assert [i.run for i in items] == [later, three]
    assert without not in [i.run for i in items]
    assert [(c.policy, c.result) for c in items[1].cells] == [(TECH, "fail"), (CHUYING, "pass")]
    assert (
        items[1].cells[0].score == Decimal("61.5") and items[1].cells[0].policy_name == "国家科技型中小企业"
    )


def test_the_progress_estimate_is_the_previous_run_on_the_same_engine(three):
    EvaluationRun.objects.filter(pk=three.pk).update(seconds=42.0)
    running = EvaluationRun.objects.create(policies=[CHUYING], year=2025, as_of=date(2025, 6, 30))
    assert run_estimate(running) == 42.0
    spark = EvaluationRun.objects.create(
        policies=[CHUYING], year=2025, as_of=date(2025, 6, 30), engine="spark"
    )
    assert run_estimate(spark) is None
