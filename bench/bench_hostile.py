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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the corpus's builders are the tests'
from tests.hostile_files import BILLION_LAUGHS, MB, many_rows, row, shared_text, write_book  # noqa: E402

ROW3 = row(3, '<c r="B3" t="s"><v>0</v></c>')
ONE_STRING = "<si><t>甲</t></si>"

CASES = {
    "300 MB shared string as a name": lambda p: write_book(p, rows=ROW3, shared=shared_text(300)),
    "150 MB shared string as a name": lambda p: write_book(p, rows=ROW3, shared=shared_text(150)),
    "2 million rows": lambda p: write_book(p, rows=many_rows(2_000_000), shared=ONE_STRING),
    "zip bomb (1 GiB of zeros)": lambda p: write_book(p, rows=ROW3, shared=ONE_STRING, zeros=1024 * MB),
    "XML entity expansion (10⁹ lol)": lambda p: write_book(
        p, rows=ROW3.replace("2018-04-12", "&lol9;"), shared=ONE_STRING, prolog=BILLION_LAUGHS
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
