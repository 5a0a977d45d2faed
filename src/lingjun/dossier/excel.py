"""Dossiers as an Excel workbook (openpyxl): the template, export and import.

Layout (one sheet per section, in :data:`lingjun.dossier.schema.SECTIONS` order, named by
``Section.sheet``, then a ``说明`` legend sheet):

* row 1: the Chinese header, label plus unit (``营业收入（万元）``); required columns are marked
  with a coloured header and ``*``;
* row 2: the field names — the reader finds the columns by them, so the column order is free;
* data from row 3. List sheets start with a ``uscc`` column that links the row to its enterprise
  on ``企业基本信息``. The credit years are comma-separated text (``2021,2023``; ``无`` = none).

Written values: enums as their Chinese labels, booleans as 是/否, dates as real Excel dates
(``yyyy-mm-dd``), decimals and ints as Excel numbers. The reader accepts enum codes or labels,
是/否/true/false, dates as date cells or ``YYYY-MM-DD`` text, numbers as numbers or numeric text.

Both directions stream, so that workbooks of ten thousand enterprises (~160 000 rows) stay fast
and small in memory: writing builds the workbook structure with openpyxl's write-only mode and
streams the data rows into the sheet parts; reading uses a small pyexpat-based reader of cell
values (openpyxl's read-only mode took about three times as long; see "xlsx reading" below).
Every problem of an imported workbook is reported with its sheet, Excel row number and column
letter.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import posixpath
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree
from xml.parsers import expat

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from lingjun.dossier.errors import DossierError, ParseResult
from lingjun.dossier.schema import (
    CREDIT_FIELDS,
    ENTERPRISE,
    LIST_SECTIONS,
    SECTIONS,
    FieldSpec,
    Section,
)
from lingjun.dossier.validate import (
    DOSSIER_KEYS,
    MSG_DUPLICATE_USCC,
    MSG_REQUIRED,
    FieldProblem,
    format_allowed,
    normalise_uscc,
    parse_dossier,
    plain_decimal,
)

LEGEND_SHEET = "说明"
HEADER_ROW = 1
FIELD_ROW = 2
FIRST_DATA_ROW = 3
DATE_FORMAT = "yyyy-mm-dd"
EXCEL_MAX_ROWS = 1_048_576
YES, NO = "是", "否"
NONE_WORD = "无"

MSG_NOT_WORKBOOK = "无法作为Excel工作簿打开。请上传用本系统模板填写的.xlsx文件（旧版.xls请先另存为.xlsx）。"
MSG_MISSING_SHEET = "缺少工作表“{sheet}”。请使用本系统提供的模板，不要删除或重命名工作表。"
MSG_MISSING_COLUMN = (
    "缺少必填列“{label}”：第2行应有字段名“{name}”。请使用本系统提供的模板，不要删除或修改前两行。"
)
MSG_DUPLICATE_COLUMN = "第2行的字段名“{name}”出现了两次（{first}列和{second}列），请删除其中一列。"
MSG_UNKNOWN_COLUMN = (
    "第2行的字段名“{name}”无法识别，这个工作表允许的字段名为：{allowed}。"
    "请使用模板中的字段名，不用的列请整列删除。"
)
MSG_UNKNOWN_USCC = (
    "该统一社会信用代码不在“{sheet}”工作表中。请在“{sheet}”中填写该企业（或改正那里填错的代码），"
    "或改正这里的代码。"
)
MSG_USCC_AS_NUMBER = (
    "统一社会信用代码被Excel当作数字保存，可能已丢失末尾几位。请把该列设置为“文本”格式后重新输入完整代码。"
)
MSG_DROPDOWN_ERROR = "请从下拉列表中选择。"

#: legend sheet: general notes at the top
LEGEND_NOTES = (
    "企业档案导入模板说明",
    "1. 每个工作表的第1行为中文表头，第2行为字段名（系统按字段名识别列，请勿修改或删除前两行），数据从第3行开始填写。",
    "2. 表头为橙色、带“*”的列为必填列。列的先后顺序可以调整，不用的选填列可以整列删除。",
    "3. 除“企业基本信息”外，各工作表第一列均为统一社会信用代码，必须与“企业基本信息”中的代码一致。",
    "4. 金额单位为万元，可含小数；日期格式为YYYY-MM-DD；是否类填写“是”或“否”；"
    "选项类可从下拉列表选择，也可填写下表所列的英文代码。",
    "5. 不知道的数据请留空，不要填0：留空表示“未知”，0表示“确实为0”。",
)
LEGEND_HEADER = ("工作表", "中文名", "字段名", "类型", "单位", "必填", "允许值", "说明")

_TYPE_NAMES = {
    "str": "文本",
    "enum": "选项",
    "date": "日期（YYYY-MM-DD）",
    "decimal": "数值",
    "int": "整数",
    "bool": "是/否",
    "int_list": "年度列表（逗号分隔）",
}

_USCC = ENTERPRISE.field("uscc")
_BOLD = Font(bold=True)
_FIELD_FONT = Font(color="808080", size=9)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
_WRAP = Alignment(horizontal="center", vertical="center", wrap_text=True)
_MAX_LIST_FORMULA = 255


def columns(section: Section) -> tuple[FieldSpec, ...]:
    """The columns of a section's sheet: list sheets get ``uscc`` first."""
    return section.fields if section is ENTERPRISE else (_USCC, *section.fields)


def header_label(spec: FieldSpec) -> str:
    """``营业收入（万元）``; required columns get a leading ``*``."""
    text = f"{spec.label}（{spec.unit}）" if spec.unit else spec.label
    return f"*{text}" if spec.required else text


def _display_width(text: str) -> int:
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)


def _column_width(spec: FieldSpec) -> float:
    if spec.name == "uscc":
        return 22
    if spec.name in ("name", "title", "counterparty"):
        return 30
    if spec.type == "date":
        return 13
    return max(10, min(30, _display_width(header_label(spec)) + 3))


def _notes(section: Section, spec: FieldSpec) -> str:
    notes = [spec.help] if spec.help else []
    if spec.name == "uscc" and section is not ENTERPRISE:
        notes.append("须与“企业基本信息”中的代码一致")
    elif spec.name == "uscc":
        notes.append("18位，末位为校验位；请将该列设为文本格式")
    if spec.name == "town":
        notes.append("本区镇街全称，如“杨村街道”")
    if spec.name == "year" or spec.type == "int_list":
        notes.append("不能晚于当年")
    if spec.type == "int_list":
        notes.append("填“无”表示没有，留空表示未知")
    if spec.not_future:
        notes.append("不能晚于填报当天")
    if spec.nonnegative:
        notes.append("不能为负数")
    if spec.name == "tech_staff":
        notes.append("不能大于同年度职工总数")
    if spec.name == "expires_on":
        notes.append("不能早于授权/发证日期")
    if spec.default is True:
        notes.append("留空按“是”处理")
    return "；".join(notes)


# ---------------------------------------------------------------------------------------- write
#
# The workbook *structure* (styles, header rows, dropdowns, frozen panes, column widths, the
# legend) is built with openpyxl in write-only mode. The data rows are then streamed straight
# into the sheet parts as SpreadsheetML: openpyxl serialises each cell through several Python
# objects (about 40 s of CPU for 10 000 enterprises on this machine); writing the few cell forms
# we need directly takes a fraction of that. Strings are inline strings, numbers plain decimal
# text (exact up to Excel's 15 significant digits), dates serial numbers with a date format.

_EXCEL_EPOCH_ORDINAL = date(1899, 12, 30).toordinal()
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPOOL_MAX = 8 * 1024 * 1024
_FLUSH_ROWS = 2000


def excel_serial(value: date) -> int:
    """The Excel (1900 date system) serial number of a date."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{value!r} is not a datetime.date")
    serial = value.toordinal() - _EXCEL_EPOCH_ORDINAL
    if serial < 61:  # Excel counts a 29 February 1900 that never was
        serial -= 1
    if serial < 1:
        raise ValueError(f"Excel cannot store dates before 1900: {value}")
    return serial


def _xml_text(text: str) -> str:
    if _ILLEGAL_XML.search(text):
        raise ValueError(f"text with control characters cannot be written to Excel: {text!r}")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _inline(ref: str, text: str, style: str = "") -> str:
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{_xml_text(text)}</t></is></c>'


def _number_text(value: Any) -> str:
    if isinstance(value, bool):
        raise TypeError(f"expected a number, not {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal) and value.is_finite():
        return plain_decimal(value)
    raise TypeError(f"expected a finite number, not {value!r}")


class _SheetWriter:
    """One section's sheet: header rows and layout via openpyxl, data rows spooled as XML."""

    def __init__(self, wb: Workbook, section: Section, towns: Sequence[str] | None, spool: IO[bytes]) -> None:
        self.section = section
        self.specs = columns(section)
        self.ws = ws = wb.create_sheet(section.sheet)
        ws.freeze_panes = "C3" if section is ENTERPRISE else "B3"
        for i, spec in enumerate(self.specs, 1):
            letter = get_column_letter(i)
            dim = ws.column_dimensions[letter]
            dim.width = _column_width(spec)
            if spec.type == "str":
                dim.number_format = "@"
            elif spec.type == "date":
                dim.number_format = DATE_FORMAT
            self._dropdown(spec, letter, towns)
        # (the header rows are appended by write_header(), after the data: appending starts
        # openpyxl's writer, which must then be saved or it leaks temporary files)
        self.date_style = f' s="{self._style_id(DATE_FORMAT)}"'
        self.text_style = f' s="{self._style_id("@")}"'
        self.letters = [get_column_letter(i) for i in range(1, len(self.specs) + 1)]
        self.next_row = FIRST_DATA_ROW
        self.spool = spool
        self.pending: list[str] = []

    def write_header(self) -> None:
        self.ws.append([self._header_cell(s) for s in self.specs])
        self.ws.append([self._field_cell(s) for s in self.specs])

    def _style_id(self, number_format: str) -> int:
        probe = WriteOnlyCell(self.ws)
        probe.number_format = number_format
        return int(probe.style_id)  # registers the style with the workbook

    def _header_cell(self, spec: FieldSpec) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value=header_label(spec))
        cell.font = _BOLD
        cell.fill = _REQUIRED_FILL if spec.required else _HEADER_FILL
        cell.alignment = _WRAP
        return cell

    def _field_cell(self, spec: FieldSpec) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value=spec.name)
        cell.font = _FIELD_FONT
        return cell

    def _dropdown(self, spec: FieldSpec, letter: str, towns: Sequence[str] | None) -> None:
        options: list[str] = []
        if spec.type == "enum":
            options = [c.label for c in spec.choices]
        elif spec.type == "bool":
            options = [YES, NO]
        elif spec.name == "town" and towns:
            options = list(towns)
        formula = '"' + ",".join(options) + '"'
        if not options or len(formula) > _MAX_LIST_FORMULA or any("," in o or '"' in o for o in options):
            return
        dv = DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle=spec.label,
            error=MSG_DROPDOWN_ERROR,
        )
        dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}{EXCEL_MAX_ROWS}")
        self.ws.data_validations.append(dv)

    def row(self, values: Sequence[Any]) -> None:
        """Append one data row; ``values`` are in column order (``None`` = empty cell)."""
        if self.next_row > EXCEL_MAX_ROWS:
            raise ValueError(
                f"工作表“{self.section.sheet}”超过Excel的{EXCEL_MAX_ROWS}行上限，请分批导出或改用JSON Lines"
            )
        number = str(self.next_row)
        self.next_row += 1
        cells = []
        for spec, letter, value in zip(self.specs, self.letters, values, strict=True):
            if value is None:
                continue
            ref = letter + number
            kind = spec.type
            if kind == "str":
                cells.append(_inline(ref, value if isinstance(value, str) else str(value), self.text_style))
            elif kind == "decimal" or kind == "int":
                cells.append(f'<c r="{ref}"><v>{_number_text(value)}</v></c>')
            elif kind == "date":
                cells.append(f'<c r="{ref}"{self.date_style}><v>{excel_serial(value)}</v></c>')
            elif kind == "enum":
                cells.append(_inline(ref, spec.choice_label(value)))
            elif kind == "bool":
                cells.append(_inline(ref, YES if value else NO))
            else:  # int_list
                if not isinstance(value, list | tuple):
                    raise TypeError(f"{spec.name}: expected a list of years, not {value!r}")
                cells.append(_inline(ref, ",".join(str(int(y)) for y in value) if value else NONE_WORD))
        self.pending.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(self.pending) >= _FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.spool.write("".join(self.pending).encode("utf-8"))
            self.pending.clear()

    def splice(self, part: bytes, out: IO[bytes]) -> None:
        """Write the sheet part that openpyxl produced with the spooled rows inserted."""
        self.flush()
        head, sep, tail = part.partition(b"</sheetData>")
        if not sep:
            raise ValueError(f"unexpected worksheet XML for {self.section.sheet}")
        last = get_column_letter(len(self.specs))
        dimension = f'<dimension ref="A1:{last}{self.next_row - 1}"/>'.encode()
        if b"<dimension" not in head and b"<sheetViews" in head:
            head = head.replace(b"<sheetViews", dimension + b"<sheetViews", 1)
        out.write(head)
        self.spool.seek(0)
        shutil.copyfileobj(self.spool, out, 1 << 20)
        out.write(sep + tail)


_DOSSIER_KEYS = frozenset(DOSSIER_KEYS)
_ROW_KEYS = {s.key: frozenset(s.field_names) for s in LIST_SECTIONS}


def _check_keys(obj: Mapping[str, Any], allowed: frozenset[str], where: object) -> None:
    if not allowed.issuperset(obj):
        unknown = next(k for k in obj if k not in allowed)
        raise ValueError(f"{where}: unknown key {unknown!r}")


def _enterprise_values(dossier: Mapping[str, Any]) -> list[Any]:
    credit = dossier.get("credit") or {}
    return [credit.get(s.name) if s.name in CREDIT_FIELDS else dossier.get(s.name) for s in ENTERPRISE.fields]


def _allowed(spec: FieldSpec) -> str:
    if spec.choices:
        return format_allowed(spec)
    if spec.type == "bool":
        return f"{YES}、{NO}"
    if spec.type == "int_list":
        return f"年度（如2021,2023）、{NONE_WORD}"
    return ""


def _legend(wb: Workbook) -> None:
    ws = wb.create_sheet(LEGEND_SHEET)
    for letter, width in zip("ABCDEFGH", (14, 26, 26, 20, 8, 6, 60, 50), strict=True):
        ws.column_dimensions[letter].width = width
    title = WriteOnlyCell(ws, value=LEGEND_NOTES[0])
    title.font = Font(bold=True, size=14)
    ws.append([title])
    for note in LEGEND_NOTES[1:]:
        ws.append([note])
    ws.append([])
    header = []
    for text in LEGEND_HEADER:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        header.append(cell)
    ws.append(header)
    for section in SECTIONS:
        for spec in columns(section):
            ws.append(
                [
                    section.sheet,
                    spec.label,
                    spec.name,
                    _TYPE_NAMES[spec.type],
                    spec.unit,
                    YES if spec.required else "",
                    _allowed(spec),
                    _notes(section, spec),
                ]
            )


def write_workbook(
    dossiers: Iterable[Mapping[str, Any]], out: IO[bytes] | Path, *, towns: Sequence[str] | None = None
) -> int:
    """Write normalised dossiers in the template layout; returns the number of enterprises.

    ``towns``, when given, adds a dropdown of the district's 镇街 to the ``town`` column.
    Raises ``TypeError``/``ValueError`` for values a normalised dossier cannot hold (a
    ``datetime``, a date before 1900, text with control characters).
    """
    wb = Workbook(write_only=True)
    with contextlib.ExitStack() as stack:
        writers = {
            s.key: _SheetWriter(wb, s, towns, stack.enter_context(tempfile.SpooledTemporaryFile(_SPOOL_MAX)))
            for s in SECTIONS
        }
        count = 0
        ent = writers[ENTERPRISE.key]
        for dossier in dossiers:
            count += 1
            code = dossier.get("uscc")
            _check_keys(dossier, _DOSSIER_KEYS, code)
            ent.row(_enterprise_values(dossier))
            for section in LIST_SECTIONS:
                rows = dossier.get(section.key)
                if rows:
                    writer = writers[section.key]
                    names = section.field_names
                    allowed = _ROW_KEYS[section.key]
                    for item in rows:
                        _check_keys(item, allowed, code)
                        writer.row([code, *(item.get(name) for name in names)])
        # nothing below depends on the dossiers: no error can leave openpyxl's writers unsaved
        for writer in writers.values():
            writer.write_header()
        _legend(wb)
        skeleton = io.BytesIO()
        wb.save(skeleton)
        book = _Xlsx(skeleton)
        parts = book.sheets
        book.close()
        by_part = {parts[w.section.sheet]: w for w in writers.values()}
        target: Any = os.fspath(out) if isinstance(out, str | os.PathLike) else out
        with zipfile.ZipFile(skeleton) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info)
                part_writer = by_part.get(info.filename)
                if part_writer is None:
                    dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                else:
                    with dst.open(info.filename, "w") as fh:
                        part_writer.splice(data, fh)
    return count


def write_template(out: IO[bytes] | Path, *, towns: Sequence[str] | None = None) -> None:
    """The empty import template (headers, dropdowns, legend)."""
    write_workbook((), out, towns=towns)


# ------------------------------------------------------------------------------- xlsx reading
#
# openpyxl's read-only mode parses every cell through several Python layers and, for workbooks
# without a stored dimension (those written in write-only mode, i.e. our own exports), scans each
# sheet once more when opening it: a 10 000-enterprise workbook took ~40 s. This small streaming
# reader (pyexpat, stdlib) reads cell *values* only, the way openpyxl's read-only mode with
# ``data_only=True`` does: shared and inline strings, numbers (dates by their cell format,
# including the Chinese built-in date formats), booleans, error values, cached formula results.

_CJK_DATE_FORMAT_IDS = frozenset(range(27, 37)) | frozenset(range(50, 59))
_READ_ERRORS = (
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


class _Xlsx:
    """A read-only view of the cell values of an .xlsx file."""

    def __init__(self, source: IO[bytes] | Path | str) -> None:
        self.zip = zipfile.ZipFile(source)
        try:
            self._load()
        except BaseException:
            self.zip.close()
            raise

    def _load(self) -> None:
        root_rels = self._relationships("_rels/.rels", "")
        book = next((t for typ, t in root_rels.values() if typ.endswith("/officeDocument")), None)
        if book is None:
            raise KeyError("no workbook part")
        rels = self._relationships(
            posixpath.join(posixpath.dirname(book), "_rels", posixpath.basename(book) + ".rels"), book
        )
        tree = ElementTree.fromstring(self.zip.read(book))
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
        tree = ElementTree.fromstring(self.zip.read(path))
        out = {}
        for el in tree:
            if _local(el.tag) == "Relationship" and el.get("TargetMode") != "External":
                out[el.get("Id", "")] = (el.get("Type", ""), _part_path(base, el.get("Target", "")))
        return out

    def _shared_strings(self, path: str) -> list[str]:
        out: list[str] = []
        with self.zip.open(path) as fh:
            for _, el in ElementTree.iterparse(fh):
                if _local(el.tag) == "si":
                    out.append(_rich_text(el))
                    el.clear()
        return out

    def _date_styles(self, path: str) -> frozenset[int]:
        tree = ElementTree.fromstring(self.zip.read(path))
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

    def rows(self, sheet: str) -> Iterator[tuple[int, dict[int, Any]]]:
        """``(row number, {0-based column: value})`` for every row that has a value."""
        with self.zip.open(self.sheets[sheet]) as fh:
            yield from _parse_sheet(self, fh)


def _rich_text(el: ElementTree.Element) -> str:
    """The text of an ``<si>``/``<is>`` element: plain or rich runs, without phonetic runs."""
    parts: list[str] = []
    for child in el:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


_DIGITS = "0123456789"


def _parse_sheet(book: _Xlsx, fh: IO[bytes]) -> Iterator[tuple[int, dict[int, Any]]]:
    """Streaming parse of one worksheet part with pyexpat (no element objects).

    The handlers are closures over local state: this is the hot loop of every import.
    """
    shared, date_styles, epoch = book.shared, book.date_styles, book.epoch
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
    parser = expat.ParserCreate()
    parser.buffer_text = True

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal row, cells, col, ctype, style, value, inline, buf, phonetic
        if ":" in tag:
            tag = tag.split(":", 1)[1]
        if tag == "c":
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
        elif tag == "v" or (tag == "t" and inline is not None and not phonetic):
            buf = []
            parser.CharacterDataHandler = buf.append
        elif tag == "row":
            r = attrs.get("r")
            row = int(r) if r else row + 1
            cells = {}
            col = -1
        elif tag == "is":
            inline = []
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
                cells[col] = cell
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


# ----------------------------------------------------------------------------------------- read


@dataclass
class _Entry:
    """One enterprise row and the list rows attached to it, with their Excel row numbers."""

    row: int
    obj: dict[str, Any]
    list_rows: dict[str, list[int]] = field(default_factory=dict)
    errors: list[DossierError] = field(default_factory=list)
    uscc_reported: bool = False  # the USCC cell already has an error: ignore "required"


@dataclass
class _Sheet:
    section: Section
    title: str
    index: dict[str, int]  # field name → 0-based column index
    letters: dict[str, str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def _cell_input(value: Any, kind: str) -> Any:
    """A cell value in the form :func:`parse_dossier` accepts (``None`` for empty cells)."""
    t = type(value)
    if t is str:
        return value.strip() or None
    if t is float:
        if not math.isfinite(value):
            return str(value)
        # Excel keeps 15 significant digits: 3200.5 stays 3200.5, 0.1+0.2 becomes 0.3
        number = Decimal(format(value, ".15g"))
        return plain_decimal(number) if kind == "str" else number
    if t is int:
        return str(value) if kind == "str" else value
    if t is datetime:
        return value.date() if value.time() == time() else value
    if t is bool:
        return value
    return str(value)  # times and anything unexpected: shown as text in the error


def _error(
    sheet: str, row: int | None, column: str, spec: FieldSpec | None, value: Any, message: str, code: str
) -> DossierError:
    return DossierError(
        sheet=sheet,
        row=row,
        column=column,
        field=spec.name if spec else "",
        label=spec.label if spec else "",
        value=value,
        message=message,
        code=code,
        source="excel",
    )


def _read_header(book: _Xlsx, title: str, section: Section, errors: list[DossierError]) -> _Sheet | None:
    """Locate the columns by the field names of row 2; ``None`` if the sheet is unusable."""
    specs = {s.name: s for s in columns(section)}
    header: dict[int, Any] = {}
    for number, cells in book.rows(title):
        if number == FIELD_ROW:
            header = cells
        if number >= FIELD_ROW:
            break
    sheet = _Sheet(section, title, {}, {})
    broken = False
    for i in sorted(header):
        raw = header[i]
        name = str(raw).strip()
        if not name:
            continue
        letter = get_column_letter(i + 1)
        spec = specs.get(name)
        if spec is None:
            message = MSG_UNKNOWN_COLUMN.format(name=name, allowed="、".join(specs))
            errors.append(_error(title, FIELD_ROW, letter, None, raw, message, "unknown_field"))
        elif name in sheet.index:
            message = MSG_DUPLICATE_COLUMN.format(name=name, first=sheet.letters[name], second=letter)
            errors.append(_error(title, FIELD_ROW, letter, spec, raw, message, "duplicate_column"))
            broken = True
        else:
            sheet.index[name] = i
            sheet.letters[name] = letter
    for spec in specs.values():
        if spec.required and spec.name not in sheet.index:
            message = MSG_MISSING_COLUMN.format(label=spec.label, name=spec.name)
            errors.append(_error(title, FIELD_ROW, "", spec, None, message, "missing_column"))
            broken = True
    return None if broken else sheet


def _read_rows(book: _Xlsx, sheet: _Sheet) -> None:
    # "uscc": numbers stay numbers, so that a code Excel turned into a number can be reported
    kinds = {name: ("uscc" if name == "uscc" else sheet.section.field(name).type) for name in sheet.index}
    wanted = [(i, name, kinds[name]) for name, i in sheet.index.items()]
    for number, cells in book.rows(sheet.title):
        if number < FIRST_DATA_ROW:
            continue
        record: dict[str, Any] = {}
        for i, name, kind in wanted:
            value = cells.get(i)
            if value is not None:
                value = _cell_input(value, kind)
                if value is not None:
                    record[name] = value
        if record:  # fully empty rows (or rows with only blanks) are skipped
            sheet.rows.append((number, record))


def _uscc_key(value: Any) -> str | None:
    return normalise_uscc(value) if isinstance(value, str) else None


def read_workbook(
    source: IO[bytes] | Path,
    *,
    today: date,
    towns: Collection[str] | None = None,
    name: str | None = None,
) -> ParseResult:
    """Read and validate a workbook in the template layout.

    Every problem is listed with sheet name, Excel row number and column letter. Sheets other
    than the sections' (e.g. ``说明``) are ignored; a missing list sheet means no rows. When
    the workbook cannot be opened, or ``企业基本信息`` or a required column is missing, or a
    field name occurs twice in row 2, the result has errors and no dossiers.
    ``name`` is the file name used when the file itself cannot be opened.
    """
    label = name or _source_name(source)
    failed = ParseResult(
        errors=[DossierError(label, None, "", "", "", None, MSG_NOT_WORKBOOK, "not_workbook", source="file")]
    )
    try:
        book = _Xlsx(source)
    except _READ_ERRORS:
        return failed
    try:
        return _read_workbook(book, today=today, towns=towns)
    except _READ_ERRORS:
        return failed
    finally:
        book.close()


def _source_name(source: object) -> str:
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    name = getattr(source, "name", None)
    return Path(name).name if isinstance(name, str) and name else "上传的文件"


def _read_workbook(book: _Xlsx, *, today: date, towns: Collection[str] | None) -> ParseResult:
    errors: list[DossierError] = []
    sheets: dict[str, _Sheet] = {}
    structure_ok = True
    for section in SECTIONS:
        if section.sheet not in book.sheets:
            if section is ENTERPRISE:
                message = MSG_MISSING_SHEET.format(sheet=section.sheet)
                errors.append(_error(section.sheet, None, "", None, None, message, "missing_sheet"))
                structure_ok = False
            continue
        sheet = _read_header(book, section.sheet, section, errors)
        if sheet is None:
            structure_ok = False
            continue
        sheets[section.key] = sheet
    if not structure_ok:
        return ParseResult(errors=errors)
    for sheet in sheets.values():
        _read_rows(book, sheet)

    entries: list[_Entry] = []
    by_uscc: dict[str, _Entry] = {}
    duplicated: set[str] = set()
    ent_sheet = sheets[ENTERPRISE.key]
    uscc_letter = ent_sheet.letters["uscc"]
    for number, record in ent_sheet.rows:
        entry = _Entry(number, record)
        code = record.get("uscc")
        if isinstance(code, int | Decimal):
            entry.errors.append(
                _error(ent_sheet.title, number, uscc_letter, _USCC, code, MSG_USCC_AS_NUMBER, "type")
            )
            entry.uscc_reported = True
            del record["uscc"]
            code = None
        credit = {k: record.pop(k) for k in CREDIT_FIELDS if k in record}
        if credit:
            record["credit"] = credit
        entries.append(entry)
        key = _uscc_key(code)
        if key is None:
            continue
        if key in by_uscc:
            duplicated.add(key)
            message = MSG_DUPLICATE_USCC.format(first=by_uscc[key].row)
            entry.errors.append(
                _error(ent_sheet.title, number, uscc_letter, _USCC, code, message, "duplicate_uscc")
            )
        else:
            by_uscc[key] = entry

    for section in LIST_SECTIONS:
        list_sheet = sheets.get(section.key)
        if list_sheet is None:
            continue
        letter = list_sheet.letters["uscc"]
        for number, record in list_sheet.rows:
            code = record.pop("uscc", None)
            key = _uscc_key(code)
            target = by_uscc.get(key) if key is not None else None
            if target is None:
                if code is None:
                    message = MSG_REQUIRED.format(label=_USCC.label)
                    errors.append(_error(list_sheet.title, number, letter, _USCC, None, message, "required"))
                elif not isinstance(code, str):
                    errors.append(
                        _error(list_sheet.title, number, letter, _USCC, code, MSG_USCC_AS_NUMBER, "type")
                    )
                else:
                    message = MSG_UNKNOWN_USCC.format(sheet=ent_sheet.title)
                    errors.append(
                        _error(list_sheet.title, number, letter, _USCC, code, message, "unknown_uscc")
                    )
                continue
            target.obj.setdefault(section.key, []).append(record)
            target.list_rows.setdefault(section.key, []).append(number)

    dossiers: list[dict[str, Any]] = []
    for entry in entries:
        dossier, problems = parse_dossier(entry.obj, today=today, towns=towns)
        entry.errors += [
            _locate(p, entry, sheets) for p in problems if not (entry.uscc_reported and p.path == ("uscc",))
        ]
        errors += entry.errors
        if not entry.errors and dossier.get("uscc") not in duplicated:
            dossiers.append(dossier)
    errors.sort(key=_error_order)
    return ParseResult(dossiers=dossiers, errors=errors)


_SHEET_ORDER = {s.sheet: i for i, s in enumerate(SECTIONS)}


def _error_order(error: DossierError) -> tuple[int, int, int, str]:
    """Sheet order of the template, then row, then column (A < Z < AA)."""
    return (_SHEET_ORDER.get(error.sheet, len(_SHEET_ORDER)), error.row or 0, len(error.column), error.column)


def _locate(problem: FieldProblem, entry: _Entry, sheets: Mapping[str, _Sheet]) -> DossierError:
    section = problem.section
    sheet = sheets[section.key]
    path = problem.path
    if section is ENTERPRISE:
        row = entry.row
        name = str(path[1]) if path[0] == "credit" and len(path) > 1 else str(path[0])
    else:
        index = problem.row_index
        row = entry.list_rows[section.key][index] if index is not None else entry.row
        name = str(path[2]) if len(path) > 2 else problem.field
    return problem.to_error(sheet=sheet.title, row=row, column=sheet.letters.get(name, ""), source="excel")
