"""Benchmark: `lingjun demo-data` — 100 000 synthetic enterprises written as JSON Lines.

Goal (issue: foundation): 100 000 enterprises in under a minute. Prints the figures; with
--record, writes them into docs/benchmarks.md (section "Demo data").

    .venv/bin/python bench/bench_demo.py [--enterprises 100000] [--record]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

from bench_import import _record

from lingjun.demo import generate_dossiers
from lingjun.dossier.jsonl import write_jsonl

GOAL_SECONDS = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="lingjun-demo-")) / "district.jsonl"
    start, cpu = time.perf_counter(), time.process_time()
    count = write_jsonl(generate_dossiers(n=args.enterprises, seed=2019, year=2024), out)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; load average at start {os.getloadavg()[0]:.1f}",
        f"- command: `.venv/bin/python bench/bench_demo.py --enterprises {args.enterprises}`",
        f"- {count} enterprises generated and written as JSON Lines ({out.stat().st_size / 2**20:.0f} MiB): "
        f"**{wall:.1f} s** wall, {cpu:.1f} s CPU (goal < {GOAL_SECONDS:.0f} s: "
        f"{'met' if wall < GOAL_SECONDS else 'NOT met'}); peak RSS {peak:.0f} MiB",
    ]
    print("\n".join(lines))
    if args.record:
        _record("## Demo data", lines)
    out.unlink()


if __name__ == "__main__":
    main()
