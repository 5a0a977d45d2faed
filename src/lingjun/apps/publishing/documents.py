"""A notice as a document: the PDF (WeasyPrint, Noto Sans CJK, page numbers, the seal area) and
the Excel workbook (openpyxl, text cells through :mod:`lingjun.cellsafe`).

Both show exactly what the notice stores — title, document number, date, and the numbered list
of name, USCC, town and tier — nothing from a dossier.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from lingjun.apps.publishing.models import Notice, NoticeEntry
from lingjun.apps.publishing.selectors import notice_entries
from lingjun.cellsafe import cell_text

#: the issuing authority printed above the seal
ISSUER = "天津市武清区科学技术局"
HEADERS = ("序号", "企业名称", "统一社会信用代码", "所属镇街", "层级")


def _rows(entries: list[NoticeEntry]) -> list[tuple[int, str, str, str, str]]:
    return [(e.seq, e.name, e.uscc, e.town, e.get_tier_display()) for e in entries]


def notice_pdf(*, notice: Notice) -> bytes:
    """The notice as a PDF, A4, numbered pages (“第 n 页 共 m 页”)."""
    from weasyprint import HTML  # heavy import: only when a PDF is asked for

    html = render_to_string(
        "publishing/notice_pdf.html",
        {
            "notice": notice,
            "rows": _rows(notice_entries(notice=notice)),
            "headers": HEADERS,
            "issuer": ISSUER,
        },
    )
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def notice_xlsx(*, notice: Notice) -> bytes:
    """The notice as a workbook: the title, number and date above the numbered list."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = str(notice.get_kind_display())
    ws.append([cell_text(notice.title)])
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws["A1"].alignment = Alignment(horizontal="center")
    meta = f"{notice.document_number}　" if notice.document_number else ""
    meta += f"发布日期：{notice.published_on:%Y年%m月%d日}"
    if notice.ends_on:
        meta += f"　公示截止：{notice.ends_on:%Y年%m月%d日}"
    ws.append([cell_text(meta)])
    ws.append(list(HEADERS))
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for seq, name, uscc, town, tier in _rows(notice_entries(notice=notice)):
        ws.append([seq, cell_text(name), cell_text(uscc), cell_text(town), cell_text(tier)])
    for column, width in zip("ABCDE", (8, 44, 24, 16, 18), strict=True):
        ws.column_dimensions[column].width = width
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def download_name(*, notice: Notice, suffix: str) -> str:
    """A file name for the notice: its title, unsafe characters removed."""
    safe = "".join(c for c in notice.title if c not in '\\/:*?"<>|').strip() or f"notice-{notice.pk}"
    return f"{safe[:80]}.{suffix}"


#: bump when the documents' layout changes: files made by an earlier layout are made again
LAYOUT = 1


def notice_document(*, notice: Notice, suffix: str) -> bytes:
    """The notice's PDF (``suffix="pdf"``) or workbook (``"xlsx"``), made once and kept under
    ``LINGJUN_HOME/notices/`` (a published notice never changes; the public page must not make
    a PDF of hundreds of lines at every request)."""
    makers: dict[str, Callable[..., bytes]] = {"pdf": notice_pdf, "xlsx": notice_xlsx}
    folder = Path(settings.LINGJUN_HOME) / "notices"
    path = folder / f"notice-{notice.pk}-v{LAYOUT}.{suffix}"
    if path.exists():
        return path.read_bytes()
    content = makers[suffix](notice=notice)
    folder.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=folder, suffix=".part")
    with os.fdopen(fd, "wb") as out:
        out.write(content)
    os.replace(partial, path)  # whole or not at all, also with two requests at once
    return content
