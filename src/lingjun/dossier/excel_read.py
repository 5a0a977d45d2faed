"""Reading dossier workbooks: the import, validated, every problem located.

The columns are found by the field names of row 2; the cell values (read by
:class:`lingjun.dossier.excel_xlsx.Xlsx`) are turned into the input of
:func:`lingjun.dossier.validate.parse_dossier`, and every problem it reports is given the sheet,
Excel row number and column letter of its cell.
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from openpyxl.utils import get_column_letter

from lingjun.cellsafe import cell_text_restore
from lingjun.dossier.errors import DossierError, LongText, ParseResult
from lingjun.dossier.excel_layout import (
    FIELD_ROW,
    FIRST_DATA_ROW,
    MSG_DUPLICATE_COLUMN,
    MSG_FORMULA,
    MSG_MISSING_COLUMN,
    MSG_MISSING_SHEET,
    MSG_NOT_WORKBOOK,
    MSG_UNKNOWN_COLUMN,
    MSG_UNKNOWN_USCC,
    MSG_USCC_AS_NUMBER,
    USCC_FIELD,
    columns,
)
from lingjun.dossier.excel_xlsx import READ_ERRORS, FormulaCell, Xlsx
from lingjun.dossier.limits import FileTooLarge, ReadLimits
from lingjun.dossier.schema import CREDIT_FIELDS, ENTERPRISE, LIST_SECTIONS, SECTIONS, FieldSpec, Section
from lingjun.dossier.validate import (
    MSG_DUPLICATE_USCC,
    MSG_REQUIRED,
    FieldProblem,
    normalise_uscc,
    parse_dossier,
    plain_decimal,
)


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
    cell_errors: dict[int, list[DossierError]] = field(default_factory=dict)  # by row number


def _cell_input(value: Any, kind: str) -> Any:
    """A cell value in the form :func:`parse_dossier` accepts (``None`` for empty cells)."""
    t = type(value)
    if t is str:
        return cell_text_restore(value).strip() or None  # the ' our writer put before a formula
    if t is LongText:
        return value  # refused by validation as too long
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


def _read_header(book: Xlsx, title: str, section: Section, errors: list[DossierError]) -> _Sheet | None:
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


def _read_rows(book: Xlsx, sheet: _Sheet) -> None:
    # "uscc": numbers stay numbers, so that a code Excel turned into a number can be reported
    kinds = {name: ("uscc" if name == "uscc" else sheet.section.field(name).type) for name in sheet.index}
    wanted = [(i, name, kinds[name]) for name, i in sheet.index.items()]
    for number, cells in book.rows(sheet.title):
        if number < FIRST_DATA_ROW:
            continue
        record: dict[str, Any] = {}
        for i, name, kind in wanted:
            value = cells.get(i)
            if type(value) is FormulaCell:
                spec = sheet.section.field(name)
                error = _error(
                    sheet.title, number, sheet.letters[name], spec, value.value, MSG_FORMULA, "formula"
                )
                sheet.cell_errors.setdefault(number, []).append(error)
                continue
            if value is not None:
                value = _cell_input(value, kind)
                if value is not None:
                    record[name] = value
        if record or number in sheet.cell_errors:  # empty rows (or rows of blanks) are skipped
            sheet.rows.append((number, record))


def _uscc_key(value: Any) -> str | None:
    return normalise_uscc(value) if isinstance(value, str) else None


def read_workbook(
    source: IO[bytes] | Path,
    *,
    today: date,
    towns: Collection[str] | None = None,
    name: str | None = None,
    limits: ReadLimits | None = None,
) -> ParseResult:
    """Read and validate a workbook in the template layout.

    Every problem is listed with sheet name, Excel row number and column letter. Sheets other
    than the sections' (e.g. ``说明``) are ignored; a missing list sheet means no rows. When
    the workbook cannot be opened, or ``企业基本信息`` or a required column is missing, or a
    field name occurs twice in row 2, the result has errors and no dossiers.
    ``name`` is the file name used when the file itself cannot be opened. A file past one of
    the ``limits`` (:class:`ReadLimits`) is refused with one error saying where, no dossiers.
    """
    label = name or _source_name(source)
    failed = ParseResult(
        errors=[DossierError(label, None, "", "", "", None, MSG_NOT_WORKBOOK, "not_workbook", source="file")]
    )
    try:
        book = Xlsx(source, limits=limits)
    except FileTooLarge as exc:
        return _too_large(exc, label)
    except READ_ERRORS:
        return failed
    try:
        return _read_workbook(book, today=today, towns=towns)
    except FileTooLarge as exc:
        return _too_large(exc, label)
    except READ_ERRORS:
        return failed
    finally:
        book.close()


def _too_large(exc: FileTooLarge, label: str) -> ParseResult:
    if exc.sheet:
        error = DossierError(exc.sheet, exc.row, "", "", "", None, exc.message, exc.code, source="excel")
    else:
        error = DossierError(label, None, "", "", "", None, exc.message, exc.code, source="file")
    return ParseResult(errors=[error])


def _source_name(source: object) -> str:
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    name = getattr(source, "name", None)
    return Path(name).name if isinstance(name, str) and name else "上传的文件"


def _read_workbook(book: Xlsx, *, today: date, towns: Collection[str] | None) -> ParseResult:
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
        entry = _Entry(number, record, errors=list(ent_sheet.cell_errors.get(number, ())))
        code = record.get("uscc")
        if isinstance(code, int | Decimal):
            entry.errors.append(
                _error(ent_sheet.title, number, uscc_letter, USCC_FIELD, code, MSG_USCC_AS_NUMBER, "type")
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
                _error(ent_sheet.title, number, uscc_letter, USCC_FIELD, code, message, "duplicate_uscc")
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
                errors += list_sheet.cell_errors.get(number, ())
                if code is None:
                    message = MSG_REQUIRED.format(label=USCC_FIELD.label)
                    errors.append(
                        _error(list_sheet.title, number, letter, USCC_FIELD, None, message, "required")
                    )
                elif not isinstance(code, str):
                    errors.append(
                        _error(list_sheet.title, number, letter, USCC_FIELD, code, MSG_USCC_AS_NUMBER, "type")
                    )
                else:
                    message = MSG_UNKNOWN_USCC.format(sheet=ent_sheet.title)
                    errors.append(
                        _error(list_sheet.title, number, letter, USCC_FIELD, code, message, "unknown_uscc")
                    )
                continue
            target.obj.setdefault(section.key, []).append(record)
            target.list_rows.setdefault(section.key, []).append(number)
            target.errors += list_sheet.cell_errors.get(number, ())

    dossiers: list[dict[str, Any]] = []
    for entry in entries:
        dossier, problems = parse_dossier(entry.obj, today=today, towns=towns)
        formulas = {(e.sheet, e.row, e.column) for e in entry.errors if e.code == "formula"}
        located = [
            _locate(p, entry, sheets) for p in problems if not (entry.uscc_reported and p.path == ("uscc",))
        ]
        # a formula cell is reported once, not also as empty
        entry.errors += [
            e for e in located if not (e.code == "required" and (e.sheet, e.row, e.column) in formulas)
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
