"""Builders of the hostile-file corpus (issue #12), shared by ``tests/dossier/test_hostile.py``
(small files, small limits) and ``bench/bench_hostile.py`` (full size, default limits).

A workbook has one sheet, 企业基本信息, with the field names in row 2; its sheet rows and its
shared strings are given as text or as an iterable of text chunks (streamed into the zip, so a
300 MB string never sits in memory), with an optional XML prolog (a DOCTYPE) and a part of zeros
(a zip bomb).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

MB = 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
#: row 2: the field names
HEADER = (
    '<row r="2"><c r="A2" t="inlineStr"><is><t>uscc</t></is></c>'
    '<c r="B2" t="inlineStr"><is><t>name</t></is></c>'
    '<c r="C2" t="inlineStr"><is><t>registered_on</t></is></c></row>'
)
#: an XML prolog defining entities that expand to 10⁹ "lol" (billion laughs)
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)

Text = str | Iterable[str]


def _chunks(text: Text) -> Iterable[str]:
    return [text] if isinstance(text, str) else text


def write_book(
    target: Path | IO[bytes],
    *,
    rows: Text = "",
    shared: Text = "",
    prolog: str = "",
    shared_prolog: str = "",
    zeros: int = 0,
) -> None:
    """Write the workbook: ``rows`` after the header row, ``shared`` the ``<si>`` elements of the
    shared strings, ``prolog``/``shared_prolog`` before the sheet's / shared strings' root, and
    ``zeros`` bytes of zeros in a media part (rounded down to whole MB)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="企业基本信息" sheetId="1" r:id="rId7"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PKG}">'
            f'<Relationship Id="rId7" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId8" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(f'{shared_prolog}<sst xmlns="{MAIN}">'.encode())
            for chunk in _chunks(shared):
                fh.write(chunk.encode())
            fh.write(b"</sst>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(f'{prolog}<worksheet xmlns="{MAIN}"><sheetData>{HEADER}'.encode())
            for chunk in _chunks(rows):
                fh.write(chunk.encode())
            fh.write(b"</sheetData></worksheet>")
        if zeros:
            with z.open("xl/media/padding.bin", "w", force_zip64=True) as fh:
                block = b"\0" * MB
                for _ in range(zeros // MB):
                    fh.write(block)


def book(**kwargs: object) -> io.BytesIO:
    """:func:`write_book` into memory, rewound."""
    out = io.BytesIO()
    write_book(out, **kwargs)  # type: ignore[arg-type]
    out.seek(0)
    return out


def row(n: int, name_cell: str, *, uscc: str = "91120114MA00000017", registered: str = "2018-04-12") -> str:
    """Row ``n``: a USCC, the given name cell (column B) and a registration date."""
    return (
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{uscc}</t></is></c>'
        f'{name_cell}<c r="C{n}" t="inlineStr"><is><t>{registered}</t></is></c></row>'
    )


def shared_text(total_mb: int) -> Iterator[str]:
    """One shared string of about ``total_mb`` MB of UTF-8 (streamed)."""
    block = "名" * (MB // 3)  # about 1 MB of UTF-8
    yield "<si><t>"
    for _ in range(total_mb):
        yield block
    yield "</t></si>"


def many_rows(count: int, *, first: int = 4) -> Iterator[str]:
    """``count`` one-cell rows, in chunks of 10 000."""
    batch: list[str] = []
    for n in range(first, first + count):
        batch.append(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c></row>')
        if len(batch) == 10_000:
            yield "".join(batch)
            batch.clear()
    yield "".join(batch)
