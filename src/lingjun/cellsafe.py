"""Text cells that a spreadsheet will not run: formula injection neutralised the OWASP way.

A spreadsheet (Excel, LibreOffice Calc, WPS) treats a cell whose text begins with ``=``, ``+``,
``-`` or ``@`` as a formula, and some also after a leading tab or carriage return. Every file the
platform writes for a person to open in a spreadsheet (evaluation results as CSV and xlsx, the
dossier export and template) passes its text cells through :func:`cell_text`, which puts a ``'``
before such text, so that it is shown and stored as text; writers also write text as text (an
inline or shared string, never a ``<f>`` element).

Reading a dossier workbook back gives the original value through :func:`cell_text_restore`. To
keep the two exact inverses, text that already begins with ``'`` followed by one of those
characters (``'=x``, ``''=x``) also gets one more ``'`` when written, and the reader removes one
leading ``'`` exactly when the rest begins with a trigger character or with another ``'`` that
leads to one. Text beginning with ``'`` otherwise (``'abc``) is written and read unchanged.

Pure Python, no Django: used by :mod:`lingjun.rules`, :mod:`lingjun.dossier` and the apps.
"""

from __future__ import annotations

import re
from typing import Any

#: the characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"''*[=+\-@\t\r]")


def cell_text(text: str) -> str:
    """``text`` as it is safe to write in a spreadsheet cell (``'`` before a formula trigger)."""
    if _NEEDS_QUOTE.match(text):
        return "'" + text
    return text


def cell_value(value: Any) -> Any:
    """:func:`cell_text` for text; numbers, dates, booleans and ``None`` pass unchanged."""
    return cell_text(value) if isinstance(value, str) else value


def cell_text_restore(text: str) -> str:
    """The inverse of :func:`cell_text`: the text as it was before it was written."""
    if _QUOTED.match(text):
        return text[1:]
    return text
