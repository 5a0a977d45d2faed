"""JSON Lines: canonical writing, byte-identical round trips, and located read errors."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lingjun.dossier.errors import DossierError
from lingjun.dossier.jsonl import (
    MSG_DUPLICATE_KEY,
    MSG_ENCODING,
    MSG_INVALID_JSON,
    MSG_NON_FINITE,
    MSG_NOT_OBJECT,
    dossier_json,
    read_jsonl,
    write_jsonl,
)
from lingjun.dossier.uscc import make_uscc
from lingjun.dossier.validate import MSG_DUPLICATE_USCC, MSG_NEGATIVE, parse_dossier

TODAY = date(2025, 6, 30)
USCC = make_uscc("91120114MA05W8KX1")


def _bytes(dossiers: Any) -> bytes:
    out = io.BytesIO()
    write_jsonl(dossiers, out)
    return out.getvalue()


def _read(data: bytes, **kwargs: Any) -> Any:
    return read_jsonl(io.BytesIO(data), today=TODAY, name="dossiers.jsonl", **kwargs)


# -------------------------------------------------------------------------------------- write


def test_canonical_bytes() -> None:
    dossier = {
        # deliberately out of schema order
        "annual": [
            {
                "tech_staff": Decimal("19"),
                "year": 2024,
                "operating_revenue": Decimal("3200.50"),
                "net_profit": None,
            }
        ],
        "credit": {"research_misconduct_years": [], "abnormal_operation": False},
        "name": "天津“示例”科技\\有限公司",
        "uscc": USCC,
        "registered_on": date(2017, 4, 12),
        "park": None,
        "ip": [],
        "premises": [{"kind": "lease", "area_m2": Decimal("100.0"), "annual_rent": Decimal("1E+2")}],
    }
    expected = (
        '{"uscc":"' + USCC + '","name":"天津“示例”科技\\\\有限公司","registered_on":"2017-04-12",'
        '"credit":{"abnormal_operation":false,"research_misconduct_years":[]},'
        '"annual":[{"year":2024,"operating_revenue":3200.5,"tech_staff":19}],'
        '"premises":[{"kind":"lease","area_m2":100,"annual_rent":100}]}\n'
    )
    assert _bytes([dossier]) == expected.encode("utf-8")
    assert dossier_json(dossier) + "\n" == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("3200.50"), "3200.5"),
        (Decimal("100.0"), "100"),
        (Decimal("-0.00"), "0"),
        (Decimal("1.5E-7"), "0.00000015"),
        (Decimal("2300.0001"), "2300.0001"),
        (Decimal("-12.750"), "-12.75"),
        (3200.5, "3200.5"),
        (7, "7"),
    ],
)
def test_numbers_have_no_exponent_and_no_trailing_zeros(value: Any, text: str) -> None:
    line = dossier_json({"uscc": USCC, "annual": [{"year": 2024, "operating_revenue": value}]})
    assert line.endswith(f'"operating_revenue":{text}}}]}}')


def test_one_object_per_line_with_newline_endings(
    many_dossiers: Callable[..., Iterator[dict[str, Any]]],
) -> None:
    data = _bytes(many_dossiers(5))
    assert data.endswith(b"\n") and b"\r" not in data
    lines = data.split(b"\n")
    assert len(lines) == 6 and lines[-1] == b""
    assert all(b": " not in line and b", " not in line for line in lines[:-1])
    assert "天津领军示例0号".encode() in lines[0]  # ensure_ascii=False


def test_write_to_path_returns_the_count(tmp_path: Path, rich_dossier: Callable[..., dict[str, Any]]) -> None:
    path = tmp_path / "out.jsonl"
    assert write_jsonl((rich_dossier(n) for n in range(3)), path) == 3
    assert path.read_bytes() == _bytes([rich_dossier(n) for n in range(3)])


def test_writer_refuses_what_is_not_a_dossier() -> None:
    with pytest.raises(ValueError, match="unknown key 'revenue'"):
        dossier_json({"uscc": USCC, "revenue": 1})
    with pytest.raises(ValueError, match=r"annual\[0\]: unknown key 'revnue'"):
        dossier_json({"uscc": USCC, "annual": [{"year": 2024, "revnue": 1}]})
    with pytest.raises(TypeError, match="registered_on"):
        dossier_json({"uscc": USCC, "registered_on": datetime(2020, 1, 1, 8, 0)})
    with pytest.raises(ValueError, match="finite"):
        dossier_json({"uscc": USCC, "annual": [{"year": 2024, "operating_revenue": Decimal("NaN")}]})
    with pytest.raises(TypeError):
        dossier_json({"uscc": USCC, "name": object()})


# ---------------------------------------------------------------------------------- round trip


def test_rich_round_trip_is_byte_identical(many_dossiers: Callable[..., Iterator[dict[str, Any]]]) -> None:
    dossiers = list(many_dossiers(40))
    first = _bytes(dossiers)
    result = _read(first)
    assert result.ok, result.errors[:3]
    assert result.dossiers == dossiers
    assert _bytes(result.dossiers) == first


@settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_round_trip_property(
    data: st.DataObject, dossier_strategy: st.SearchStrategy[dict[str, Any]]
) -> None:
    items = data.draw(st.lists(dossier_strategy, max_size=3))
    # make the USCCs unique within the file
    unique = list({d["uscc"]: d for d in items}.values())
    for d in unique:
        assert parse_dossier(d, today=TODAY) == (d, [])  # the strategy makes valid dossiers
    first = _bytes(unique)
    result = _read(first)
    assert result.errors == []
    assert result.dossiers == unique
    assert _bytes(result.dossiers) == first


# ----------------------------------------------------------------------------------------- read


def test_errors_are_located_by_line_and_json_path(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    good, bad = rich_dossier(1), rich_dossier(2)
    bad["annual"][2]["operating_revenue"] = Decimal(-5)
    data = _bytes([good]) + b"\n" + _bytes([bad])  # a blank line 2 is skipped
    result = _read(data)
    assert result.dossiers == [good]
    assert result.errors == [
        DossierError(
            sheet="dossiers.jsonl",
            row=3,
            column="annual[2].operating_revenue",
            field="operating_revenue",
            label="营业收入",
            value=Decimal(-5),
            message=MSG_NEGATIVE.format(what="金额"),
            code="negative",
            source="jsonl",
        )
    ]
    assert str(result.errors[0]) == (
        "文件“dossiers.jsonl”第3行 annual[2].operating_revenue（营业收入）：“-5”——金额不能为负数，请填写0或正数。"
    )


def test_file_name_comes_from_the_path(tmp_path: Path, rich_dossier: Callable[..., dict[str, Any]]) -> None:
    path = tmp_path / "企业档案2025.jsonl"
    d = rich_dossier(1)
    d["name"] = None
    write_jsonl([d], path)
    result = read_jsonl(path, today=TODAY)
    assert [(e.sheet, e.row, e.column, e.code) for e in result.errors] == [
        ("企业档案2025.jsonl", 1, "name", "required")
    ]


def test_invalid_lines_are_all_reported(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    good = _bytes([rich_dossier(1)])
    data = (
        good
        + b'{"uscc": "x",}\n'  # trailing comma
        + b"[1, 2]\n"
        + b'{"uscc": "\xff\xfe"}\n'  # not UTF-8
        + b'{"uscc": NaN}\n'
        + b'{"name": "a", "name": "b"}\n'
        + b"   \n"
    )
    result = _read(data)
    assert len(result.dossiers) == 1
    got = [(e.row, e.code) for e in result.errors]
    assert got[:4] == [(2, "json"), (3, "type"), (4, "encoding"), (5, "json")]
    assert (6, "duplicate_key") in got and (6, "required") in got  # the object is still validated
    by_row = {e.row: e for e in result.errors}
    assert by_row[2].message == MSG_INVALID_JSON.format(
        col=14, reason="键名应使用英文双引号（或有多余的逗号）"
    )
    assert by_row[3].message == MSG_NOT_OBJECT.format(kind="数组")
    assert by_row[4].message == MSG_ENCODING.format(pos=11)
    assert by_row[5].message == MSG_NON_FINITE.format(value="NaN")
    dup = next(e for e in result.errors if e.code == "duplicate_key")
    assert dup.message == MSG_DUPLICATE_KEY.format(key="name") and dup.label == "企业名称"


def test_duplicate_uscc_excludes_every_occurrence(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    a, b, other = rich_dossier(1), rich_dossier(1), rich_dossier(2)
    b["name"] = "另一个名称"
    result = _read(_bytes([a, other, b]))
    assert result.dossiers == [other]
    (error,) = result.errors
    assert (error.row, error.column, error.code) == (3, "uscc", "duplicate_uscc")
    assert error.message == MSG_DUPLICATE_USCC.format(first=1)


def test_lower_case_duplicate_is_still_a_duplicate(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    a = rich_dossier(1)
    b = dict(a, uscc=a["uscc"].lower())
    result = _read(_bytes([a]) + dossier_json(b).encode() + b"\n")
    assert [e.code for e in result.errors] == ["duplicate_uscc"] and result.dossiers == []


def test_byte_order_mark_and_crlf_are_accepted(rich_dossier: Callable[..., dict[str, Any]]) -> None:
    data = b"\xef\xbb\xbf" + _bytes([rich_dossier(1), rich_dossier(2)]).replace(b"\n", b"\r\n")
    result = _read(data)
    assert result.ok and result.dossiers == [rich_dossier(1), rich_dossier(2)]


def test_towns_are_checked_when_given(
    rich_dossier: Callable[..., dict[str, Any]], towns: tuple[str, ...]
) -> None:
    d = rich_dossier(1)
    d["town"] = "北京市朝阳区"
    result = _read(_bytes([d]), towns=towns)
    assert [(e.column, e.code) for e in result.errors] == [("town", "unknown_town")]


def test_empty_file_is_fine() -> None:
    result = _read(b"")
    assert result.ok and result.dossiers == []


@pytest.mark.slow
def test_writing_100_000_dossiers(
    tmp_path: Path, many_dossiers: Callable[..., Iterator[dict[str, Any]]]
) -> None:
    dossiers = list(many_dossiers(100_000))
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    count = write_jsonl(dossiers, tmp_path / "big.jsonl")
    wall, cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
    print(f"\nwrite_jsonl: 100 000 rich dossiers in {wall:.1f} s wall, {cpu:.1f} s CPU")
    assert count == 100_000  # speed: see docs/benchmarks.md, not asserted here


def test_too_long_text_is_located_by_line_and_path(rich_dossier: Any, tmp_path: Any) -> None:
    d = rich_dossier(1)
    d["annual"] = d["annual"][:1]
    d["ip"][0]["title"] = "名" * 201
    path = tmp_path / "long.jsonl"
    write_jsonl([rich_dossier(0), d], path)
    result = read_jsonl(path, today=date(2025, 6, 30))
    assert [(e.row, e.column, e.code) for e in result.errors] == [(2, "ip[0].title", "too_long")]
