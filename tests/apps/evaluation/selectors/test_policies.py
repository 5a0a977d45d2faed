"""The policy library as the evaluation pages show it."""

from __future__ import annotations

from datetime import date

from lingjun.apps.evaluation.selectors.policies import policies_in_force, policy_library, policy_provisional


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
