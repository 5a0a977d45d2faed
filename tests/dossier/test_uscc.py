"""统一社会信用代码: the GB 32100-2015 check character, and how validation reports bad codes."""

from __future__ import annotations

from datetime import date

import pytest

from lingjun.dossier.uscc import (
    CHARSET,
    WUQING_AREA_CODE,
    check_character,
    is_valid_uscc,
    make_uscc,
    uscc_problem,
)
from lingjun.dossier.validate import MSG_USCC, parse_dossier

TODAY = date(2025, 6, 30)

#: 17-character bodies: Wuqing companies (area code 120114), another district, an institution
BODIES = (
    "91120114MA05W8KX1",  # 武清区, enterprise (9 = 工商, 1 = 企业)
    "91120114300583622",  # 武清区, older numeric organisation code
    "92120114MA06N2Q7X",  # 武清区, 个体工商户
    "91120222MA05XA3L7",  # 天津市武清区's former county code
    "12100000400000624",  # a public institution (事业单位)
)
VALID = tuple(make_uscc(b) for b in BODIES)


def _minimal(code: object) -> dict[str, object]:
    return {"uscc": code, "name": "天津测试科技有限公司", "registered_on": "2018-04-12"}


def test_valid_codes_pass() -> None:
    for code in VALID:
        assert len(code) == 18
        assert uscc_problem(code) is None, code
        assert is_valid_uscc(code)
        dossier, problems = parse_dossier(_minimal(code), today=TODAY)
        assert problems == [] and dossier["uscc"] == code


def test_wuqing_code_carries_the_area_code() -> None:
    code = VALID[0]
    assert code.startswith("91" + WUQING_AREA_CODE)
    assert code[2:8] == WUQING_AREA_CODE


def test_check_character_is_the_weighted_sum_mod_31() -> None:
    # independent re-computation of the standard's formula
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    for body in BODIES:
        total = sum(CHARSET.index(c) * w for c, w in zip(body, weights, strict=True))
        assert check_character(body) == CHARSET[(31 - total % 31) % 31]


def test_every_single_character_corruption_is_refused() -> None:
    """Acceptance point: for every valid code, every position, every other charset character."""
    checked = 0
    for code in VALID:
        for position in range(18):
            for char in CHARSET:
                if char == code[position]:
                    continue
                corrupted = code[:position] + char + code[position + 1 :]
                problem = uscc_problem(corrupted)
                assert problem is not None, f"{corrupted} (position {position + 1}) was accepted"
                assert "校验位错误" in problem
                checked += 1
    assert checked == len(VALID) * 18 * 30


def test_corruptions_are_reported_by_validation_with_code_uscc_check() -> None:
    code = VALID[0]
    codes = set()
    for position in range(18):
        for char in CHARSET:
            if char == code[position]:
                continue
            corrupted = code[:position] + char + code[position + 1 :]
            _, problems = parse_dossier(_minimal(corrupted), today=TODAY)
            assert [p.path for p in problems] == [("uscc",)], corrupted
            codes.add(problems[0].code)
    assert codes == {"uscc_check"}


def test_wrong_check_character_message_names_the_expected_one() -> None:
    code = VALID[0]
    wrong = "0" if code[17] != "0" else "1"
    _, problems = parse_dossier(_minimal(code[:17] + wrong), today=TODAY)
    (problem,) = problems
    expected = f"统一社会信用代码校验位错误：第18位应为“{code[17]}”，实际为“{wrong}”"
    assert problem.message == MSG_USCC.format(problem=expected)
    assert problem.message.endswith("。请对照营业执照核对统一社会信用代码。")
    assert problem.code == "uscc_check" and problem.value == code[:17] + wrong


@pytest.mark.parametrize("length", [0, 1, 17, 19, 20])
def test_wrong_length_is_refused_with_the_documented_message(length: int) -> None:
    code = (VALID[0] * 2)[:length]
    assert uscc_problem(code) == f"统一社会信用代码应为18位，实际为{length}位"
    if length:
        _, problems = parse_dossier(_minimal(code), today=TODAY)
        assert [(p.code, p.message) for p in problems] == [
            ("uscc_length", MSG_USCC.format(problem=f"统一社会信用代码应为18位，实际为{length}位"))
        ]


@pytest.mark.parametrize("bad", ["I", "O", "Z", "S", "V", "-", "我"])
def test_characters_outside_the_charset_are_refused(bad: str) -> None:
    code = VALID[0][:5] + bad + VALID[0][6:]
    expected = f"统一社会信用代码含非法字符“{bad}”（只允许数字和除I、O、Z、S、V外的大写字母）"
    assert uscc_problem(code) == expected
    _, problems = parse_dossier(_minimal(code), today=TODAY)
    assert [(p.code, p.message) for p in problems] == [("uscc_charset", MSG_USCC.format(problem=expected))]


def test_non_string_is_a_type_problem() -> None:
    assert uscc_problem(911201140000000000) == "统一社会信用代码应为18位字符串"
    _, problems = parse_dossier(_minimal(911201140000000000), today=TODAY)
    assert [p.code for p in problems] == ["type"]


def test_lower_case_full_width_and_spaces_are_normalised() -> None:
    code = VALID[0]
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)  # ９１１２…
    for variant in (code.lower(), f"  {code} ", full_width):
        assert uscc_problem(variant) is not None  # the contract function itself is strict
        dossier, problems = parse_dossier(_minimal(variant), today=TODAY)
        assert problems == [] and dossier["uscc"] == code


def test_missing_uscc_is_required() -> None:
    for value in (None, "", "   "):
        _, problems = parse_dossier(_minimal(value), today=TODAY)
        assert [(p.path, p.code) for p in problems] == [(("uscc",), "required")]
