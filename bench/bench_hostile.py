"""Benchmark: memory and time of refusing hostile dossier files (at the default import limits).

Builds, in a temporary folder, the files of the issue's hostile corpus at full size — a 300 MB
shared string (a 0.3 MB file), a 150 MB one (under the unzip limit: read streaming and cut), two
million rows, a 1 GiB zip bomb, XML entity expansion — and reads each with
``read_workbook`` in a fresh process, printing what was refused, where, how fast and the peak
RSS of that process. With --record the figures go into docs/benchmarks.md ("Hostile files").

    .venv/bin/python bench/bench_hostile.py [--record]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
MB = 1024 * 1024
HEADER = (
    '<row r="2"><c r="A2" t="inlineStr"><is><t>uscc</t></is></c>'
    '<c r="B2" t="inlineStr"><is><t>name</t></is></c>'
    '<c r="C2" t="inlineStr"><is><t>registered_on</t></is></c></row>'
)
ROW3 = (
    '<row r="3"><c r="A3" t="inlineStr"><is><t>91120114MA00000017</t></is></c>'
    '<c r="B3" t="s"><v>0</v></c><c r="C3" t="inlineStr"><is><t>2018-04-12</t></is></c></row>'
)
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)


def _write(
    path: Path, *, sheet_rows: object = "", shared: object = "", prolog: str = "", zeros: int = 0
) -> None:
    """A workbook whose sheet rows and shared strings are given as text or as a chunk generator."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="企业基本信息" sheetId="1" r:id="rId7"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PKG}">'
            f'<Relationship Id="rId7" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId8" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(f'<sst xmlns="{MAIN}"><si><t>'.encode())
            for chunk in shared if not isinstance(shared, str) else [shared]:  # type: ignore[union-attr]
                fh.write(chunk.encode())
            fh.write(b"</t></si></sst>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(f'{prolog}<worksheet xmlns="{MAIN}"><sheetData>{HEADER}'.encode())
            for chunk in sheet_rows if not isinstance(sheet_rows, str) else [sheet_rows]:  # type: ignore[union-attr]
                fh.write(chunk.encode())
            fh.write(b"</sheetData></worksheet>")
        if zeros:
            with z.open("xl/media/image1.png", "w", force_zip64=True) as fh:
                block = b"\0" * MB
                for _ in range(zeros // MB):
                    fh.write(block)


def _text(total_mb: int) -> object:
    block = "名" * (MB // 3)  # about 1 MB of UTF-8
    return (block for _ in range(total_mb))


def _rows(count: int) -> object:
    def gen() -> object:
        batch = []
        for n in range(4, 4 + count):
            batch.append(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c></row>')
            if len(batch) == 10_000:
                yield "".join(batch)
                batch.clear()
        yield "".join(batch)

    return gen()


CASES = {
    "300 MB shared string as a name": lambda p: _write(p, sheet_rows=ROW3, shared=_text(300)),
    "150 MB shared string as a name": lambda p: _write(p, sheet_rows=ROW3, shared=_text(150)),
    "2 million rows": lambda p: _write(p, sheet_rows=_rows(2_000_000), shared="甲"),
    "zip bomb (1 GiB of zeros)": lambda p: _write(p, sheet_rows=ROW3, shared="甲", zeros=1024 * MB),
    "XML entity expansion (10⁹ lol)": lambda p: _write(
        p, sheet_rows=ROW3.replace("2018-04-12", "&lol9;"), shared="甲", prolog=LAUGHS
    ),
}

CHILD = """
import json, resource, sys, time
from datetime import date
from lingjun.dossier.excel import read_workbook
t0 = time.perf_counter()
result = read_workbook(sys.argv[1], today=date(2025, 6, 30))
seconds = time.perf_counter() - t0
e = next((x for x in result.errors if x.field == "name"), result.errors[0] if result.errors else None)
print(json.dumps({"seconds": seconds, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "code": e.code if e else "", "where": e.location() if e else "", "dossiers": len(result.dossiers)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="write the figures into docs/benchmarks.md")
    args = parser.parse_args()
    baseline = json.loads(
        subprocess.run(
            [sys.executable, "-c", "import json, resource; from lingjun.dossier.excel import read_workbook; "
             "print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))"],
            check=True, capture_output=True, text=True,
        ).stdout
    )  # fmt: skip
    lines = [
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; machine: {platform.machine()}, "
        f"Python {platform.python_version()}; default limits; a fresh process per file "
        f"(its RSS with the reader imported and nothing read: {baseline:.0f} MiB)",
        "",
        "| file | size | refused as | where | time | peak RSS |",
        "|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory(prefix="lingjun-hostile-") as tmp:
        for label, build in CASES.items():
            path = Path(tmp) / "hostile.xlsx"
            build(path)
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(path)], check=True, capture_output=True, text=True
            )
            r = json.loads(out.stdout)
            assert r["dossiers"] == 0, label
            size = path.stat().st_size
            lines.append(
                f"| {label} | {size / MB:.1f} MB | `{r['code']}` | {r['where']} | {r['seconds']:.2f} s | {r['peak_mib']:.0f} MiB |"
            )
            print(lines[-1], flush=True)
            path.unlink()
    if args.record:
        _record("## Hostile files", lines)


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
