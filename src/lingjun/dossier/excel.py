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
values (openpyxl's read-only mode took about three times as long; see
:mod:`lingjun.dossier.excel_xlsx`). Every problem of an imported workbook is reported with its
sheet, Excel row number and column letter.

The code: :mod:`lingjun.dossier.excel_layout` (the layout and messages shared by both
directions), :mod:`lingjun.dossier.excel_write` (export and template),
:mod:`lingjun.dossier.excel_read` (import) and :mod:`lingjun.dossier.excel_xlsx` (the streaming
reader of cell values). This module is the public entry point: import from here.
"""

from lingjun.dossier.excel_layout import (
    DATE_FORMAT,
    EXCEL_MAX_ROWS,
    FIELD_ROW,
    FIRST_DATA_ROW,
    HEADER_ROW,
    LEGEND_HEADER,
    LEGEND_NOTES,
    LEGEND_SHEET,
    MSG_DROPDOWN_ERROR,
    MSG_DUPLICATE_COLUMN,
    MSG_MISSING_COLUMN,
    MSG_MISSING_SHEET,
    MSG_NOT_WORKBOOK,
    MSG_UNKNOWN_COLUMN,
    MSG_UNKNOWN_USCC,
    MSG_USCC_AS_NUMBER,
    NO,
    NONE_WORD,
    YES,
    columns,
    header_label,
)
from lingjun.dossier.excel_read import read_workbook
from lingjun.dossier.excel_write import excel_serial, write_template, write_workbook

__all__ = [
    "DATE_FORMAT",
    "EXCEL_MAX_ROWS",
    "FIELD_ROW",
    "FIRST_DATA_ROW",
    "HEADER_ROW",
    "LEGEND_HEADER",
    "LEGEND_NOTES",
    "LEGEND_SHEET",
    "MSG_DROPDOWN_ERROR",
    "MSG_DUPLICATE_COLUMN",
    "MSG_MISSING_COLUMN",
    "MSG_MISSING_SHEET",
    "MSG_NOT_WORKBOOK",
    "MSG_UNKNOWN_COLUMN",
    "MSG_UNKNOWN_USCC",
    "MSG_USCC_AS_NUMBER",
    "NO",
    "NONE_WORD",
    "YES",
    "columns",
    "excel_serial",
    "header_label",
    "read_workbook",
    "write_template",
    "write_workbook",
]
