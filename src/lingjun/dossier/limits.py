"""Limits on what an imported file may hold, checked while it is read, before any work.

An uploaded file is untrusted: a 320 KB ``.xlsx`` can hold a 300 MB shared string or unzip to
gigabytes (a zip bomb), a 10 MB one two million rows, an XML part entity definitions that expand
without end. The readers (:mod:`lingjun.dossier.excel_xlsx`, :mod:`lingjun.dossier.jsonl`) take a
:class:`ReadLimits` and refuse a file as soon as it passes one, with :class:`FileTooLarge`, which
says where (sheet or line) and what the limit is. The web app and the CLI build the limits from
the ``LINGJUN_IMPORT_*`` settings (``docs/configuration.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024

#: Excel's own limit on the characters of one cell
EXCEL_CELL_CHARS = 32_767

MSG_FILE_BYTES = "文件过大：{size}，上限为{limit}。请分批导入，或请管理员调整 LINGJUN_IMPORT_MAX_FILE_MB。"
MSG_UNZIPPED = "Excel文件解压后过大：{size}，上限为{limit}（可能是“压缩炸弹”）。请检查文件来源，或分批导入。"
MSG_ENTRIES = "Excel文件内部的部件过多（{count}个，上限{limit}个），不是正常的工作簿。"
MSG_ROWS = "行数超过上限（{limit}行）。请分批导入，或请管理员调整 LINGJUN_IMPORT_MAX_ROWS。"
MSG_CELLS = "单元格数超过上限（{limit}个）。请删除多余的列和行，或分批导入。"
MSG_LINE_BYTES = "这一行过长（超过{limit}），不是一个正常的企业档案。请检查文件。"
MSG_XML_ENTITIES = (
    "Excel文件的“{part}”部件含有文档类型或实体定义（DOCTYPE/ENTITY），正常的工作簿不会有，"
    "可能是恶意文件，已拒绝。"
)
MSG_CELL_TEXT = "单元格内容过长：共{length}个字符，超过Excel的单元格上限{limit}个字符。"


def size_text(size: int) -> str:
    """``20 MB`` / ``512 KB`` / ``300 字节``."""
    if size >= MB:
        return f"{size / MB:.1f} MB".replace(".0 MB", " MB")
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} 字节"


@dataclass(frozen=True)
class ReadLimits:
    """What one imported file may hold (defaults: the settings' defaults)."""

    file_bytes: int = 20 * MB
    #: all parts of an .xlsx together, unzipped (their declared sizes, which zipfile enforces)
    unzipped_bytes: int = 200 * MB
    #: rows of one sheet; lines of a JSON Lines file
    rows: int = 200_000
    #: cells of one sheet
    cells: int = 3_000_000
    #: characters of one cell (a longer text is kept cut, and refused by validation)
    cell_chars: int = EXCEL_CELL_CHARS
    #: bytes of one JSON Lines line
    line_bytes: int = 1 * MB
    #: parts of an .xlsx (a workbook of ten sheets has about thirty)
    entries: int = 1000


class FileTooLarge(ValueError):
    """A file passed one of the :class:`ReadLimits`; nothing of it is used.

    ``code`` is a :data:`lingjun.dossier.errors.ERROR_CODES` key; ``sheet``/``row`` say where
    reading stopped (``""``/``None`` for the whole file).
    """

    def __init__(self, code: str, message: str, *, sheet: str = "", row: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.sheet = sheet
        self.row = row
