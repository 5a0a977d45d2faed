"""parse_dossier: normalisation and every check, with the exact messages a clerk reads."""

from __future__ import annotations

import copy
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from lingjun.dossier.errors import ERROR_CODES
from lingjun.dossier.schema import ANNUAL, ENTERPRISE, IP, QUALIFICATIONS
from lingjun.dossier.validate import (
    DOSSIER_KEYS,
    MSG_DATE_INVALID,
    MSG_DATE_RANGE,
    MSG_DUPLICATE_LIST_YEAR,
    MSG_DUPLICATE_YEAR,
    MSG_ENUM,
    MSG_EXPIRY_BEFORE_GRANT,
    MSG_FUTURE_DATE,
    MSG_FUTURE_YEAR,
    MSG_NEGATIVE,
    MSG_REQUIRED,
    MSG_TECH_STAFF,
    MSG_TOO_LARGE,
    MSG_TYPE_BOOL,
    MSG_TYPE_DATE,
    MSG_TYPE_INT,
    MSG_TYPE_LIST,
    MSG_TYPE_NUMBER,
    MSG_TYPE_OBJECT,
    MSG_TYPE_TEXT,
    MSG_TYPE_YEAR_LIST,
    MSG_UNKNOWN_FIELD,
    MSG_UNKNOWN_TOWN,
    MSG_YEAR_RANGE,
    FieldProblem,
    format_allowed,
    json_path,
    parse_dossier,
    plain_decimal,
)

TODAY = date(2025, 6, 30)


def _problems(obj: dict[str, Any], **kwargs: Any) -> list[FieldProblem]:
    return parse_dossier(obj, today=TODAY, **kwargs)[1]


def _only(obj: dict[str, Any], **kwargs: Any) -> FieldProblem:
    problems = _problems(obj, **kwargs)
    assert len(problems) == 1, problems
    return problems[0]


@pytest.fixture
def base(rich_dossier: Any) -> dict[str, Any]:
    return rich_dossier(1)


# ------------------------------------------------------------------------------ normalisation


def test_rich_dossier_is_valid_and_parses_to_itself(rich_dossier: Any) -> None:
    for n in range(30):
        d = rich_dossier(n)
        parsed, problems = parse_dossier(d, today=TODAY)
        assert problems == []
        assert parsed == d
        assert list(parsed) == [k for k in DOSSIER_KEYS if k in d]  # schema order


def test_json_forms_are_typed() -> None:
    obj = {
        "uscc": "91120114MA05W8KX1" + "",
        "name": "  天津示例科技有限公司 ",
        "registered_on": "2017-04-12",
        "independent_legal_person": True,
        "hightech_field": "电子信息",
        "credit": {
            "abnormal_operation": False,
            "research_misconduct_years": [],
            "major_accident_years": [2020],
        },
        "annual": [
            {
                "year": 2024,
                "operating_revenue": Decimal("3200.50"),
                "total_assets": 5100,
                "employees": "86",
                "tech_staff": 19,
            }
        ],
        "ip": [{"kind": "invention_patent", "granted_on": "2022-03-01", "valid": True, "core": True}],
    }
    from lingjun.dossier.uscc import make_uscc

    obj["uscc"] = make_uscc("91120114MA05W8KX1")
    d, problems = parse_dossier(obj, today=TODAY)
    assert problems == []
    assert d["name"] == "天津示例科技有限公司"
    assert d["registered_on"] == date(2017, 4, 12)
    assert d["credit"] == {
        "abnormal_operation": False,
        "research_misconduct_years": [],
        "major_accident_years": [2020],
    }
    row = d["annual"][0]
    assert row == {
        "year": 2024,
        "operating_revenue": Decimal("3200.50"),
        "total_assets": Decimal(5100),
        "employees": Decimal(86),
        "tech_staff": Decimal(19),
    }
    assert all(type(v) is Decimal for k, v in row.items() if k != "year")
    assert d["ip"][0]["granted_on"] == date(2022, 3, 1)


def test_absent_none_and_blank_mean_unknown(base: dict[str, Any]) -> None:
    base["park"] = None
    base["key_industry"] = "   "
    base["annual"][0]["net_profit"] = None
    base["annual"][1]["tax_paid"] = ""
    base["ip"] = []
    base["credit"] = {"abnormal_operation": None}
    d, problems = parse_dossier(base, today=TODAY)
    assert problems == []
    assert "park" not in d and "key_industry" not in d
    assert "net_profit" not in d["annual"][0] and "tax_paid" not in d["annual"][1]
    assert "ip" not in d  # an empty list section is the same as an absent one
    assert "credit" not in d  # nothing known about credit


def test_floats_from_python_callers_become_exact_decimals(base: dict[str, Any]) -> None:
    base["annual"][0]["operating_revenue"] = 3200.5
    base["annual"][0]["rd_expense"] = 0.1
    d, problems = parse_dossier(base, today=TODAY)
    assert problems == []
    assert d["annual"][0]["operating_revenue"] == Decimal("3200.5")
    assert str(d["annual"][0]["rd_expense"]) == "0.1"


def test_excel_like_forms_are_accepted(base: dict[str, Any]) -> None:
    base["listing_status"] = "科创板"  # Chinese label instead of the code
    base["independent_legal_person"] = "是"
    base["credit"] = {
        "abnormal_operation": "否",
        "serious_dishonesty": "FALSE",
        "research_misconduct_years": "无",
        "major_accident_years": "2019，2021、2022",
    }
    base["annual"][0]["year"] = "2022"
    base["annual"][0]["employees"] = " 86.5 "
    base["registered_on"] = datetime(2017, 4, 12, 0, 0)
    base["ip"][0]["kind"] = "发明专利"
    d, problems = parse_dossier(base, today=TODAY)
    assert problems == []
    assert d["listing_status"] == "star" and d["independent_legal_person"] is True
    assert d["credit"] == {
        "abnormal_operation": False,
        "serious_dishonesty": False,
        "research_misconduct_years": [],
        "major_accident_years": [2019, 2021, 2022],
    }
    assert d["annual"][0]["year"] == 2022 and d["annual"][0]["employees"] == Decimal("86.5")
    assert d["registered_on"] == date(2017, 4, 12) and type(d["registered_on"]) is date
    assert d["ip"][0]["kind"] == "invention_patent"


def test_full_width_numbers_and_dates_are_accepted(base: dict[str, Any]) -> None:
    base["annual"][0]["year"] = "２０２２"
    base["annual"][0]["operating_revenue"] = "３２００．５"
    base["annual"][0]["net_profit"] = "－１２"
    base["registered_on"] = "２０１７－０４－１２"
    d, problems = parse_dossier(base, today=TODAY)
    assert problems == []
    assert d["annual"][0]["year"] == 2022 and d["annual"][0]["operating_revenue"] == Decimal("3200.5")
    assert d["annual"][0]["net_profit"] == Decimal(-12) and d["registered_on"] == date(2017, 4, 12)


def test_every_problem_is_collected(base: dict[str, Any]) -> None:
    base["name"] = None
    base["registered_on"] = "2030-01-01"
    base["listing_status"] = "nasdaq"
    base["annual"][0]["operating_revenue"] = -5
    base["annual"][1]["tech_staff"] = Decimal(500)
    base["ip"][0]["kind"] = "patent"
    base["foo"] = 1
    codes = sorted(p.code for p in _problems(base))
    assert codes == sorted(
        [
            "required",
            "future_date",
            "enum",
            "negative",
            "tech_staff_exceeds_employees",
            "enum",
            "unknown_field",
        ]
    )


def test_problem_codes_are_documented(base: dict[str, Any]) -> None:
    broken = copy.deepcopy(base)
    broken.update(name="", town="北京", registered_on="x", annual=[{"year": 3000}, {"year": "x"}], bar=2)
    for p in _problems(broken, towns=["杨村街道"]):
        assert p.code in ERROR_CODES


# ------------------------------------------------------------------------------------- checks


def test_required_fields(base: dict[str, Any]) -> None:
    del base["name"]
    base["annual"][0]["year"] = None
    base["ip"][1]["kind"] = ""
    problems = _problems(base)
    assert [(p.path, p.code) for p in problems] == [
        (("name",), "required"),
        (("annual", 0, "year"), "required"),
        (("ip", 1, "kind"), "required"),
    ]
    assert problems[0].message == MSG_REQUIRED.format(label="企业名称") == "此项为必填项，请填写企业名称。"
    assert problems[0].label == "企业名称"


def test_invalid_value_of_a_required_field_is_not_also_reported_as_missing(base: dict[str, Any]) -> None:
    base["registered_on"] = "2017/04/12"
    p = _only(base)
    assert (p.code, p.message) == ("type", MSG_TYPE_DATE)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", 123, MSG_TYPE_TEXT),
        ("registered_on", "12/04/2017", MSG_TYPE_DATE),
        ("registered_on", "20170412", MSG_TYPE_DATE),
        ("registered_on", 20170412, MSG_TYPE_DATE),
        ("registered_on", datetime(2017, 4, 12, 9, 30), MSG_TYPE_DATE),
        ("registered_on", "2017-02-30", MSG_DATE_INVALID),
        ("independent_legal_person", "yes", MSG_TYPE_BOOL),
        ("independent_legal_person", 1, MSG_TYPE_BOOL),
    ],
)
def test_type_problems_of_enterprise_fields(
    base: dict[str, Any], field: str, value: Any, message: str
) -> None:
    base[field] = value
    p = _only(base)
    assert (p.path, p.field, p.code, p.message, p.value) == ((field,), field, "type", message, value)


@pytest.mark.parametrize("value", ["3,200.5", "3200.5万元", "abc", True, float("nan"), "Infinity", [1]])
def test_money_must_be_a_number(base: dict[str, Any], value: Any) -> None:
    base["annual"][0]["operating_revenue"] = value
    p = _only(base)
    assert p.code == "type" and p.path == ("annual", 0, "operating_revenue")
    assert p.message == MSG_TYPE_NUMBER.format(unit="（单位：万元）")
    assert "不要带单位" in p.message


@pytest.mark.parametrize("value", ["2024.5", 2024.5, Decimal("2024.1"), "二〇二四", True])
def test_int_fields_must_be_integers(base: dict[str, Any], value: Any) -> None:
    base["awards"][0]["rank"] = value
    p = _only(base)
    assert (p.code, p.path, p.message) == ("type", ("awards", 0, "rank"), MSG_TYPE_INT.format(example=1))


def test_enum_lists_the_allowed_values_with_chinese_labels(base: dict[str, Any]) -> None:
    base["ip"][0]["kind"] = "patent"
    p = _only(base)
    assert p.code == "enum" and p.label == "类别"
    allowed = format_allowed(IP.field("kind"))
    assert p.message == MSG_ENUM.format(allowed=allowed)
    assert "发明专利（invention_patent）" in p.message and "软件著作权（software_copyright）" in p.message
    # value == label: the label is shown once
    assert format_allowed(ENTERPRISE.field("hightech_field")).startswith("电子信息、生物与新医药")


def test_future_dates_are_refused_where_not_future(base: dict[str, Any]) -> None:
    base["registered_on"] = "2025-07-01"
    base["ip"][0]["granted_on"] = date(2025, 7, 1)
    base["financing"][0]["date"] = "2099-01-01"
    base["qualifications"][0]["issued_on"] = "2025-06-30"  # today itself is fine
    problems = _problems(base)
    assert [(p.path, p.code) for p in problems] == [
        (("registered_on",), "future_date"),
        (("ip", 0, "granted_on"), "future_date"),
        (("financing", 0, "date"), "future_date"),
    ]
    assert problems[0].message == MSG_FUTURE_DATE.format(today="2025-06-30")
    assert "2025-06-30" in problems[0].message


def test_expiry_dates_may_be_in_the_future(base: dict[str, Any]) -> None:
    base["ip"][0]["expires_on"] = "2045-03-01"
    assert _problems(base) == []


def test_years_are_not_after_this_year(base: dict[str, Any]) -> None:
    base["annual"][0]["year"] = 2026
    base["awards"][0]["year"] = "2030"
    base["credit"]["major_accident_years"] = [2019, 2026]
    base["conversions"][0]["year"] = 2025  # this year is fine
    problems = _problems(base)
    assert [(p.path, p.code) for p in problems] == [
        (("credit", "major_accident_years", 1), "future_date"),
        (("annual", 0, "year"), "future_date"),
        (("awards", 0, "year"), "future_date"),
    ]
    assert problems[1].message == MSG_FUTURE_YEAR.format(year=2025)


def test_implausible_years_and_dates(base: dict[str, Any]) -> None:
    base["annual"][0]["year"] = 224
    base["registered_on"] = "0217-04-12"
    problems = _problems(base)
    assert [(p.path, p.code, p.message) for p in problems] == [
        (("registered_on",), "year_range", MSG_DATE_RANGE),
        (("annual", 0, "year"), "year_range", MSG_YEAR_RANGE.format(year=2025)),
    ]


def test_negative_amounts_and_headcounts(base: dict[str, Any]) -> None:
    base["annual"][0]["operating_revenue"] = "-5"
    base["annual"][0]["employees"] = -1
    base["annual"][0]["net_profit"] = Decimal("-300")  # a loss is allowed
    base["premises"][0]["area_m2"] = -10
    base["awards"][0]["rank"] = -1
    problems = _problems(base)
    assert [(p.path[-1], p.message) for p in problems] == [
        ("operating_revenue", MSG_NEGATIVE.format(what="金额")),
        ("employees", MSG_NEGATIVE.format(what="人数")),
        ("rank", MSG_NEGATIVE.format(what="完成单位排名")),
        ("area_m2", MSG_NEGATIVE.format(what="面积")),
    ]
    assert problems[0].message == "金额不能为负数，请填写0或正数。"
    assert problems[0].value == "-5" and problems[0].code == "negative"


def test_values_too_large_for_the_table_form(base: dict[str, Any]) -> None:
    base["annual"][0]["operating_revenue"] = Decimal("1E+14")  # 10¹⁴ 万元: the first amount refused
    base["annual"][1]["operating_revenue"] = Decimal("99999999999999.9999")  # the largest accepted
    base["awards"][0]["rank"] = 2**31
    problems = _problems(base)
    assert [(p.path[-1], p.code) for p in problems] == [
        ("operating_revenue", "too_large"),
        ("rank", "too_large"),
    ]
    assert problems[0].message == MSG_TOO_LARGE.format(unit="（单位：万元）")


def test_tech_staff_may_not_exceed_employees(base: dict[str, Any]) -> None:
    row = base["annual"][2]
    row["employees"], row["tech_staff"] = Decimal("20.5"), Decimal(21)
    p = _only(base)
    assert p.code == "tech_staff_exceeds_employees" and p.path == ("annual", 2, "tech_staff")
    assert p.message == MSG_TECH_STAFF.format(tech_staff="21", employees="20.5", year=f"{row['year']}年度")
    row["tech_staff"] = Decimal("20.5")  # equal is fine
    assert _problems(base) == []
    del row["employees"]  # unknown employees: nothing to compare
    row["tech_staff"] = Decimal(500)
    assert _problems(base) == []


def test_duplicate_years(base: dict[str, Any]) -> None:
    base["annual"][2]["year"] = base["annual"][0]["year"]
    base["credit"]["research_misconduct_years"] = [2020, 2020]
    problems = _problems(base)
    year = base["annual"][0]["year"]
    assert [(p.path, p.code, p.message) for p in problems] == [
        (
            ("credit", "research_misconduct_years", 1),
            "duplicate_year",
            MSG_DUPLICATE_LIST_YEAR.format(year=2020),
        ),
        (("annual", 2, "year"), "duplicate_year", MSG_DUPLICATE_YEAR.format(year=year)),
    ]


def test_expiry_before_grant_or_issue(base: dict[str, Any]) -> None:
    base["ip"][0]["expires_on"] = "2020-01-01"
    base["qualifications"][1]["expires_on"] = date(2024, 1, 1)
    problems = _problems(base)
    assert [(p.path, p.code) for p in problems] == [
        (("ip", 0, "expires_on"), "expiry_before_grant"),
        (("qualifications", 1, "expires_on"), "expiry_before_grant"),
    ]
    granted = base["ip"][0]["granted_on"].isoformat()
    assert problems[0].message == MSG_EXPIRY_BEFORE_GRANT.format(
        label="失效日期", expires="2020-01-01", start_label="授权日期", start=granted
    )
    assert QUALIFICATIONS.field("issued_on").label in problems[1].message


def test_unknown_keys_are_refused_and_the_allowed_keys_named(base: dict[str, Any]) -> None:
    base["registered_capital"] = 100
    base["credit"]["blacklisted"] = True
    base["annual"][0]["revenue"] = 1
    problems = _problems(base)
    assert [(p.path, p.code, p.field) for p in problems] == [
        (("registered_capital",), "unknown_field", "registered_capital"),
        (("credit", "blacklisted"), "unknown_field", "blacklisted"),
        (("annual", 0, "revenue"), "unknown_field", "revenue"),
    ]
    assert problems[0].message == MSG_UNKNOWN_FIELD.format(
        key="registered_capital", where="企业档案", allowed="、".join(DOSSIER_KEYS)
    )
    assert "operating_revenue" in problems[2].message and "年度数据" in problems[2].message
    assert ANNUAL.label in problems[2].message


def test_town_must_be_one_of_the_given_towns(base: dict[str, Any], towns: tuple[str, ...]) -> None:
    assert _problems(base, towns=towns) == []
    base["town"] = "杨村镇"
    assert _problems(base) == []  # no list given: not checked
    p = _only(base, towns=towns)
    assert p.code == "unknown_town" and p.path == ("town",) and p.label == "所属镇街"
    assert p.message == MSG_UNKNOWN_TOWN.format(allowed="、".join(towns))
    assert "杨村街道" in p.message


def test_credit_year_lists(base: dict[str, Any]) -> None:
    base["credit"]["research_misconduct_years"] = [2020, "x", True]
    base["credit"]["major_accident_years"] = {"2020": 1}
    problems = _problems(base)
    assert [(p.path, p.code) for p in problems] == [
        (("credit", "research_misconduct_years", 1), "type"),
        (("credit", "research_misconduct_years", 2), "type"),
        (("credit", "major_accident_years"), "type"),
    ]
    assert problems[0].message == MSG_TYPE_YEAR_LIST


def test_structure_problems(base: dict[str, Any]) -> None:
    base["credit"] = [False]
    base["annual"] = {"year": 2024}
    base["ip"] = [base["ip"][0], "专利", None]
    problems = _problems(base)
    assert [(p.path, p.code) for p in problems] == [
        (("credit",), "type"),
        (("annual",), "type"),
        (("ip", 1), "type"),
        (("ip", 2), "type"),
    ]
    assert problems[0].message == MSG_TYPE_OBJECT
    assert problems[1].message == MSG_TYPE_LIST.format(label="年度数据")


def test_control_characters_are_refused(base: dict[str, Any]) -> None:
    base["name"] = "天津\x07示例"
    p = _only(base)
    assert p.code == "control_char"
    base["name"] = "天津\t示例\n"  # tabs and newlines inside text are fine
    assert _problems(base) == []


def test_not_a_mapping_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        parse_dossier(["x"], today=TODAY)  # type: ignore[arg-type]


def test_input_is_not_modified(base: dict[str, Any]) -> None:
    base["annual"][0]["operating_revenue"] = "100.50"
    before = copy.deepcopy(base)
    parse_dossier(base, today=TODAY)
    assert base == before


# ------------------------------------------------------------------------------------ helpers


def test_json_path() -> None:
    assert json_path(("uscc",)) == "uscc"
    assert json_path(("annual", 2, "operating_revenue")) == "annual[2].operating_revenue"
    assert json_path(("credit", "major_accident_years", 1)) == "credit.major_accident_years[1]"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("3200.50", "3200.5"),
        ("100.0", "100"),
        ("1E+2", "100"),
        ("0.000", "0"),
        ("-0.0", "0"),
        ("-12.750", "-12.75"),
        ("0.0001", "0.0001"),
        ("1.5E-7", "0.00000015"),
        ("12345678901234567890.123", "12345678901234567890.123"),
    ],
)
def test_plain_decimal(value: str, text: str) -> None:
    assert plain_decimal(Decimal(value)) == text


def test_problem_locates_its_section() -> None:
    p = FieldProblem(("annual", 3, "year"), "year", "年度", 1, "m", "type")
    assert p.section is ANNUAL and p.row_index == 3 and p.json_path == "annual[3].year"
    p = FieldProblem(("credit", "major_accident_years", 1), "major_accident_years", "", 1, "m", "type")
    assert p.section is ENTERPRISE and p.row_index is None
    p = FieldProblem(("uscc",), "uscc", "", 1, "m", "type")
    assert p.section is ENTERPRISE and p.row_index is None


# ------------------------------------------------------------------- lengths and invisible text


def test_every_text_field_has_a_maximum_length() -> None:
    from lingjun.dossier.schema import SECTIONS

    texts = [(s.key, f.name, f.max_length) for s in SECTIONS for f in s.fields if f.type == "str"]
    assert texts and all(length > 0 for _s, _f, length in texts), texts
    assert ENTERPRISE.field("uscc").max_length == 18


def test_text_longer_than_its_field_is_refused_and_the_value_cut(base: dict[str, Any]) -> None:
    from lingjun.dossier.errors import MAX_PROBLEM_VALUE, LongText
    from lingjun.dossier.schema import LIST_SECTIONS
    from lingjun.dossier.validate import MSG_TOO_LONG

    base["name"] = "甲" * 200  # exactly the maximum is fine
    assert _problems(base) == []
    base["name"] = "甲" * 300
    p = _only(base)
    assert (p.path, p.code) == (("name",), "too_long")
    assert p.message == MSG_TOO_LONG.format(length=300, max=200)
    assert p.message == "内容过长：共300个字符，最多200个字符，请删减。"
    huge = "乙" * 1_000_000
    base["name"] = huge
    p = _only(base)
    assert isinstance(p.value, LongText) and len(p.value) == MAX_PROBLEM_VALUE
    assert p.value.length == 1_000_000
    assert (
        p.to_error(sheet="a.jsonl", row=1, column="name", source="jsonl")
        .as_dict()["value"]
        .endswith("…（共1000000个字符）")
    )
    # every text field of every section, on its own
    for section in (ENTERPRISE, *LIST_SECTIONS):
        for spec in section.fields:
            if spec.type != "str" or spec.name == "uscc":
                continue
            d = copy.deepcopy(base)
            d["name"] = "天津示例科技有限公司"
            if section is ENTERPRISE:
                d[spec.name] = "x" * (spec.max_length + 1)
                path: tuple[Any, ...] = (spec.name,)
            else:
                d.setdefault(section.key, [{}])[0][spec.name] = "x" * (spec.max_length + 1)
                path = (section.key, 0, spec.name)
            problems = [p for p in _problems(d) if p.code == "too_long"]
            assert [p.path for p in problems] == [path], (section.key, spec.name)


@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\u2066", "\u061c", "\u200f", "\ufeff", "\u200d"])
def test_bidirectional_and_zero_width_characters_are_refused(base: dict[str, Any], char: str) -> None:
    base["name"] = f"天津{char}示例科技有限公司"
    p = _only(base)
    assert p.code == "invisible_char" and p.path == ("name",)
    assert f"第3个字符是不可见的格式字符（U+{ord(char):04X}" in p.message
    base["name"] = "天津示例科技有限公司"
    base["ip"][0]["title"] = char + "软件"
    assert _only(base).path == ("ip", 0, "title")


def test_codes_are_nfkc_and_names_keep_their_full_width_brackets(base: dict[str, Any]) -> None:
    base["industry_code"] = "Ｃ３５６２"  # typed with a Chinese input method
    base["name"] = "天津示例科技有限公司（有限合伙）"
    base["ip"][0]["number"] = "ＺＬ２０２１１"
    decomposed = "Cafe\u0301科技有限公司"  # e + combining acute: NFC makes one character
    base["key_industry"] = decomposed
    parsed, problems = parse_dossier(base, today=TODAY)
    assert problems == []
    assert parsed["industry_code"] == "C3562"
    assert parsed["ip"][0]["number"] == "ZL20211"
    assert parsed["name"] == "天津示例科技有限公司（有限合伙）"
    assert parsed["key_industry"] == "Café科技有限公司"
    assert parse_dossier(parsed, today=TODAY) == (parsed, [])
