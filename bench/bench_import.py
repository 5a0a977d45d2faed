"""Benchmark: import of a 10 000-enterprise Excel dossier file into a fresh pool.

Measures, on this machine: writing the workbook (demo district), then `enterprises_import_file`
(parse + validate + all-or-nothing upsert with change records) into a new SQLite database, or
into PostgreSQL when DATABASE_URL says so. Prints the figures and, with --record, writes them
into docs/benchmarks.md (section "Import").

    .venv/bin/python bench/bench_import.py [--enterprises 10000] [--record]
"""

from __future__ import annotations

import argparse
import atexit
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 60.0


def fresh_pool(prefix: str) -> Path:
    """A new, empty pool (migrated, with the district's divisions) in a temporary LINGJUN_HOME
    that is removed when the benchmark ends; Django is set up on it."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, home, ignore_errors=True)  # the pool's files go with the run
    os.environ["LINGJUN_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lingjun.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from lingjun.apps.divisions.services import divisions_seed

    call_command("migrate", interactive=False, verbosity=0)
    divisions_seed()
    return home


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--record", action="store_true", help="write the figures into docs/benchmarks.md")
    args = parser.parse_args()

    home = fresh_pool("lingjun-bench-")
    from django.db import connection

    from lingjun.apps.enterprises.models import AnnualFigure, Enterprise
    from lingjun.apps.enterprises.services import enterprises_import_file
    from lingjun.demo import generate_dossiers
    from lingjun.dossier.excel import write_workbook

    year = 2024
    path = home / "district.xlsx"
    t0 = time.perf_counter()
    dossiers = list(generate_dossiers(n=args.enterprises, seed=args.seed, year=year))
    write_workbook(dossiers, path)
    t_write = time.perf_counter() - t0
    rows = sum(len(d.get(k) or ()) for d in dossiers for k in d if isinstance(d.get(k), list))

    t0 = time.perf_counter()
    with path.open("rb") as fh:
        batch = enterprises_import_file(
            source=fh, file_name=path.name, user=None, today=date(year + 1, 6, 30)
        )
    t_import = time.perf_counter() - t0
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    assert Enterprise.objects.count() == args.enterprises, "not every enterprise was imported"
    lines = [
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; database: {connection.vendor}",
        f"- command: `.venv/bin/python bench/bench_import.py --enterprises {args.enterprises}`",
        f"- file: {args.enterprises} enterprises, {rows} list rows, {path.stat().st_size / 2**20:.1f} MiB xlsx "
        f"(written in {t_write:.1f} s)",
        f"- import (parse + validate + upsert + change records): **{t_import:.1f} s** "
        f"(goal < {GOAL_SECONDS:.0f} s: {'met' if t_import < GOAL_SECONDS else 'NOT met'}); "
        f"{batch.created} created, {AnnualFigure.objects.count()} yearly rows; peak RSS {peak_mib:.0f} MiB",
    ]
    print("\n".join(lines))
    if args.record:
        _record("## Import", lines)


def _record(heading: str, lines: list[str]) -> None:
    doc = ROOT / "docs" / "benchmarks.md"
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    block = heading + "\n\n" + "\n".join(lines) + "\n"
    if heading + "\n" in text:
        start = text.index(heading + "\n")
        nxt = text.find("\n## ", start + len(heading))
        text = text[:start] + block + (text[nxt:] if nxt != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    doc.parent.mkdir(exist_ok=True)
    doc.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
