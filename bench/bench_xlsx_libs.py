"""Benchmark (issue #12 trial): python-calamine and XlsxWriter against the hand-written reader and
writer of dossier workbooks, on the 10 000-enterprise import file.

* **write**: the dossiers of ``--enterprises`` generated enterprises into a workbook of the
  template layout — the platform's writer (:func:`lingjun.dossier.excel.write_workbook`: openpyxl
  for the skeleton, the data rows streamed as SpreadsheetML) against XlsxWriter
  (``constant_memory``, the same sheets, header rows, formats, widths, frozen panes, dropdowns and
  typed cells; text written as text, never as a formula);
* **read cells**: every cell value of every sheet of that file — the platform's streaming reader
  (:class:`lingjun.dossier.excel_xlsx.Xlsx`, pyexpat, the import limits checked while reading)
  against python-calamine (Rust; ``iter_rows`` of each sheet);
* **import read**: for context, the whole parse and validation of the import
  (:func:`lingjun.dossier.excel.read_workbook`), of which the cell reading is a part.

Each is timed ``--repeat`` times (best and median), each library in a fresh process for its peak
RSS. The two libraries are not dependencies of the platform: install them beside it for the trial,

    .venv/bin/python -m pip install --target /tmp/xl python-calamine xlsxwriter
    PYTHONPATH=src:/tmp/xl .venv/bin/python bench/bench_xlsx_libs.py [--enterprises 10000] [--record]

With ``--record`` the figures go to docs/benchmarks.md, section "Excel libraries (trial, issue #12)".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2024


def _dossiers(n: int) -> list[dict[str, Any]]:
    from lingjun.demo import generate_dossiers

    return list(generate_dossiers(n=n, seed=7, year=YEAR))


# ------------------------------------------------------------------------------------ writers


def write_platform(dossiers: list[dict[str, Any]], path: Path) -> None:
    from lingjun.dossier.excel import write_workbook

    write_workbook(dossiers, path)


def write_xlsxwriter(dossiers: list[dict[str, Any]], path: Path) -> None:
    """The same workbook with XlsxWriter: sheets, two header rows, formats, typed data cells."""
    import xlsxwriter

    from lingjun.cellsafe import cell_text
    from lingjun.dossier.excel_layout import (
        DATE_FORMAT,
        EXCEL_MAX_ROWS,
        FIRST_DATA_ROW,
        NO,
        NONE_WORD,
        YES,
        columns,
        header_label,
    )
    from lingjun.dossier.excel_write import _enterprise_values, excel_serial
    from lingjun.dossier.schema import ENTERPRISE, LIST_SECTIONS, SECTIONS

    book = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    bold = book.add_format({"bold": True, "text_wrap": True, "bg_color": "#DDEBF7"})
    text = book.add_format({"num_format": "@"})
    day = book.add_format({"num_format": DATE_FORMAT})
    sheets = {}
    for section in SECTIONS:
        ws = book.add_worksheet(section.sheet)
        specs = columns(section)
        ws.freeze_panes(2, 2 if section is ENTERPRISE else 1)
        for i, spec in enumerate(specs):
            ws.set_column(i, i, 14, text if spec.type == "str" else day if spec.type == "date" else None)
            ws.write_string(0, i, cell_text(header_label(spec)), bold)
            ws.write_string(1, i, spec.name)
            options = (
                [c.label for c in spec.choices]
                if spec.type == "enum"
                else [YES, NO]
                if spec.type == "bool"
                else []
            )
            if options and len(",".join(options)) < 250:
                ws.data_validation(
                    FIRST_DATA_ROW - 1, i, EXCEL_MAX_ROWS - 1, i, {"validate": "list", "source": options}
                )
        sheets[section.key] = [ws, specs, FIRST_DATA_ROW - 1]

    def row(key: str, values: list[Any]) -> None:
        entry = sheets[key]
        ws, specs, r = entry
        for c, (spec, value) in enumerate(zip(specs, values, strict=True)):
            if value is None:
                continue
            kind = spec.type
            if kind == "str":
                ws.write_string(r, c, value if isinstance(value, str) else str(value), text)
            elif kind in ("decimal", "int"):
                ws.write_number(r, c, float(value))
            elif kind == "date":
                ws.write_number(r, c, excel_serial(value), day)
            elif kind == "enum":
                ws.write_string(r, c, spec.choice_label(value))
            elif kind == "bool":
                ws.write_string(r, c, YES if value else NO)
            else:
                ws.write_string(r, c, ",".join(str(int(y)) for y in value) if value else NONE_WORD)
        entry[2] = r + 1

    for dossier in dossiers:
        row(ENTERPRISE.key, _enterprise_values(dossier))
        code = dossier["uscc"]
        for section in LIST_SECTIONS:
            for item in dossier.get(section.key) or ():
                row(section.key, [code, *(item.get(name) for name in section.field_names)])
    book.close()


# ------------------------------------------------------------------------------------ readers


def read_platform(path: Path) -> int:
    from lingjun.dossier.excel_xlsx import Xlsx

    book = Xlsx(path)
    cells = 0
    try:
        for sheet in book.sheets:
            for _number, values in book.rows(sheet):
                cells += len(values)
    finally:
        book.close()
    return cells


def read_calamine(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    cells = 0
    for sheet in book.sheet_names:
        for values in book.get_sheet_by_name(sheet).iter_rows():
            cells += sum(1 for v in values if v != "")
    return cells


def read_import(path: Path) -> int:
    from datetime import date

    from lingjun.dossier.excel import read_workbook

    result = read_workbook(path, today=date(YEAR + 1, 6, 30))
    assert not result.errors, result.errors[:3]
    return len(result.dossiers)


# ------------------------------------------------------------------------- hostile files


PROBE = """
import resource, sys, tempfile
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.hostile_files import BILLION_LAUGHS, book, row, shared_text, write_book
from python_calamine import CalamineWorkbook

def cells(source):
    wb = CalamineWorkbook.from_path(source) if isinstance(source, str) else CalamineWorkbook.from_filelike(source)
    return [list(r) for r in wb.get_sheet_by_name("企业基本信息").iter_rows()]

formula = book(rows=row(3, '<c r="B3" t="str"><f>HYPERLINK("http://x","点击")</f><v>点击</v></c>'))
print("- a formula cell =HYPERLINK(…) reads as", repr(cells(formula)[-1][1]), "(no sign of the formula)")
laughs = book(rows=row(3, '<c r="B3" t="s"><v>0</v></c>').replace("2018-04-12", "&lol9;"),
              shared="<si><t>甲</t></si>", prolog=BILLION_LAUGHS)
try:
    cells(laughs)
    print("- XML entity expansion: read")
except Exception as exc:
    print("- XML entity expansion: refused,", type(exc).__name__, str(exc)[:60])
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "big.xlsx"
    write_book(path, rows=row(3, '<c r="B3" t="s"><v>0</v></c>'), shared=shared_text(150))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    length = len(cells(str(path))[-1][1])
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
    print(f"- a 150 MB shared string: read whole ({{length:,}} characters), +{{grown:.0f}} MiB of memory")
"""


def probe_calamine() -> list[str]:
    """What python-calamine does with three files of the hostile corpus (a fresh process)."""
    code = PROBE.format(root=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=os.environ
    )
    return [
        "",
        "python-calamine on the hostile corpus (`tests/hostile_files.py`):",
        *out.stdout.strip().splitlines(),
    ]


# ------------------------------------------------------------------------------------ timing


def _time(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    times = []
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times), out


CHILD = """
import json, resource, sys
sys.path.insert(0, {bench!r})
import bench_xlsx_libs as b
from pathlib import Path
what, path, repeat = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
if what.startswith("write"):
    dossiers = b._dossiers(int(sys.argv[4]))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    fn = (lambda: b.write_platform(dossiers, path)) if what == "write-platform" else (lambda: b.write_xlsxwriter(dossiers, path))
else:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    fn = {{"read-platform": lambda: b.read_platform(path), "read-calamine": lambda: b.read_calamine(path),
          "read-import": lambda: b.read_import(path)}}[what]
best, median, out = b._time(fn, repeat)
print(json.dumps({{"best": best, "median": median, "out": out,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "before_mib": before / 1024, "size": path.stat().st_size}}))
"""


def _child(what: str, path: Path, repeat: int, n: int) -> dict[str, Any]:
    code = CHILD.format(bench=str(Path(__file__).resolve().parent))
    out = subprocess.run(
        [sys.executable, "-c", code, what, str(path), str(repeat), str(n)],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    try:
        import python_calamine  # noqa: F401
        import xlsxwriter  # noqa: F401
    except ImportError:
        sys.exit("python-calamine and xlsxwriter are needed for the trial: see this script's docstring")
    load = os.getloadavg()[0]
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="lingjun-xlsx-") as tmp:
        ours, theirs = Path(tmp) / "platform.xlsx", Path(tmp) / "xlsxwriter.xlsx"
        w1 = _child("write-platform", ours, args.repeat, args.enterprises)
        w2 = _child("write-xlsxwriter", theirs, args.repeat, args.enterprises)
        rows.append(_row("write the workbook", "hand-written (openpyxl skeleton + streamed rows)", w1, ours))
        rows.append(_row("", "XlsxWriter 3.3 (constant_memory)", w2, theirs))
        r1 = _child("read-platform", ours, args.repeat, 0)
        r2 = _child("read-calamine", ours, args.repeat, 0)
        assert r1["out"] == r2["out"], (r1["out"], r2["out"])  # the same cells
        rows.append(
            _row(
                "read every cell", "hand-written (pyexpat, limits checked)", r1, ours, f"{r1['out']:,} cells"
            )
        )
        rows.append(_row("", "python-calamine 0.9 (Rust)", r2, ours, f"{r2['out']:,} cells"))
        r3 = _child("read-import", ours, 1, 0)
        rows.append(
            _row(
                "import: read + validate", "hand-written reader", r3, ours, f"{r3['out']:,} dossiers (1 run)"
            )
        )
    lines = [
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; machine: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; load average at start {load:.1f}",
        f"- command: `PYTHONPATH=src:/tmp/xl .venv/bin/python bench/bench_xlsx_libs.py --enterprises {args.enterprises}`"
        f" ({args.repeat} runs each, a fresh process per line)",
        "",
        "| step | code | best | median | peak RSS | file | note |",
        "|---|---|---:|---:|---:|---:|---|",
        *rows,
        *probe_calamine(),
    ]
    print("\n".join(lines))
    if args.record:
        _record("## Excel libraries (trial, issue #12)", lines)


def _row(step: str, code: str, r: dict[str, Any], path: Path, note: str = "") -> str:
    size = r["size"] / 1024 / 1024
    return (
        f"| {step} | {code} | {r['best']:.2f} s | {r['median']:.2f} s | {r['peak_mib']:.0f} MiB "
        f"| {size:.1f} MiB | {note} |"
    )


def _record(heading: str, lines: list[str]) -> None:
    doc = ROOT / "docs" / "benchmarks.md"
    text = doc.read_text(encoding="utf-8")
    block = heading + "\n\n" + "\n".join(lines) + "\n"
    if heading in text:
        start = text.index(heading)
        end = text.find("\n## ", start + len(heading))
        text = text[:start] + block + (text[end:] if end != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    doc.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
