"""The strict policy loader: the broken-file corpus, the packaged library and its metadata."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from lingjun.rules import PolicyError, RulesError, load_library
from lingjun.rules.errors import TEMPLATES, UNKNOWN_POLICY
from lingjun.rules.loader import load_policy_text

BROKEN = sorted((Path(__file__).parent / "broken").glob("*.yaml"))


def _header(path: Path, key: str) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"# {key}: "):
            return line.split(": ", 1)[1]
    raise AssertionError(f"{path.name} has no '# {key}:' header line")


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_file_is_refused_with_its_message(path: Path) -> None:
    with pytest.raises(PolicyError) as info:
        load_policy_text(path.read_text(encoding="utf-8"), f"broken/{path.name}")
    assert info.value.code == _header(path, "expect")
    assert info.value.message == _header(path, "message")


def test_every_loader_error_kind_has_a_broken_file() -> None:
    loader_codes = list(TEMPLATES)[: list(TEMPLATES).index("unknown_policy")]
    covered = {_header(p, "expect") for p in BROKEN}
    assert set(loader_codes) - covered == set()


def test_messages_name_file_line_and_key() -> None:
    for path in BROKEN:
        message = _header(path, "message")
        assert message.startswith(f"broken/{path.name}:"), message
        assert message.split(":")[1].isdigit(), message


def test_packaged_library_has_the_stable_policy_ids() -> None:
    lib = load_library()
    assert set(lib.policies) == {
        "national.hnte.2016",
        "national.tech_sme.2017",
        "tianjin.chuying.2021",
        "tianjin.chuying.2019",
        "tianjin.dengling.2021",
        "tianjin.lingjun_peiyu.2021",
        "tianjin.lingjun.2021",
    }
    tech = lib.get("national.tech_sme.2017")
    assert [i.id for i in tech.indicators] == ["tech_staff", "rd_investment", "ip"]
    hnte = lib.get("national.hnte.2016")
    assert {m.id for m in hnte.metrics} >= {"net_asset_growth_rate", "sales_growth_rate", "rd_intensity_3y"}
    assert {b.id for b in hnte.bands} >= {"net_asset_growth", "sales_growth"}


def test_policy_in_force_is_chosen_by_date() -> None:
    lib = load_library()
    assert lib.in_force("tianjin.chuying", 2020).id == "tianjin.chuying.2019"
    assert lib.in_force("tianjin.chuying", 2022).id == "tianjin.chuying.2021"
    assert lib.in_force("tianjin.chuying", 2021, on=date(2021, 3, 1)).id == "tianjin.chuying.2019"
    assert lib.in_force("tianjin.chuying", 2021, on=date(2021, 7, 9)).id == "tianjin.chuying.2021"
    with pytest.raises(RulesError) as info:
        lib.in_force("tianjin.chuying", 2018)
    assert info.value.code == "no_policy_in_force"


def test_unknown_policy_names_the_known_ones() -> None:
    with pytest.raises(RulesError) as info:
        load_library().get("tianjin.chuying.2030")
    assert info.value.code == "unknown_policy"
    assert info.value.message == UNKNOWN_POLICY.format(
        policy="tianjin.chuying.2030", allowed="、".join(sorted(load_library().policies))
    )


def test_every_criterion_is_cited() -> None:
    for policy in load_library().policies.values():
        for c in policy.criteria:
            where = f"{policy.id}.{c.id}"
            assert c.label and c.cite.article and c.cite.document and c.cite.source.startswith("http"), where
            assert c.cite.effective_from <= date(2024, 1, 1), where
            if not c.verified:
                assert c.cite.provisional_reason, where


def test_what_was_not_found_is_provisional() -> None:
    lib = load_library()
    dengling = lib.get("tianjin.dengling.2021")
    assert {c.id for c in dengling.criteria if not c.verified} == {
        "rd_intensity",
        "revenue_growth",
        "first_year_revenue",
    }
    assert {c.id for c in dengling.criteria if c.verified} == {
        "registered_tianjin",
        "independent",
        "integrity",
    }
    for pid in ("tianjin.lingjun.2021", "tianjin.lingjun_peiyu.2021"):
        p = lib.get(pid)
        assert [c.id for c in p.criteria if not c.verified] == ["other_conditions"]
        assert "原文未找到" in p.criterion("other_conditions").cite.provisional_reason
    for pid in (
        "national.hnte.2016",
        "national.tech_sme.2017",
        "tianjin.chuying.2021",
        "tianjin.chuying.2019",
    ):
        assert all(c.verified for c in lib.get(pid).criteria), pid


def test_parameters_are_dated_values() -> None:
    p = load_library().get("tianjin.chuying.2021").parameters["revenue_min"]
    assert p.at(date(2024, 1, 1)) == Decimal(10)
    with pytest.raises(RulesError) as info:
        p.at(date(2020, 1, 1))
    assert info.value.code == "param_no_value"


def test_a_future_change_is_data(tmp_path: Path) -> None:
    source = load_library().root / "jinkegui-2021-3" / "chuying.yaml"  # type: ignore[operator]
    text = source.read_text(encoding="utf-8").replace(
        "      2021-07-09: 10\n", "      2021-07-09: 10\n      2026-01-01: 20\n", 1
    )
    policy = load_policy_text(text, "chuying.yaml")
    assert policy.parameters["revenue_min"].at(date(2025, 12, 31)) == 10
    assert policy.parameters["revenue_min"].at(date(2026, 1, 1)) == 20


def test_rules_never_import_django() -> None:
    code = (
        "import sys, lingjun.rules, lingjun.rules.reference, lingjun.rules.output;"
        "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')], 'django imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


HNTE_GUIDE = "国科发火〔2016〕195号"  # 《高新技术企业认定管理工作指引》


def test_hnte_items_from_the_work_guide_cite_the_work_guide() -> None:
    """Bug: the 工作指引's scoring items were cited as 国科发火〔2016〕32号 (the 办法 itself)."""
    hnte = load_library().get("national.hnte.2016")
    guide = {
        **{f"param.{p.name}": p.document for p in hnte.parameters.values() if "创新能力评价" in p.article},
        **{f"input.{i.name}": i.document for i in hnte.inputs.values()},
        **{f"metric.{m.id}": m.cite.document for m in hnte.metrics if "创新能力评价" in m.cite.article},
        **{f"indicator.{i.id}": i.cite.document for i in hnte.indicators},
        **{f"band.{b.id}": b.cite.document for b in hnte.bands},
        **{c.id: c.cite.document for c in hnte.criteria if "创新能力评价" in c.cite.article},
    }
    assert set(guide) >= {
        "param.growth_scale",
        "param.ip_quantity_scale",
        "param.conversion_scale",
        "input.growth_points",
        "metric.net_asset_growth_rate",
        "metric.conversions_avg_3y",
        "indicator.management",
        "band.sales_growth",
        "growth_points_in_range",
        "conversion_points_in_range",
    }
    assert set(guide.values()) == {HNTE_GUIDE}
    # the eight conditions of 第十一条 stay with the 办法
    article_11 = {c.id: c.cite.document for c in hnte.criteria if c.cite.article.startswith("第十一条")}
    assert len(article_11) == 9 and set(article_11.values()) == {"国科发火〔2016〕32号"}
    for policy in load_library().policies.values():  # nothing else names the guide under 32号
        for p in policy.parameters.values():
            assert "工作指引" not in p.article or p.document == HNTE_GUIDE, f"{policy.id}.{p.name}"


def test_a_parameter_or_input_without_its_own_document_cites_the_policys() -> None:
    tech = load_library().get("national.tech_sme.2017")
    assert {p.document for p in tech.parameters.values()} == {"国科发政〔2017〕115号"}
    assert {i.document for i in tech.inputs.values()} == {"国科发政〔2017〕115号"}


DOC_POLICY = """policy:
  id: test.doc.2024
  family: test.doc
  label: 测试
  document: 测试〔2024〕1号
  title: 测试政策
  source: https://example.invalid/
  effective: {from: 2024-01-01}
  verified: true
parameters:
  a_min:
    label: 甲下限
    document: 测试〔2024〕2号
    values: {2024-01-01: 1}
inputs:
  b:
    label: 乙
    type: bool
    document: 测试〔2024〕3号
criteria:
  - id: a
    label: 甲
    article: 第一条
    test: operating_revenue[-1] >= param.a_min and input.b == True
"""


def test_a_parameter_and_an_input_carry_their_own_document() -> None:
    policy = load_policy_text(DOC_POLICY, "t.yaml")
    assert policy.parameters["a_min"].document == "测试〔2024〕2号"
    assert policy.inputs["b"].document == "测试〔2024〕3号"


@pytest.mark.parametrize(
    ("old", "new", "code", "message"),
    [
        (
            "    document: 测试〔2024〕2号",
            '    document: ""',
            "bad_value",
            "t.yaml:13: 键“document”的取值“”无效：应写明文号，如 国科发火〔2016〕195号（bad value）",
        ),
        (
            "    document: 测试〔2024〕3号",
            "    document: [测试〔2024〕3号]",
            "bad_type",
            "t.yaml:19: 键“document”应为单个取值，实际为“列表”（bad type）",
        ),
        (
            "    article: 第一条",
            "    article: 第一条\n    document: '  '",
            "bad_value",
            "t.yaml:24: 键“document”的取值“”无效：应写明文号，如 国科发火〔2016〕195号（bad value）",
        ),
        (
            "    document: 测试〔2024〕3号",
            "    documents: 测试〔2024〕3号",
            "unknown_key",
            "t.yaml:19: 未知的键“documents”",
        ),
    ],
)
def test_a_rules_own_document_is_checked_strictly(old: str, new: str, code: str, message: str) -> None:
    assert old in DOC_POLICY
    with pytest.raises(PolicyError) as info:
        load_policy_text(DOC_POLICY.replace(old, new), "t.yaml")
    assert info.value.code == code
    assert info.value.message.startswith(message)
