"""Support measures as policy data (扶持措施): the strict loader, the packaged district programme,
whole-pool eligibility (three-valued) and exact amounts in fen."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from tests.rules.randomdata import random_dossier

from lingjun.rules import PolicyError, evaluate_dossiers
from lingjun.rules.measures import (
    TIER_FAMILIES,
    combine,
    default_measures,
    evaluate_measures,
    load_measures,
    load_measures_text,
    measure_policies,
)
from lingjun.rules.spec import RunSpec

BROKEN = sorted((Path(__file__).parent / "broken_measures").glob("*.yaml"))


def _header(path: Path, key: str) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"# {key}: "):
            return line.split(": ", 1)[1]
    raise AssertionError(f"{path.name} has no '# {key}:' header line")


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_measures_file_is_refused_with_its_message(path: Path) -> None:
    with pytest.raises(PolicyError) as info:
        load_measures_text(path.read_text(encoding="utf-8"), f"broken_measures/{path.name}")
    assert info.value.code == _header(path, "expect")
    assert info.value.message == _header(path, "message")
    assert info.value.message.startswith(f"broken_measures/{path.name}:")


def test_the_policy_library_does_not_read_measures_files_as_policies() -> None:
    from lingjun.rules import load_library

    assert not [p for p in load_library().policies if p.startswith("wuqing.")]
    assert set(load_measures()) == {"wuqing.funds.2019"}


def test_packaged_district_measures_hold_the_issue_list() -> None:
    ms = default_measures()
    ids = {m.id for m in ms.measures}
    assert {
        "chuying_loan_reward",
        "dengling_entry_reward",
        "dengling_rent_subsidy",
        "dengling_purchase_subsidy",
        "listing_grant",
        "shareholding_reform_reward",
        "district_matching",
        "rd_post_subsidy",
        "national_award_reward",
        "tianjin_award_reward",
        "instrument_manager_reward",
        "event_organiser_subsidy",
    } <= ids
    loan = ms.get("chuying_loan_reward")
    assert loan.verified and loan.once == "per_firm" and loan.tier_codes == {"chuying"}
    assert ms.parameters["chuying_loan_reward"].at(date(2024, 1, 1)) == Decimal(5)
    assert ms.parameters["loan_balance_min"].at(date(2024, 1, 1)) == Decimal(50)
    assert "low_risk=False" in loan.policy.criteria[0].text
    entry = ms.get("dengling_entry_reward")
    assert entry.once == "first_time" and entry.cap == "dengling_entry_cap"
    assert not entry.verified and "20万元" in entry.provisional_reason
    assert ms.parameters["rent_share"].at(date(2024, 1, 1)) == Decimal("0.5")
    assert ms.parameters["purchase_per_m2"].at(date(2024, 1, 1)) == Decimal(2000)
    assert ms.get("dengling_purchase_subsidy").unit == "元"
    assert ms.parameters["listing_grant"].at(date(2024, 1, 1)) == Decimal(500)
    assert not ms.get("shareholding_reform_reward").verified
    matching = ms.get("district_matching")
    assert matching.matching_percent == "district_match_pct" and matching.source == "district"
    # every amount not found in the sources is a provisional parameter with its reason
    for p in ms.provisional_parameters():
        assert p.provisional_reason


TEST_MEASURES = """
measures_document:
  id: test.funds.2024
  label: 测试
  document: 测试〔2024〕1号
  title: 测试措施
  source: https://example.invalid/
  effective: {from: 2024-01-01}
  verified: true
parameters:
  reward: {label: 奖励, unit: 万元, values: {2024-01-01: 5}}
  share: {label: 比例, values: {2024-01-01: 0.5}}
  cap: {label: 上限, unit: 万元, values: {2024-01-01: 1}}
  pct: {label: 配套比例, values: {2024-01-01: 100}, verified: false, provisional_reason: 未找到}
inputs:
  rent: {label: 年租金, type: number, unit: 万元}
  city_reward: {label: 市级奖励, type: number, unit: 万元}
measures:
  - id: loan
    label: 贷款奖励
    article: 第一条
    source: city
    conditions:
      - id: loan
        label: 合格贷款
        test: count_financing(kind="bank_loan", low_risk=False, min_daily_avg_balance=50) >= 1
    amount: param.reward
    once: per_firm
  - id: rent
    label: 租房补贴
    article: 第二条
    source: district
    amount: input.rent * param.share
    cap: param.cap
    once: per_year
  - id: matching
    label: 配套
    article: 第三条
    source: district
    conditions:
      - {id: got, label: 获得市级奖励, test: input.city_reward > 0}
    amount: input.city_reward
    matching_percent: param.pct
    once: per_year
"""


def _firm(uscc: str, financing: list[dict[str, object]]) -> dict[str, object]:
    return {
        "uscc": uscc,
        "name": f"企业{uscc[-2:]}",
        "registered_on": date(2020, 1, 1),
        "province": "天津市",
        "city": "天津市",
        "district": "武清区",
        "financing": financing,
    }


def test_eligibility_is_three_valued_and_amounts_exact_in_fen() -> None:
    ms = load_measures_text(TEST_MEASURES, "test.measures.yaml")
    assert not ms.get("matching").verified  # a provisional percentage makes the measure provisional
    loan = {
        "kind": "bank_loan",
        "date": date(2023, 5, 1),
        "amount": Decimal(100),
        "daily_avg_balance_12m": Decimal(60),
    }
    firms = [
        _firm("911201140000000001", [{**loan, "low_risk": False}]),  # eligible
        _firm("911201140000000014", [{**loan, "low_risk": True}]),  # low-risk: not eligible
        _firm("911201140000000027", [{**loan, "low_risk": None}]),  # unknown
        _firm(
            "911201140000000030", [{**loan, "low_risk": False, "daily_avg_balance_12m": Decimal("49.9999")}]
        ),
    ]
    inputs = pa.table(
        {
            "uscc": [f["uscc"] for f in firms],
            "rent": [Decimal("1.2345"), Decimal("3"), None, Decimal("0.0001")],
            "city_reward": [Decimal("20"), Decimal("0"), None, Decimal("0.3333")],
        }
    )
    me = evaluate_measures(
        dossiers=firms, measures=ms, year=2024, as_of=date(2024, 6, 1), inputs_table=inputs
    )
    rows = {(r["uscc"][-2:], r["measure"]): r for r in me.table.to_pylist()}
    assert rows[("01", "loan")]["eligible"] is True and rows[("01", "loan")]["amount_fen"] == 5_000_000
    assert ("14", "loan") not in rows  # surely ineligible rows are left out
    assert rows[("27", "loan")]["eligible"] is None
    assert ("30", "loan") not in rows
    # 1.2345 万元 × 0.5 = 6172.5 元; 3 万元 × 0.5 capped at 1 万元; unknown rent → unknown amount
    assert rows[("01", "rent")]["amount_fen"] == 617_250
    assert rows[("14", "rent")]["amount_fen"] == 1_000_000
    assert rows[("27", "rent")]["amount_fen"] is None
    assert rows[("30", "rent")]["amount_fen"] == 50  # 0.0001 万元 × 0.5 = 0.5 元
    assert (
        rows[("01", "matching")]["amount_fen"] == 20_000_000 and rows[("01", "matching")]["verified"] is False
    )
    assert ("14", "matching") not in rows
    assert rows[("30", "matching")]["amount_fen"] == 333_300
    assert me.eligible_pairs() >= {("911201140000000001", "loan")}
    detail = {d["measure"]: d for d in me.explain("911201140000000027")}
    assert detail["loan"]["eligible"] is None
    assert detail["loan"]["missing"], "an unknown measure says what is missing"
    assert "需补充材料" in detail["loan"]["explanation"]
    assert detail["matching"]["amount"] is None
    # what to supply, in words: a loan's 低风险 flag; the input's own label
    assert detail["loan"]["missing_labels"] == ["融资（连续12个月日均贷款余额、低风险业务）"]
    assert detail["matching"]["missing_labels"] == ["市级奖励"]


def test_whole_pool_eligibility_is_the_tier_outcome_and_the_conditions() -> None:
    """Over random dossiers: eligible == Kleene AND of the tier expression (the tier policies'
    outcomes) and the measure's own conditions, as the per-record results say."""
    rng = random.Random(14)
    year, as_of = 2024, date(2024, 6, 1)
    dossiers = [random_dossier(rng, i, year) for i in range(400)]
    ms = default_measures()
    me = evaluate_measures(dossiers=dossiers, measures=ms, year=year, as_of=as_of)
    spec = RunSpec.of(measure_policies(ms, year, as_of), year=year, as_of=as_of)
    records = evaluate_dossiers(dossiers, spec=spec).to_records()
    outcome = {(r["uscc"], r["policy"]): r["result"] for r in records}
    got = {(r["uscc"], r["measure"]): r["eligible"] for r in me.table.to_pylist()}
    v = {"pass": True, "fail": False, "unknown": None}
    fam_id = {p.family: p.id for p in spec.policies}

    def kleene(node: object, uscc: str) -> bool | None:
        import ast

        if isinstance(node, ast.Name):
            return v[outcome[(uscc, fam_id[TIER_FAMILIES[node.id]])]]
        if isinstance(node, ast.UnaryOp):
            x = kleene(node.operand, uscc)
            return None if x is None else not x
        assert isinstance(node, ast.BoolOp)
        vals = [kleene(n, uscc) for n in node.values]
        if isinstance(node.op, ast.And):
            return False if False in vals else (None if None in vals else True)
        return True if True in vals else (None if None in vals else False)

    expected = {}
    for d in dossiers:
        u = str(d["uscc"])
        for m in ms.measures:
            own = v[outcome[(u, m.policy.id)]]
            tier = True if m.tiers is None else kleene(m.tiers, u)
            e = False if False in (tier, own) else (None if None in (tier, own) else True)
            if e is not False:
                expected[(u, m.id)] = e
    assert got == expected
    assert any(e is True for e in got.values()) and any(e is None for e in got.values())


def test_combine_reuses_an_evaluation() -> None:
    rng = random.Random(3)
    dossiers = [random_dossier(rng, i, 2024) for i in range(50)]
    ms = default_measures()
    spec = RunSpec.of(measure_policies(ms, 2024, date(2024, 6, 1)), year=2024, as_of=date(2024, 6, 1))
    ev = evaluate_dossiers(dossiers, spec=spec)
    a = combine(ev, ms, year=2024, as_of=date(2024, 6, 1))
    b = evaluate_measures(dossiers=dossiers, measures=ms, year=2024, as_of=date(2024, 6, 1))
    assert a.table.sort_by([("uscc", "ascending"), ("measure", "ascending")]).equals(
        b.table.sort_by([("uscc", "ascending"), ("measure", "ascending")])
    )


def test_keep_unknown_false_keeps_exactly_the_eligible_rows() -> None:
    rng = random.Random(5)
    dossiers = [random_dossier(rng, i, 2024) for i in range(150)]
    full = evaluate_measures(dossiers=dossiers, year=2024, as_of=date(2024, 6, 1))
    lean = evaluate_measures(dossiers=dossiers, year=2024, as_of=date(2024, 6, 1), keep_unknown=False)
    order = [("uscc", "ascending"), ("measure", "ascending")]
    assert lean.table.sort_by(order).equals(full.eligible().sort_by(order))
    assert full.table.num_rows > lean.table.num_rows > 0
    # an enterprise's explanation does not depend on which rows the table kept
    uscc = lean.table["uscc"][0].as_py()
    assert [d["eligible"] for d in lean.explain(uscc)] == [d["eligible"] for d in full.explain(uscc)]
