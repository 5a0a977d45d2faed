"""bench/bench_pages.py on a small pool: the run from the click to its results page is timed, every
page it times answers 200 and the report is complete."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "bench_pages.py"


def test_the_pages_benchmark_runs_on_a_small_pool() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "LINGJUN_HOME")}
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--enterprises", "300", "--repeat", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = proc.stdout
    assert "300 enterprises loaded" in report and "300 result rows" in report  # one per enterprise
    assert re.search(r"click to results page.*1st run of the process \*\*[\d.]+ s\*\*", report)
    assert "goal ≤ 5 s" in report
    timed = re.findall(r"^.+: \d+ ms \(\d+ KiB\)$", report, re.M)
    assert len(timed) == 18  # one line per page, each answered 200 (the script asserts it)
    assert "goal ≤ 1000 ms per page" in report
