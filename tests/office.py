"""Ordinary office software for the tests: LibreOffice Calc (Debian's libreoffice-calc-nogui).

The workbooks the platform writes must open in the office software clerks use, and a workbook
a clerk saved there must import. ``soffice --headless --convert-to`` opens a file exactly as the
desktop program would and saves it again: as CSV, one file per sheet, to read what it saw, or as
xlsx, to import what it wrote.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.conftest import require_all_engines

#: CSV export of every sheet: comma, double quote, UTF-8 (76), from line 1, …, -1 = all sheets
_CSV_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
_XLSX = "xlsx:Calc MS Excel 2007 XML"


def soffice_or_skip() -> str:
    """The soffice program; skip without it, fail instead under LINGJUN_REQUIRE_ALL_ENGINES=1 (CI)."""
    found = shutil.which("soffice")
    if found is None:
        reason = "LibreOffice is not installed (Debian package libreoffice-calc-nogui)"
        if require_all_engines():
            pytest.fail(f"LINGJUN_REQUIRE_ALL_ENGINES=1 but {reason}")
        pytest.skip(reason)
    return found


def _convert(src: Path, to: str, outdir: Path) -> None:
    soffice = soffice_or_skip()
    outdir.mkdir(parents=True, exist_ok=True)
    # a profile of its own: two instances sharing one (parallel test workers) would wait for each other
    profile = (outdir / ".profile").resolve().as_uri()
    done = subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation={profile}"]
        + ["--convert-to", to, "--outdir", str(outdir), str(src)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    if done.returncode != 0:
        raise AssertionError(f"LibreOffice could not convert {src.name}:\n{done.stdout}\n{done.stderr}")


def sheets_as_read(src: Path, outdir: Path) -> dict[str, list[list[str]]]:
    """Every sheet of ``src`` as LibreOffice shows it: ``{sheet name: rows of cell texts}``."""
    _convert(src, _CSV_ALL_SHEETS, outdir)
    prefix = f"{src.stem}-"
    sheets = {}
    for path in sorted(outdir.glob(f"{prefix}*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            sheets[path.stem[len(prefix) :]] = list(csv.reader(f))
    if not sheets:
        raise AssertionError(f"LibreOffice wrote no sheet of {src.name}")
    return sheets


def resaved(src: Path, outdir: Path) -> Path:
    """``src`` opened in LibreOffice and saved again as xlsx (what a clerk's edit would leave)."""
    _convert(src, _XLSX, outdir)
    out = outdir / f"{src.stem}.xlsx"
    if not out.exists():
        raise AssertionError(f"LibreOffice did not save {out.name}")
    return out
