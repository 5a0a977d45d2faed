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
