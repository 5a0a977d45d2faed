"""A small streaming reader of the cell values of .xlsx files (pyexpat, stdlib).

openpyxl's read-only mode parses every cell through several Python layers and, for workbooks
without a stored dimension (those written in write-only mode, i.e. our own exports), scans each
sheet once more when opening it: a 10 000-enterprise workbook took ~40 s. This reader reads cell
*values* only, the way openpyxl's read-only mode with ``data_only=True`` does: shared and inline
strings, numbers (dates by their cell format, including the Chinese built-in date formats),
booleans, error values, cached formula results.

The file is untrusted: :class:`ReadLimits` bound the parts' unzipped size (zip bombs; zipfile
never returns more than a part's declared size), the rows and cells of a sheet (counted while
streaming) and the characters of a cell (a longer text is kept as a :class:`LongText`, which
validation refuses where it is); a part with a DOCTYPE (XML entity expansion) is refused before
it is parsed. Each raises :class:`FileTooLarge` saying where.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, from_excel

from lingjun.dossier.errors import LongText
from lingjun.dossier.limits import (
    MSG_CELLS,
    MSG_ENTRIES,
    MSG_ROWS,
    MSG_UNZIPPED,
    MSG_XML_ENTITIES,
    FileTooLarge,
    ReadLimits,
    size_text,
)

_CJK_DATE_FORMAT_IDS = frozenset(range(27, 37)) | frozenset(range(50, 59))
READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    ValueError,
    IndexError,
    ElementTree.ParseError,
    expat.ExpatError,
    NotImplementedError,  # e.g. an unsupported zip compression
)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _part_path(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


class FormulaCell:
    """A cell holding a formula (``value``: its cached result). Imports refuse formulas."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class _Prolog(Exception):
    """The root element began: the prolog had no DOCTYPE."""


def _refuse_doctype(fh: IO[bytes], part: str) -> None:
    """Raise :class:`FileTooLarge` if the XML prolog of ``fh`` declares a DOCTYPE (entities)."""
    parser = expat.ParserCreate()

    def doctype(*_args: object) -> None:
        raise FileTooLarge("xml_entities", MSG_XML_ENTITIES.format(part=part))

    def root(*_args: object) -> None:
        raise _Prolog

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = root
    try:
        while chunk := fh.read(1 << 14):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Prolog:
        return


class Xlsx:
    """A read-only view of the cell values of an .xlsx file."""

    def __init__(self, source: IO[bytes] | Path | str, *, limits: ReadLimits | None = None) -> None:
        self.limits = limits or ReadLimits()
        self.zip = zipfile.ZipFile(source)
        try:
            self._check_sizes()
            self._load()
        except BaseException:
            self.zip.close()
            raise

    def _check_sizes(self) -> None:
        infos = self.zip.infolist()
        if len(infos) > self.limits.entries:
            raise FileTooLarge(
                "unzipped_too_large", MSG_ENTRIES.format(count=len(infos), limit=self.limits.entries)
            )
        total = sum(i.file_size for i in infos)
        if total > self.limits.unzipped_bytes:
            message = MSG_UNZIPPED.format(size=size_text(total), limit=size_text(self.limits.unzipped_bytes))
            raise FileTooLarge("unzipped_too_large", message)

    def _xml(self, path: str) -> ElementTree.Element:
        """A small part (workbook, relationships, styles) as a tree, refused if it has a DOCTYPE."""
        data = self.zip.read(path)
        _refuse_doctype(io.BytesIO(data), path)
        return ElementTree.fromstring(data)

    def _load(self) -> None:
        root_rels = self._relationships("_rels/.rels", "")
        book = next((t for typ, t in root_rels.values() if typ.endswith("/officeDocument")), None)
        if book is None:
            raise KeyError("no workbook part")
        rels = self._relationships(
            posixpath.join(posixpath.dirname(book), "_rels", posixpath.basename(book) + ".rels"), book
        )
        tree = self._xml(book)
        self.epoch = WINDOWS_EPOCH
        self.sheets: dict[str, str] = {}
        for el in tree.iter():
            tag = _local(el.tag)
            if tag == "workbookPr" and el.get("date1904") in ("1", "true"):
                self.epoch = CALENDAR_MAC_1904
            elif tag == "sheet":
                rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
                if rid in rels:
                    self.sheets[el.get("name", "")] = rels[rid][1]
        self.shared: list[str] = []
        self.date_styles: frozenset[int] = frozenset()
        for typ, target in rels.values():
            if typ.endswith("/sharedStrings"):
                self.shared = self._shared_strings(target)
            elif typ.endswith("/styles"):
                self.date_styles = self._date_styles(target)

    def close(self) -> None:
        self.zip.close()

    def _relationships(self, path: str, base: str) -> dict[str, tuple[str, str]]:
        if path not in self.zip.namelist():
            return {}
        tree = self._xml(path)
        out = {}
        for el in tree:
            if _local(el.tag) == "Relationship" and el.get("TargetMode") != "External":
                out[el.get("Id", "")] = (el.get("Type", ""), _part_path(base, el.get("Target", "")))
        return out

    def _shared_strings(self, path: str) -> list[str]:
        """The shared strings, streamed: a string past the cell limit is not kept whole."""
        with self.zip.open(path) as fh:
            _refuse_doctype(fh, path)
        limit = self.limits.cell_chars
        out: list[str] = []
        parts: list[str] = []
        length = 0
        collecting = phonetic = False
        parser = expat.ParserCreate()
        parser.buffer_text = True

        def start(tag: str, _attrs: dict[str, str]) -> None:
            nonlocal parts, length, collecting, phonetic
            tag = tag.rsplit(":", 1)[-1]
            if tag == "si":
                parts, length = [], 0
            elif tag == "t" and not phonetic:
                collecting = True
            elif tag == "rPh":
                phonetic = True

        def text(data: str) -> None:
            nonlocal length
            if collecting:
                length += len(data)
                if length <= limit:
                    parts.append(data)
                elif sum(map(len, parts)) < limit:  # keep the start, for the message
                    parts.append(data[: limit - sum(map(len, parts))])

        def end(tag: str) -> None:
            nonlocal collecting, phonetic
            tag = tag.rsplit(":", 1)[-1]
            if tag == "t":
                collecting = False
            elif tag == "rPh":
                phonetic = False
            elif tag == "si":
                joined = "".join(parts)
                out.append(LongText(joined, length) if length > limit else joined)

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = text
        with self.zip.open(path) as fh:
            while chunk := fh.read(1 << 16):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        return out

    def _date_styles(self, path: str) -> frozenset[int]:
        tree = self._xml(path)
        custom: dict[int, str] = {}
        xfs: list[int] = []
        for el in tree:
            tag = _local(el.tag)
            if tag == "numFmts":
                for fmt in el:
                    custom[int(fmt.get("numFmtId", "0"))] = fmt.get("formatCode", "")
            elif tag == "cellXfs":
                xfs = [int(xf.get("numFmtId", "0")) for xf in el]

        def is_date(fmt_id: int) -> bool:
            if fmt_id in custom:
                return is_date_format(custom[fmt_id])
            if fmt_id in _CJK_DATE_FORMAT_IDS:
                return True
            return fmt_id in BUILTIN_FORMATS and is_date_format(BUILTIN_FORMATS[fmt_id])

        return frozenset(i for i, fmt_id in enumerate(xfs) if is_date(fmt_id))

    def screen(self) -> None:
        """Count the rows and cells of every sheet against the limits without reading a value
        (an upload is screened so before it is stored for a job); raises :class:`FileTooLarge`.
        Opening the workbook has checked the parts' sizes and their prologs already."""
        for title, path in self.sheets.items():
            with self.zip.open(path) as fh:
                _count_sheet(fh, title, self.limits)

    def rows(self, sheet: str) -> Iterator[tuple[int, dict[int, Any]]]:
        """``(row number, {0-based column: value})`` for every row that has a value."""
        with self.zip.open(self.sheets[sheet]) as fh:
            yield from _parse_sheet(self, fh, sheet)


def _count_sheet(fh: IO[bytes], title: str, limits: ReadLimits) -> None:
    """Rows and cells of one worksheet part against ``limits`` (pyexpat, one handler)."""
    rows = cells = 0
    parser = expat.ParserCreate()

    def refuse(*_args: object) -> None:
        raise FileTooLarge("xml_entities", MSG_XML_ENTITIES.format(part=title), sheet=title)

    def start(tag: str, _attrs: dict[str, str]) -> None:
        nonlocal rows, cells
        if ":" in tag:
            tag = tag.split(":", 1)[1]
        if tag == "c":
            cells += 1
            if cells > limits.cells:
                raise FileTooLarge("too_many_cells", MSG_CELLS.format(limit=limits.cells), sheet=title)
        elif tag == "row":
            rows += 1
            if rows > limits.rows:
                raise FileTooLarge("too_many_rows", MSG_ROWS.format(limit=limits.rows), sheet=title, row=rows)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    while chunk := fh.read(1 << 16):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


_DIGITS = "0123456789"


def _parse_sheet(book: Xlsx, fh: IO[bytes], title: str) -> Iterator[tuple[int, dict[int, Any]]]:
    """Streaming parse of one worksheet part with pyexpat (no element objects).

    The handlers are closures over local state: this is the hot loop of every import.
    """
    shared, date_styles, epoch = book.shared, book.date_styles, book.epoch
    max_rows, max_cells, max_chars = book.limits.rows, book.limits.cells, book.limits.cell_chars
    rows_seen = cells_seen = 0
    columns: dict[str, int] = {}
    done: list[tuple[int, dict[int, Any]]] = []
    row = 0
    cells: dict[int, Any] = {}
    col = -1
    ctype = "n"
    style = 0
    value: str | None = None
    inline: list[str] | None = None
    buf: list[str] = []
    phonetic = False
    formula = False
    parser = expat.ParserCreate()
    parser.buffer_text = True

    def refuse(*_args: object) -> None:
        raise FileTooLarge("xml_entities", MSG_XML_ENTITIES.format(part=title), sheet=title)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal row, cells, col, ctype, style, value, inline, buf, phonetic, cells_seen, rows_seen, formula
        if ":" in tag:
            tag = tag.split(":", 1)[1]
        if tag == "c":
            cells_seen += 1
            if cells_seen > max_cells:
                raise FileTooLarge("too_many_cells", MSG_CELLS.format(limit=max_cells), sheet=title, row=row)
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip(_DIGITS)
                index = columns.get(letters)
                if index is None:
                    index = columns[letters] = column_index_from_string(letters) - 1
                col = index
            else:
                col += 1
            ctype = attrs.get("t", "n")
            s = attrs.get("s")
            style = int(s) if s else 0
            value = None
            inline = None
            formula = False
        elif tag == "v" or (tag == "t" and inline is not None and not phonetic):
            buf = []
            parser.CharacterDataHandler = buf.append
        elif tag == "row":
            r = attrs.get("r")
            row = int(r) if r else row + 1
            cells = {}
            col = -1
            rows_seen += 1
            if rows_seen > max_rows:
                raise FileTooLarge("too_many_rows", MSG_ROWS.format(limit=max_rows), sheet=title, row=row)
        elif tag == "is":
            inline = []
        elif tag == "f":
            formula = True
        elif tag == "rPh":
            phonetic = True

    def end(tag: str) -> None:
        nonlocal value, phonetic
        if ":" in tag:
            tag = tag.split(":", 1)[1]
        if tag == "v":
            parser.CharacterDataHandler = None
            value = "".join(buf)
        elif tag == "c":
            cell = _cell_value(ctype, value, inline, style in date_styles, shared, epoch)
            if cell is not None:
                if type(cell) is str and len(cell) > max_chars:
                    cell = LongText(cell, len(cell))
                cells[col] = FormulaCell(cell) if formula else cell
            elif formula:
                cells[col] = FormulaCell(None)
        elif tag == "t":
            if parser.CharacterDataHandler is not None and inline is not None:
                parser.CharacterDataHandler = None
                inline.append("".join(buf))
        elif tag == "row":
            if cells:
                done.append((row, cells))
        elif tag == "rPh":
            phonetic = False

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    while chunk := fh.read(1 << 16):
        parser.Parse(chunk, False)
        if done:
            yield from done
            done.clear()
    parser.Parse(b"", True)
    yield from done


def _cell_value(
    ctype: str, text: str | None, inline: list[str] | None, is_date: bool, shared: list[str], epoch: datetime
) -> Any:
    if ctype == "inlineStr":
        return "".join(inline) if inline else None
    if text is None or text == "":
        return None
    if ctype == "n":
        if len(text) > 40:  # not a number Excel writes (15 digits); Python refuses 4 300 and more
            return LongText(text, len(text))
        number: int | float = float(text) if ("." in text or "E" in text or "e" in text) else int(text)
        if is_date:
            try:
                return from_excel(number, epoch)
            except (OverflowError, ValueError):
                return number
        return number
    if ctype == "s":
        return shared[int(text)]
    if ctype == "b":
        return text.strip() in ("1", "true")
    if ctype == "d":
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return text
    return text  # "str" (formula result), "e" (error value such as #N/A)
