"""Builders of valid test data (normalised dossiers, USCCs), shared by every test package."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from lingjun.dossier.uscc import make_uscc

#: the fixed "today" of the tests (never the real clock inside logic)
TODAY = date(2025, 6, 30)


def uscc_for(n: int) -> str:
    """A valid Wuqing USCC, different for each n."""
    return make_uscc(f"91120114MA{n:07d}")


def build_dossier(n: int = 1, **overrides: Any) -> dict[str, Any]:
    """A valid, fairly complete normalised dossier (every section present)."""
    d: dict[str, Any] = {
        "uscc": uscc_for(n),
        "name": f"天津测试科技有限公司{n}",
        "registered_on": date(2018, 4, 12),
        "province": "天津市",
        "city": "天津市",
        "district": "武清区",
        "town": "杨村街道",
        "independent_legal_person": True,
        "industry_code": "C3562",
        "hightech_field": "电子信息",
        "listing_status": "none",
        "credit": {
            "abnormal_operation": False,
            "serious_dishonesty": False,
            "research_misconduct_years": [2021],
        },
        "annual": [
            {
                "year": y,
                "operating_revenue": Decimal(rev),
                "rd_expense": Decimal(rd),
                "employees": Decimal(80),
                "tech_staff": Decimal(18),
                "total_assets": Decimal("5100.5"),
                "total_liabilities": Decimal(2300),
            }
            for y, rev, rd in ((2022, "2400", "120.5"), (2023, "2800.25", "150"), (2024, "3200.5", "210.4"))
        ],
        "ip": [
            {
                "kind": "invention_patent",
                "number": "ZL2020123456.7",
                "granted_on": date(2022, 3, 1),
                "valid": True,
                "core": True,
                "acquired_by": "own",
            },
            {
                "kind": "software_copyright",
                "number": "2021SR0001",
                "granted_on": date(2021, 5, 1),
                "valid": True,
                "core": False,
                "acquired_by": "own",
            },
        ],
        "qualifications": [
            {
                "kind": "tech_sme",
                "level": "national",
                "number": "2024120114A0001",
                "issued_on": date(2024, 5, 1),
                "expires_on": date(2024, 12, 31),
            }
        ],
        "awards": [{"kind": "competition", "level": "provincial", "year": 2023, "rank": 1, "prize": "third"}],
        "standards": [{"level": "group", "role": "participant", "year": 2023, "code": "T/TJ 001-2023"}],
        "projects": [{"level": "provincial", "year": 2022, "title": "智能传感器研发"}],
        "financing": [
            {
                "kind": "bank_loan",
                "date": date(2024, 3, 1),
                "amount": Decimal(300),
                "counterparty": "天津银行",
                "low_risk": False,
                "daily_avg_balance_12m": Decimal(120),
            }
        ],
        "conversions": [{"year": 2023, "title": "传感器成果转化"}],
        "premises": [
            {"kind": "lease", "year": 2024, "area_m2": Decimal(800), "annual_rent": Decimal("36.5")}
        ],
    }
    d.update(overrides)
    return d
