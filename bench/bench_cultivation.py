"""Benchmark of the gap lists and candidate ranking (issue #16, acceptance 4): docs/benchmarks.md,
``## Cultivation``.

For ``--n`` synthetic enterprises (default 100 000, ``lingjun.demo.generate_tables``) on DuckDB:
one run of the six ladder policies (flattened: every comparison a column), the distances of every
criterion not met (:mod:`lingjun.rules.gaps`, vectorised), each enterprise's next rung, and the
candidates of every rung ranked by how little they lack (the whole pool, then one town's list);
the gap texts of the first 50 candidates of each rung (what a page shows).

Usage: ``python bench/bench_cultivation.py [--n 100000] [--repeat 3] [--no-docs]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from datetime import date, datetime
from pathlib import Path

from lingjun.demo import generate_tables
from lingjun.rules import connect, register_tables
from lingjun.rules.gaps import RUNG_CODES, ladder_gaps

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "## Cultivation: gap lists and candidates"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-docs", action="store_true")
    args = ap.parse_args()
    year = 2025
    as_of = date(year, 6, 30)
    tables = generate_tables(n=args.n, seed=7, year=year - 1)
    con = connect("duckdb", threads=args.threads)
    t = register_tables(con, tables)
    usccs = tables["enterprise"]["uscc"].to_pylist()
    town = set(usccs[: max(1, args.n // 20)])  # one town's enterprises (a twentieth of the pool)
    held = {u: ["chuying"] for u in usccs[::50]}
    times: list[float] = []
    counts: dict[str, int] = {}
    for i in range(args.repeat):
        t0 = time.perf_counter()
        ladder = ladder_gaps(tables=t, year=year, as_of=as_of, held=held)
        for rung in RUNG_CODES:
            counts[rung] = len(ladder.ranked(rung))
            ladder.candidates(rung, among=town, limit=200)
            for c in ladder.candidates(rung, limit=50):
                ladder.gaps(c.uscc, rung)
        times.append(time.perf_counter() - t0)
        print(f"run {i + 1}: {times[-1]:.2f} s")
    load = os.getloadavg()[0]
    line = (
        f"- {datetime.now():%Y-%m-%d %H:%M}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, load {load:.1f}, DuckDB {args.threads} threads: "
        f"gap lists + next rung + ranking of every rung (pool and one town) + texts of 50 candidates "
        f"per rung for {args.n:,} enterprises: 1st run {times[0]:.2f} s (compiles the query), "
        f"median {statistics.median(times):.2f} s, best {min(times):.2f} s (goal 5 s). "
        f"Candidates per rung: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
    )
    print(line)
    if not args.no_docs:
        text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
        if SECTION not in text:
            text = (
                text.rstrip("\n")
                + f"\n\n{SECTION}\n\n`python bench/bench_cultivation.py` (see its docstring).\n"
            )
        DOCS.write_text(text.rstrip("\n") + "\n" + line + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
