"""Fixtures of the dossier tests: a fixed "today" and a builder of rich, valid dossiers.

``rich_dossier(n)`` fills *every* field of *every* section (several rows per list section,
class I and class II IP, a loss year, fractional head counts, texts with quotes, backslashes and
a leading ``=``), deterministically from ``n``. It returns a *normalised* dossier: what
:func:`lingjun.dossier.validate.parse_dossier` returns, so ``parse_dossier(d) == (d, [])``.
Other tests reuse it through the ``rich_dossier`` fixture (which returns the builder).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import strategies as st

from lingjun.dossier.divisions import towns as division_towns
from lingjun.dossier.schema import CREDIT_FIELDS, ENTERPRISE, LIST_SECTIONS, FieldSpec
from lingjun.dossier.uscc import make_uscc
from lingjun.dossier.validate import NFKC_FIELDS

#: the fixed "today" of the dossier tests
TODAY = date(2025, 6, 30)

TOWNS: tuple[str, ...] = tuple(t.name for t in division_towns())

_FIELDS = ("电子信息", "生物与新医药", "新材料", "先进制造与自动化", "新能源与节能")
_LISTING = ("none", "neeq", "star", "chinext", "bse", "main_board", "overseas")


def wuqing_uscc(n: int) -> str:
    """A valid USCC of a Wuqing company (area code 120114), different for each ``n``."""
    return make_uscc(f"91120114MA{n:07d}")


def rich_dossier(n: int = 0, *, today: date = TODAY) -> dict[str, Any]:
    """A valid normalised dossier with every section and every field filled."""
    last = today.year - 1
    rev = Decimal(3200 + n % 997) + Decimal("0.5")
    d: dict[str, Any] = {
        "uscc": wuqing_uscc(n),
        "name": f"天津领军示例{n}号科技有限公司",
        "registered_on": date(2010 + n % 10, 1 + n % 12, 1 + n % 28),
        "province": "天津市",
        "city": "天津市",
        "district": "武清区",
        "town": TOWNS[n % len(TOWNS)],
        "park": "京滨工业园",
        "independent_legal_person": True,
        "industry_code": "C3562",
        "hightech_field": _FIELDS[n % len(_FIELDS)],
        "key_industry": "智能制造",
        "listing_status": _LISTING[n % len(_LISTING)],
        "credit": {
            "abnormal_operation": False,
            "serious_dishonesty": n % 50 == 7,
            "research_misconduct_years": [],
            "major_accident_years": [last - 5, last - 4],
        },
        "annual": [
            {
                "year": year,
                "operating_revenue": rev + k * 100,
                "sales_revenue": rev + k * 100 - Decimal("12.25"),
                "hightech_revenue": Decimal("2100.75") + k,
                "total_assets": Decimal(5100 + k * 300),
                "total_liabilities": Decimal("2300.0001"),
                "total_cost_expense": Decimal("2900.1"),
                "rd_expense": Decimal("210.4") + k,
                "rd_expense_domestic": Decimal("200"),
                "net_profit": Decimal("-12.75") if k == 0 else Decimal("88.125"),
                "tax_paid": Decimal("45.6"),
                "employees": Decimal("86.5") + k,
                "tech_staff": Decimal(19 + k),
            }
            for k, year in enumerate((last - 2, last - 1, last))
        ],
        "ip": [
            {
                "kind": "invention_patent",
                "number": f"ZL2020{n:08d}.X",
                "title": "一种“智能”传感器及其制造方法",
                "granted_on": date(last - 2, 3, 1),
                "expires_on": date(last + 17, 3, 1),
                "valid": True,
                "core": True,
                "acquired_by": "own",
            },
            {
                "kind": "utility_model",
                "number": f"ZL2021{n:08d}.5",
                "title": "路径C:\\data\\设备",
                "granted_on": date(last - 1, 7, 15),
                "expires_on": date(last + 9, 7, 15),
                "valid": True,
                "core": False,
                "acquired_by": "transfer",
            },
            {
                "kind": "software_copyright",
                "number": f"2022SR{n:07d}",
                "title": "=领军管理软件V1.0",
                "granted_on": date(last, 1, 10),
                "valid": False,
                "core": False,
                "acquired_by": "merger",
            },
        ],
        "qualifications": [
            {
                "kind": "hnte",
                "level": "national",
                "number": f"GR{last}12000{n:04d}",
                "issued_on": date(last - 1, 11, 20),
                "expires_on": date(last + 2, 11, 19),
            },
            {
                "kind": "tech_sme",
                "level": "municipal",
                "number": f"{last}120114A{n:05d}",
                "issued_on": date(last, 5, 1),
                "expires_on": date(last, 12, 31),
            },
        ],
        "awards": [
            {"kind": "st_award", "level": "provincial", "year": last - 1, "rank": 2, "prize": "second"}
        ],
        "standards": [{"level": "group", "role": "lead", "year": last, "code": f"T/TJ {n:03d}-{last}"}],
        "projects": [{"level": "national", "year": last - 2, "title": "高端装备关键部件研发"}],
        "financing": [
            {
                "kind": "venture",
                "date": date(last, 3, 18),
                "amount": Decimal("1500"),
                "counterparty": "天津创投基金",
            },
            {
                "kind": "bank_loan",
                "date": date(last, 9, 1),
                "amount": Decimal("300.5"),
                "counterparty": "天津银行武清支行",
                "low_risk": False,
                "daily_avg_balance_12m": Decimal("120.25"),
            },
        ],
        "conversions": [{"year": last, "title": "传感器成果转化"}],
        "premises": [
            {"kind": "lease", "year": last, "area_m2": Decimal("800.5"), "annual_rent": Decimal("36.5")}
        ],
    }
    return d


def many_dossiers(count: int, *, today: date = TODAY) -> Iterator[dict[str, Any]]:
    """``count`` distinct rich dossiers (about 16 Excel rows each)."""
    for n in range(count):
        yield rich_dossier(n, today=today)


# ------------------------------------------------------------------------- hypothesis strategy


def _normal_text(spec: FieldSpec) -> Callable[[str], str]:
    """Text as validation leaves it: NFKC for codes, NFC otherwise, stripped."""
    form: Any = "NFKC" if spec.name in NFKC_FIELDS else "NFC"
    return lambda text: unicodedata.normalize(form, text.strip()).strip()


def _field_values(spec: FieldSpec, today: date) -> st.SearchStrategy[Any]:
    # no control nor format characters (bidirectional and zero-width ones are refused)
    text = (
        st.text(
            alphabet=st.characters(
                blacklist_categories=("Cs", "Cc", "Cf"), blacklist_characters="\ufffe\uffff"
            ),
            min_size=1,
            max_size=12,
        )
        .map(_normal_text(spec))
        .filter(lambda t: bool(t) and len(t) <= spec.max_length)
    )
    if spec.name == "year":
        return st.integers(min_value=1990, max_value=today.year)
    if spec.type == "str":
        return text
    if spec.type == "enum":
        return st.sampled_from(spec.choice_values)
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "date":
        return st.dates(min_value=date(1990, 1, 1), max_value=today)
    if spec.type == "int":
        return st.integers(min_value=0, max_value=1000)
    if spec.type == "int_list":
        return st.lists(st.integers(min_value=1990, max_value=today.year), unique=True, max_size=3)
    low = 0 if spec.nonnegative else -(10**8)
    # at most 13 significant digits: exact in Excel (15) as well as in JSON
    return st.decimals(min_value=low, max_value=10**8, places=4, allow_nan=False, allow_infinity=False)


def _row(fields: tuple[FieldSpec, ...], today: date) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {f.name: _field_values(f, today) for f in fields if f.required},
        optional={f.name: _field_values(f, today) for f in fields if not f.required},
    )


@st.composite
def _dossiers(draw: st.DrawFn, today: date) -> dict[str, Any]:
    top = tuple(f for f in ENTERPRISE.fields if f.name not in CREDIT_FIELDS and f.name != "uscc")
    d: dict[str, Any] = {"uscc": wuqing_uscc(draw(st.integers(0, 9_999_999)))}
    d.update(draw(_row(top, today)))
    credit = draw(_row(tuple(ENTERPRISE.field(n) for n in CREDIT_FIELDS), today))
    if credit:
        d["credit"] = credit
    for section in LIST_SECTIONS:
        rows = draw(st.lists(_row(section.fields, today), max_size=2))
        if section.key == "annual":
            rows = list({r["year"]: r for r in rows}.values())  # no duplicate years
            for r in rows:
                if "tech_staff" in r and "employees" in r and r["tech_staff"] > r["employees"]:
                    r["tech_staff"] = r["employees"]
        if section.key in ("ip", "qualifications"):
            start = "granted_on" if section.key == "ip" else "issued_on"
            for r in rows:
                if start in r and "expires_on" in r and r["expires_on"] < r[start]:
                    r["expires_on"] = r[start]
        if rows:
            d[section.key] = rows
    return d


def dossier_strategy(today: date = TODAY) -> st.SearchStrategy[dict[str, Any]]:
    """Valid normalised dossiers with any subset of the fields (the writers' contract)."""
    return _dossiers(today)


# ------------------------------------------------------------------------------------ fixtures


@pytest.fixture(name="dossier_strategy", scope="session")
def dossier_strategy_fixture() -> st.SearchStrategy[dict[str, Any]]:
    """Use with ``@given(data=st.data())`` and ``data.draw(dossier_strategy)``."""
    return dossier_strategy()


@pytest.fixture(scope="session")
def today() -> date:
    return TODAY


@pytest.fixture(name="rich_dossier", scope="session")
def rich_dossier_fixture() -> Callable[..., dict[str, Any]]:
    """The builder :func:`rich_dossier` (call it: ``rich_dossier(3)``)."""
    return rich_dossier


@pytest.fixture(name="many_dossiers", scope="session")
def many_dossiers_fixture() -> Callable[..., Iterator[dict[str, Any]]]:
    return many_dossiers


@pytest.fixture(scope="session")
def towns() -> tuple[str, ...]:
    return TOWNS
