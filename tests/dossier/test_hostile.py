"""A corpus of hostile files: each is refused with a located message, without being read whole.

Formula cells, a huge shared string, more rows or cells than allowed, a zip bomb, XML entity
expansion (billion laughs), invisible characters, an endless JSON Lines line. The limits are made
small in most tests (the same code paths as the defaults); the zip bomb is also refused at the
default limit.
"""

from __future__ import annotations

import io
import resource
from datetime import date
from typing import Any

import pytest
from tests.hostile_files import BILLION_LAUGHS, book, row

from lingjun.dossier.excel import read_workbook, write_workbook
from lingjun.dossier.jsonl import dossier_json, read_jsonl
from lingjun.dossier.limits import MB, ReadLimits
from lingjun.dossier.screen import screen_file
from lingjun.dossier.uscc import make_uscc

TODAY = date(2025, 6, 30)
USCC = make_uscc("91120114MA0000001")


def _book(
    rows: str, *, shared: str = "", prolog: str = "", shared_prolog: str = "", extra: int = 0
) -> io.BytesIO:
    """A minimal workbook with the sheet 企业基本信息 (:mod:`tests.hostile_files`)."""
    return book(rows=rows, shared=shared, prolog=prolog, shared_prolog=shared_prolog, zeros=extra)


def _row(n: int, name_cell: str) -> str:
    return row(n, name_cell, uscc=make_uscc(f"91120114MA{n:07d}"))


def _errors(data: io.BytesIO, **limits: Any) -> list[tuple[str, int | None, str, str]]:
    result = read_workbook(
        data, today=TODAY, limits=ReadLimits(**limits) if limits else None, name="恶意.xlsx"
    )
    assert result.dossiers == []  # nothing of a refused file is used
    return [(e.sheet, e.row, e.column, e.code) for e in result.errors]


def test_a_formula_cell_is_refused_where_it_is() -> None:
    cell = '<c r="B3" t="str"><f>HYPERLINK("http://example.com","点击")</f><v>点击</v></c>'
    assert _errors(_book(_row(3, cell))) == [("企业基本信息", 3, "B", "formula")]


def test_a_huge_shared_string_is_cut_while_read_and_refused_as_too_long() -> None:
    huge = "名" * 50_000  # over the (test) cell limit of 1 000, and over Excel's own of 32 767
    book = _book(_row(3, '<c r="B3" t="s"><v>0</v></c>'), shared=f"<si><t>{huge}</t></si>")
    result = read_workbook(book, today=TODAY, limits=ReadLimits(cell_chars=1000))
    [error] = result.errors
    assert (error.sheet, error.row, error.column, error.code) == ("企业基本信息", 3, "B", "too_long")
    assert "共50000个字符，最多200个字符" in error.message
    assert len(str(error.value)) < 300  # the value kept is cut
    # at the default limit too (Excel's 32 767 characters per cell)
    assert _errors(_book(_row(3, '<c r="B3" t="s"><v>0</v></c>'), shared=f"<si><t>{huge}</t></si>")) == [
        ("企业基本信息", 3, "B", "too_long")
    ]


def test_more_rows_than_allowed_stop_the_reading_at_the_limit() -> None:
    rows = "".join(_row(n, f'<c r="B{n}" t="inlineStr"><is><t>企业{n}</t></is></c>') for n in range(3, 103))
    # the 51st row of the sheet (Excel row 52: row 1 is left empty here) is one too many
    assert _errors(_book(rows), rows=50) == [("企业基本信息", 52, "", "too_many_rows")]
    assert _errors(_book(rows), cells=120) == [("企业基本信息", 42, "", "too_many_cells")]
    within = read_workbook(_book(rows), today=TODAY)  # within the default limits: read (and valid)
    assert within.errors == [] and len(within.dossiers) == 100


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    bomb = _book(_row(3, '<c r="B3" t="inlineStr"><is><t>甲</t></is></c>'), extra=201 * MB)
    assert len(bomb.getvalue()) < 1 * MB  # 201 MB of zeros deflate to about 200 KB
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert _errors(bomb) == [("恶意.xlsx", None, "", "unzipped_too_large")]
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024  # KB: nothing unpacked
    small = _book(_row(3, '<c r="B3" t="inlineStr"><is><t>甲</t></is></c>'), extra=3 * MB)
    assert _errors(small, unzipped_bytes=2 * MB) == [("恶意.xlsx", None, "", "unzipped_too_large")]


@pytest.mark.parametrize("where", ["sheet", "shared"])
def test_xml_entity_expansion_is_refused(where: str) -> None:
    rows = _row(3, '<c r="B3" t="s"><v>0</v></c>')
    if where == "sheet":
        book = _book(rows.replace("2018-04-12", "&lol9;"), shared="<si><t>甲</t></si>", prolog=BILLION_LAUGHS)
        expected = [("企业基本信息", None, "", "xml_entities")]
    else:
        book = _book(rows, shared="<si><t>&lol9;</t></si>", shared_prolog=BILLION_LAUGHS)
        expected = [("恶意.xlsx", None, "", "xml_entities")]
    assert _errors(book) == expected


def test_invisible_characters_are_refused_where_they_are() -> None:
    cell = '<c r="B3" t="inlineStr"><is><t>天津\u202e司公限有技科</t></is></c>'
    assert _errors(_book(_row(3, cell))) == [("企业基本信息", 3, "B", "invisible_char")]


def test_a_huge_json_lines_line_is_not_read_whole() -> None:
    good = dossier_json({"uscc": USCC, "name": "甲", "registered_on": date(2018, 4, 12)})
    data = io.BytesIO((good + "\n" + '{"name": "' + "乙" * (2 * MB) + '"}\n' + good + "\n").encode())
    result = read_jsonl(data, today=TODAY, limits=ReadLimits(line_bytes=64 * 1024))
    assert [(e.row, e.code) for e in result.errors] == [(2, "line_too_long"), (3, "duplicate_uscc")]
    many = io.BytesIO(("\n".join([good] * 30) + "\n").encode())
    result = read_jsonl(many, today=TODAY, limits=ReadLimits(rows=10))
    assert [(e.row, e.code) for e in result.errors] == [(11, "too_many_rows")]


def test_our_own_exports_are_within_the_default_limits() -> None:
    out = io.BytesIO()
    write_workbook([], out)
    out.seek(0)
    assert read_workbook(out, today=TODAY).errors == []


def test_a_five_thousand_digit_number_is_an_error_not_a_crash() -> None:
    line = '{"uscc": "%s", "name": "甲", "registered_on": "2018-04-12", "annual": [{"year": 2024, "employees": 1%s}]}'
    result = read_jsonl(io.BytesIO((line % (USCC, "0" * 5000)).encode()), today=TODAY)
    [error] = result.errors
    assert (error.row, error.code) == (1, "json") and "5001位的整数" in error.message


def test_a_five_thousand_digit_number_in_a_cell_is_located() -> None:
    cell = '<c r="B3"><v>1' + "0" * 5000 + "</v></c>"  # was: the whole file "not a workbook"
    [error] = read_workbook(_book(_row(3, cell)), today=TODAY).errors
    assert (error.row, error.column, error.code) == (3, "B", "too_long")


# ----------------------------------------------- screening before a large upload is stored


def _screened(data: io.BytesIO, name: str = "恶意.xlsx", **limits: Any) -> tuple[str, int | None, str] | None:
    error = screen_file(data, file_name=name, limits=ReadLimits(**limits))
    assert data.tell() == 0  # left at the start, for storing
    return None if error is None else (error.sheet, error.row, error.code)


def test_the_screen_refuses_the_hostile_files_without_reading_their_values() -> None:
    """What a large upload is screened for before it is stored for a job (the import reads it
    again under the same limits)."""
    rows = "".join(_row(n, f'<c r="B{n}" t="inlineStr"><is><t>企业{n}</t></is></c>') for n in range(3, 103))
    assert _screened(_book(rows), rows=50) == ("企业基本信息", 51, "too_many_rows")
    assert _screened(_book(rows), cells=120)[::2] == ("企业基本信息", "too_many_cells")  # type: ignore[index]
    assert _screened(_book(rows)) is None
    one = _row(3, '<c r="B3" t="s"><v>0</v></c>')
    bomb = _book(one, shared="<si><t>甲</t></si>", extra=201 * MB)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert _screened(bomb) == ("恶意.xlsx", None, "unzipped_too_large")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024  # KB
    laughs_in_sheet = _book(one, shared="<si><t>甲</t></si>", prolog=BILLION_LAUGHS)
    assert _screened(laughs_in_sheet) == ("企业基本信息", None, "xml_entities")
    laughs_in_strings = _book(one, shared="<si><t>&lol9;</t></si>", shared_prolog=BILLION_LAUGHS)
    assert _screened(laughs_in_strings) == ("恶意.xlsx", None, "xml_entities")
    assert _screened(_book(one), file_bytes=100) == ("恶意.xlsx", None, "file_too_large")
    assert _screened(io.BytesIO(b"not a zip")) is None  # not a workbook: the import says so


def test_the_screen_counts_json_lines() -> None:
    good = dossier_json({"uscc": USCC, "name": "甲", "registered_on": date(2018, 4, 12)})
    many = io.BytesIO(("\n".join([good] * 30) + "\n").encode())
    assert _screened(many, "多.jsonl", rows=10) == ("多.jsonl", 11, "too_many_rows")
    assert _screened(many, "多.jsonl", rows=30) is None
