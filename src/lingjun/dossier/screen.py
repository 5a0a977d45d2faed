"""Screening an imported file against the :class:`~lingjun.dossier.limits.ReadLimits` before it
is stored or queued: its size, and — without reading a single value — an ``.xlsx``'s parts
(count, unzipped size, XML entity declarations) and each sheet's rows and cells, a ``.jsonl``'s
lines. A large upload is imported by a background job; screened first, a file the import would
refuse for its size is refused at once and never stored. The import itself checks every limit
again while it reads (the file could be changed between the two only on disk, by the server).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from lingjun.dossier.errors import DossierError
from lingjun.dossier.excel_xlsx import READ_ERRORS, Xlsx
from lingjun.dossier.jsonl import jsonl_screen
from lingjun.dossier.limits import MSG_FILE_BYTES, FileTooLarge, ReadLimits, size_text


def file_size(source: Path | IO[bytes]) -> int:
    """The size of a file on disk, an uploaded file, or any seekable stream."""
    if isinstance(source, Path):
        return source.stat().st_size
    size = getattr(source, "size", None)  # an uploaded file
    if isinstance(size, int):
        return size
    here = source.tell()
    end = source.seek(0, 2)
    source.seek(here)
    return end


def _error(exc: FileTooLarge, file_name: str) -> DossierError:
    if exc.sheet:
        return DossierError(exc.sheet, exc.row, "", "", "", None, exc.message, exc.code, source="excel")
    if exc.row is not None:  # a line of a JSON Lines file
        return DossierError(file_name, exc.row, "", "", "", None, exc.message, exc.code, source="jsonl")
    return DossierError(file_name, None, "", "", "", None, exc.message, exc.code, source="file")


def screen_file(source: Path | IO[bytes], *, file_name: str, limits: ReadLimits) -> DossierError | None:
    """The first limit ``source`` passes, as a located error, or ``None``.

    A file that is not a workbook at all passes the screen (the import says what is wrong with
    it). A stream is left at its start.
    """
    size = file_size(source)
    if size > limits.file_bytes:
        message = MSG_FILE_BYTES.format(size=size_text(size), limit=size_text(limits.file_bytes))
        return DossierError(file_name, None, "", "", "", None, message, "file_too_large", source="file")
    suffix = Path(file_name).suffix.lower()
    try:
        if suffix == ".jsonl":
            if isinstance(source, Path):
                with source.open("rb") as fh:
                    jsonl_screen(fh, limits=limits)
            else:
                jsonl_screen(source, limits=limits)
        elif suffix == ".xlsx":
            book = Xlsx(source, limits=limits)
            try:
                book.screen()
            finally:
                book.close()
    except FileTooLarge as exc:
        return _error(exc, file_name)
    except READ_ERRORS:
        return None
    finally:
        if not isinstance(source, Path):
            source.seek(0)
    return None
