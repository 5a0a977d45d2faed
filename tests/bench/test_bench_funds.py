"""bench/bench_funds.py on a small pool: both runs are timed, the report is complete and the
benchmark leaves docs/benchmarks.md alone with --no-docs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "bench_funds.py"


def test_the_funds_benchmark_runs_on_a_small_pool() -> None:
    before = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--n", "3000", "--repeat", "1", "--no-docs"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = proc.stdout
    assert "3,000 enterprises" in report
    assert re.search(r"proposals: all 12 measures .* median [\d.]+ s", report)
    assert re.search(r"Goal: proposals ≤ 2× the criteria alone — (met|missed): [\d.]+×", report)
    assert (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8") == before
