"""Writing dossier workbooks: the export and the empty import template.

The workbook *structure* (styles, header rows, dropdowns, frozen panes, column widths, the
legend) is built with openpyxl in write-only mode. The data rows are then streamed straight
into the sheet parts as SpreadsheetML: openpyxl serialises each cell through several Python
objects (about 40 s of CPU for 10 000 enterprises on this machine); writing the few cell forms
we need directly takes a fraction of that. Strings are inline strings, numbers plain decimal
text (exact up to Excel's 15 significant digits), dates serial numbers with a date format.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from lingjun.cellsafe import cell_text, cell_value
from lingjun.dossier.excel_layout import (
    DATE_FORMAT,
    EXCEL_MAX_ROWS,
    FIRST_DATA_ROW,
    LEGEND_HEADER,
    LEGEND_NOTES,
    LEGEND_SHEET,
    MSG_DROPDOWN_ERROR,
    NO,
    NONE_WORD,
    YES,
    columns,
    header_label,
)
from lingjun.dossier.excel_xlsx import Xlsx
from lingjun.dossier.schema import CREDIT_FIELDS, ENTERPRISE, LIST_SECTIONS, SECTIONS, FieldSpec, Section
from lingjun.dossier.validate import DOSSIER_KEYS, format_allowed, plain_decimal

_TYPE_NAMES = {
    "str": "文本",
    "enum": "选项",
    "date": "日期（YYYY-MM-DD）",
    "decimal": "数值",
    "int": "整数",
    "bool": "是/否",
    "int_list": "年度列表（逗号分隔）",
}

_BOLD = Font(bold=True)
_FIELD_FONT = Font(color="808080", size=9)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
_WRAP = Alignment(horizontal="center", vertical="center", wrap_text=True)
_MAX_LIST_FORMULA = 255


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
    text = cell_text(text)  # never a formula when opened (lingjun.cellsafe); the reader restores it
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
        cell = WriteOnlyCell(self.ws, value=cell_text(header_label(spec)))
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
            legend = (
                section.sheet,
                spec.label,
                spec.name,
                _TYPE_NAMES[spec.type],
                spec.unit,
                YES if spec.required else "",
                _allowed(spec),
                _notes(section, spec),
            )
            ws.append([cell_value(v) for v in legend])


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
        book = Xlsx(skeleton)
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
