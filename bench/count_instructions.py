"""Instructions the rules engine's query takes, counted by valgrind (``make bench-instructions``).

Wall time on a shared 2-core machine varies by ±30 % from minute to minute (see
docs/benchmarks.md), far more than most changes to the compiled query are worth. Valgrind's
callgrind counts the instructions a program executes instead: the same binary, data and query
give the same count within a fraction of a percent, whatever else the machine does. Use it to
compare two versions of the engine: run this script on each and compare the printed count.

What is counted: DuckDB planning, executing and exporting to Arrow the query of all seven
policies (``build_query`` on a DuckDB file of ``--n`` synthetic enterprises, one DuckDB thread
for a deterministic count), minus a run of a trivial query (interpreter and library start-up).
Instructions are not time: cache misses of the hash tables and joins are not in the count, so
confirm a gain in wall time with ``bench/bench_rules.py`` (interleaved runs) before recording it.

Usage: ``python bench/count_instructions.py [--n 100000] [--sql FILE]``; ``--sql`` counts a
hand-edited query (e.g. a variant to try before changing the compiler) on the same data and
``--keep DIR`` keeps the data and the compiled query there.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from pool_file import write_pool  # noqa: E402

RUNNER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("SET threads = 1")
con.sql(open(sys.argv[2], encoding="utf-8").read()).fetch_arrow_table()
"""


def callgrind_total(argv: list[str]) -> int:
    """Instructions a command executes under callgrind (its whole process)."""
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", out.stderr)
    if not found:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{out.stderr[-2000:]}")
    return int(found.group(1))


def count(python: str, db: Path, sql: Path) -> int:
    """Instructions of one run of ``sql`` on ``db`` (interpreter start-up included)."""
    return callgrind_total([python, "-c", RUNNER, str(db), str(sql)])


def prepare(workdir: Path, n: int, seed: int, year: int, as_of: date) -> tuple[Path, Path]:
    """A DuckDB file with ``n`` synthetic enterprises and the compiled query of all policies."""
    from lingjun.demo import generate_tables
    from lingjun.rules import RunSpec, connect, load_library, tables_in
    from lingjun.rules.evaluation import build_query

    db, sql = workdir / "pool.duckdb", workdir / "query.sql"
    tables = generate_tables(n=n, seed=seed, year=year - 1)
    con = connect("duckdb", path=str(db))
    write_pool(con, tables)
    spec = RunSpec.of(list(load_library().policies.values()), year=year, as_of=as_of)
    query = build_query(tables_in(con, prefix=""), spec)
    sql.write_text(query.sql, encoding="utf-8")
    con.disconnect()
    return db, sql


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--year", type=int, default=2024, help="application year Y")
    p.add_argument("--as-of", default="2024-06-30")
    p.add_argument("--sql", type=Path, help="count this query instead of the compiled one")
    p.add_argument("--keep", type=Path, help="keep the data and the compiled query in this folder")
    args = p.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (Debian: apt-get install valgrind)")
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="lingjun-instructions-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        db, sql = prepare(workdir, args.n, args.seed, args.year, date.fromisoformat(args.as_of))
        trivial = workdir / "trivial.sql"
        trivial.write_text("SELECT 1 AS uscc", encoding="utf-8")
        base = count(sys.executable, db, trivial)
        total = count(sys.executable, db, args.sql or sql)
        what = args.sql or "the compiled query of all 7 policies"
        print(f"{what}, {args.n:,} enterprises, DuckDB 1 thread: {total - base:,} instructions")
        print(f"(whole process {total:,}; start-up and a trivial query {base:,})")
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
