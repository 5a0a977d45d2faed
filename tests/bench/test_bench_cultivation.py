"""bench/bench_cultivation.py on a small pool: it runs, ranks every rung and reports a figure."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "bench_cultivation.py"


def test_the_cultivation_benchmark_runs_on_a_small_pool() -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--n", "2000", "--repeat", "1", "--no-docs"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = proc.stdout.strip().splitlines()[-1]
    assert "for 2,000 enterprises" in line and "(goal 5 s)" in line
    counts = dict(re.findall(r"(\w+) ([\d,]+)(?:,|$)", line.split("Candidates per rung: ")[1]))
    assert set(counts) == {"tech_sme", "chuying", "hnte", "dengling", "lingjun_peiyu", "lingjun"}
    assert sum(int(v.replace(",", "")) for v in counts.values()) > 0
