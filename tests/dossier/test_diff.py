from __future__ import annotations

from decimal import Decimal

from tests.factories import build_dossier

from lingjun.dossier.canonical import canonical_dossier, canonical_value
from lingjun.dossier.diff import diff_dossiers


def test_same_dossier_has_no_changes():
    d = canonical_dossier(build_dossier(1))
    assert diff_dossiers(d, d) == []


def test_field_credit_and_yearly_changes_are_named_in_chinese():
    old = canonical_dossier(build_dossier(1))
    raw = build_dossier(1, town="梅厂镇")
    raw["credit"]["abnormal_operation"] = True
    raw["annual"][0]["employees"] = Decimal(95)
    raw["annual"].append({"year": 2025, "operating_revenue": Decimal("4000")})
    changes = {c.path: c for c in diff_dossiers(old, canonical_dossier(raw))}
    assert changes["town"].label == "所属镇街" and (changes["town"].old, changes["town"].new) == (
        "杨村街道",
        "梅厂镇",
    )
    assert changes["credit.abnormal_operation"].new is True
    assert (changes["annual[2022].employees"].old, changes["annual[2022].employees"].new) == ("80", "95")
    assert changes["annual[2025].operating_revenue"].old is None
    assert changes["annual[2025].operating_revenue"].new == "4000"


def test_list_rows_are_reported_as_removed_and_added():
    old = canonical_dossier(build_dossier(1))
    raw = build_dossier(1)
    raw["ip"][1]["valid"] = False
    changes = diff_dossiers(old, canonical_dossier(raw))
    assert [c.label for c in changes] == ["知识产权（删除）", "知识产权（新增）"]
    assert changes[0].old["valid"] is True and changes[1].new["valid"] is False


def test_canonical_decimals_have_no_exponent_or_trailing_zeros():
    assert str(canonical_value(Decimal("3200.5000"))) == "3200.5"
    assert str(canonical_value(Decimal("100.00"))) == "100"
    assert str(canonical_value(Decimal("1E+2"))) == "100"


def test_canonical_drops_unknowns_and_keeps_schema_order():
    d = canonical_dossier({"name": "甲", "uscc": "X", "park": None, "credit": {}, "ip": []})
    assert list(d) == ["uscc", "name"]
