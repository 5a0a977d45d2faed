"""Benchmark of the rules engine (``make bench``): results go to docs/benchmarks.md, ``## Rules engine``.

On DuckDB, for ``--n`` synthetic enterprises (default 1 000 000, from
``lingjun.demo.generate_tables``):

1. all seven policies in one vectorised run, with the full result columns (``Evaluation.to_arrow``:
   per criterion result/value/threshold, indicators, score, metrics, bands): wall time and peak RSS;
2. the engine against hand-written DuckDB SQL producing the same cells, checked equal cell by cell:
   all seven policies (``bench_rules_sql_all.py``) and 雏鹰 2021 alone (``bench_rules_sql.py``);
3. per-record evaluation of 雏鹰 2021 through zen-engine (``evaluate_batch``) and of all seven
   policies through the plain-Python reference evaluator, on a sample, extrapolated to ``--n``.

Usage: ``python bench/bench_rules.py [--n 1000000] [--threads 2] [--no-docs]``; CI can run
``--n 20000 --no-docs``.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).parent))

from bench_rules_sql import COLUMNS, chuying_2021_sql  # noqa: E402
from bench_rules_sql_all import all_policies_sql, compare  # noqa: E402
from bench_rules_zen import ZenTranslator  # noqa: E402
from pool_file import write_pool  # noqa: E402

from lingjun.rules import RunSpec, connect, evaluate, evaluate_reference, load_library, tables_in  # noqa: E402
from lingjun.rules.evaluation import build_query  # noqa: E402
from lingjun.rules.facts import FactSet, build_facts, collect  # noqa: E402
from lingjun.rules.querycache import QUERIES  # noqa: E402
from lingjun.rules.result import Evaluation  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "## Rules engine"


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@dataclass
class Peak:
    """Peak resident memory while a block runs (sampled every 5 ms from /proc/self/statm)."""

    start: int = 0
    peak: int = 0
    _stop: bool = False
    _thread: threading.Thread | None = None

    def __enter__(self) -> Peak:
        self.start = self.peak = rss()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop:
            self.peak = max(self.peak, rss())
            time.sleep(0.005)

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        assert self._thread is not None
        self._thread.join()
        self.peak = max(self.peak, rss())


def best_of(k: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(k):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def gib(b: float) -> str:
    return f"{b / 2**30:.2f} GiB"


@dataclass
class Results:
    rows: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, what: str, value: str) -> None:
        self.rows.append((what, value))
        print(f"{what}: {value}", flush=True)


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    load = os.getloadavg()
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), {gib(mem)} RAM, "
        f"Python {platform.python_version()}, load average at start {load[0]:.1f}"
    )


def versions() -> str:
    import duckdb
    import ibis

    return f"duckdb {duckdb.__version__}, ibis {ibis.__version__}, pyarrow {pa.__version__}"


def run(args: argparse.Namespace) -> Results:
    res = Results()
    year, as_of = args.year, date.fromisoformat(args.as_of)
    lib = load_library()
    policies = list(lib.policies.values())

    from lingjun.demo import generate_dossiers, generate_tables

    t = time.perf_counter()
    tables = generate_tables(n=args.n, seed=args.seed, year=year - 1)
    res.add(
        "data",
        f"{args.n:,} enterprises from lingjun.demo.generate_tables "
        f"({sum(t.num_rows for t in tables.values()):,} rows in {len(tables)} tables, "
        f"{gib(sum(t.nbytes for t in tables.values()))} in Arrow), generated in {time.perf_counter() - t:.1f} s",
    )

    # the pool in a DuckDB database file (compressed column storage, as an analytic copy of the
    # pool would be kept); the generated Arrow tables are freed before anything is measured
    workdir = Path(tempfile.mkdtemp(prefix="lingjun-bench-"))
    dbfile = workdir / "pool.duckdb"
    con = connect("duckdb", path=str(dbfile), threads=args.threads)
    t = time.perf_counter()
    write_pool(con, tables)
    res.add(
        "pool storage",
        f"DuckDB database file, {dbfile.stat().st_size / 2**20:.0f} MiB on disk, written in "
        f"{time.perf_counter() - t:.1f} s (amounts DECIMAL(18,4), as in the table form)",
    )
    sample_rows = min(args.zen_sample, args.n)
    del tables
    gc.collect()
    pa.default_memory_pool().release_unused()
    itables = tables_in(con, prefix="")

    # 1. all policies, full result columns, through the public API (evaluate + to_arrow)
    def full() -> tuple[Evaluation, pa.Table, dict[str, float]]:
        t0 = time.perf_counter()
        ev = evaluate(tables=itables, spec=RunSpec.of(policies, year=year, as_of=as_of))
        t1 = time.perf_counter()
        wide = ev.to_arrow()
        t2 = time.perf_counter()
        return ev, wide, {"evaluate": t1 - t0, "post": t2 - t1, "total": t2 - t0}

    QUERIES.clear()
    t = time.perf_counter()
    build_query(itables, RunSpec.of(policies, year=year, as_of=as_of))
    compile_s = time.perf_counter() - t
    with Peak() as mem:
        ev, wide, times = full()
    res.add(
        "all 7 policies, full columns, 1st run (compiles the query)",
        f"{times['total']:.2f} s (evaluate {times['evaluate']:.2f} s, of which compiling the query to SQL "
        f"≈ {compile_s:.2f} s; wide Arrow {times['post']:.2f} s); {wide.num_columns} columns, "
        f"{ev.table.num_rows:,} rows, {gib(wide.nbytes)}",
    )
    res.add(
        "peak RSS during the 1st run",
        f"{gib(mem.peak)} (before it: {gib(mem.start)}, interpreter, libraries and DuckDB's cache of the "
        f"pool; growth {gib(mem.peak - mem.start)})",
    )
    del ev, wide
    warm: list[float] = []
    peak2 = 0
    for _ in range(args.repeat):
        gc.collect()
        with Peak() as mem2:
            ev, wide, times2 = full()
        warm.append(times2["total"])
        peak2 = max(peak2, mem2.peak)
        del ev, wide
    warm.sort()
    res.add(
        f"all 7 policies, full columns, repeated ({args.repeat} runs, compiled query reused)",
        f"best {warm[0]:.2f} s, median {warm[len(warm) // 2]:.2f} s, worst {warm[-1]:.2f} s",
    )
    res.add("peak RSS during the repeated runs", gib(peak2))

    # 2. all seven policies: the engine (evaluate + to_arrow) against a hand-written query of the same
    # cells, interleaved so that both see the same load; every cell compared
    sql_all = all_policies_sql(year, as_of)

    def hand_all() -> pa.Table:
        return con.con.sql(sql_all).fetch_arrow_table()

    engine_all: list[float] = []
    hand_all_s: list[float] = []
    for _ in range(3):
        te, (_, wide, _) = best_of(1, full)
        th, hand_wide = best_of(1, hand_all)
        engine_all.append(te)
        hand_all_s.append(th)
    diffs = compare(wide, hand_wide)
    differing = sum(diffs.values())
    del wide, hand_wide
    engine_all.sort()
    hand_all_s.sort()
    t_all, t_hand_all = engine_all[0], hand_all_s[0]
    res.add(
        "all 7 policies: engine (evaluate + to_arrow) vs hand-written DuckDB SQL of the same cells "
        "(interleaved, 3 runs each)",
        f"engine best {t_all:.2f} s, median {engine_all[1]:.2f} s; hand-written best {t_hand_all:.2f} s, "
        f"median {hand_all_s[1]:.2f} s; ratio {t_all / t_hand_all:.2f}× (best), "
        f"{engine_all[1] / hand_all_s[1]:.2f}× (median); {differing} differing cells out of "
        f"{len(diffs) * args.n:,}",
    )

    # 3. chuying 2021 alone: engine vs hand-written SQL
    chuying = lib.get("tianjin.chuying.2021")
    sql = chuying_2021_sql(year, as_of)

    def engine_one() -> tuple[pa.Table, Any]:
        ev = evaluate(tables=itables, spec=RunSpec.of([chuying], year=year, as_of=as_of))
        return ev.table, ev.query

    t_cold, _ = best_of(1, engine_one)  # compiles the query; the interleaved runs reuse it

    def hand() -> pa.Table:
        return con.con.sql(sql).fetch_arrow_table()

    # interleaved, so that both see the same load on a shared machine; best of 3 each
    t_engine, t_hand = float("inf"), float("inf")
    for _ in range(3):
        te, (eng_raw, q) = best_of(1, engine_one)
        th, hand_raw = best_of(1, hand)
        t_engine, t_hand = min(t_engine, te), min(t_hand, th)
    eng_raw = eng_raw.take(pc.sort_indices(eng_raw["uscc"]))
    hand_raw = hand_raw.take(pc.sort_indices(hand_raw["uscc"]))
    plan = q.plans[0]
    cols = {cp.criterion.id: cp.column for cp in plan.criteria}
    mismatches = 0
    for hcol, cid in COLUMNS.items():
        ecol = plan.result_column if cid == "" else cols[cid]
        same = pc.equal(
            pc.fill_null(pc.cast(eng_raw[ecol], pa.int8()), -1),
            pc.fill_null(pc.cast(hand_raw[hcol], pa.int8()), -1),
        )
        mismatches += len(same) - pc.sum(pc.cast(same, pa.int64())).as_py()
    res.add(
        "雏鹰 2021 alone: engine (evaluate) vs hand-written DuckDB SQL (interleaved, best of 3)",
        f"engine {t_engine:.2f} s (1st run, compiling: {t_cold:.2f} s), hand-written {t_hand:.2f} s, "
        f"ratio {t_engine / t_hand:.2f}× ({t_cold / t_hand:.2f}× with compiling); "
        f"{mismatches} differing result cells out of {len(COLUMNS) * args.n:,}",
    )

    # 4a. zen-engine, per record, on a sample
    import zen

    sample = sample_rows
    params = chuying.parameter_values(as_of)
    facts = FactSet.empty(year, as_of)
    collect(chuying, params, facts)
    zt = ZenTranslator(chuying, params, facts)
    content = zt.decision()
    ftab = build_facts(itables, facts, None)
    frows = ftab.order_by("uscc").limit(sample).to_pyarrow().to_pylist()
    contexts = [{"key": "policy", "context": zt.context(r)} for r in frows]
    engine = zen.ZenEngine({"loader": lambda key: content})
    t = time.perf_counter()
    out = engine.evaluate_batch(contexts)
    t_zen = time.perf_counter() - t
    failed = [o for o in out if not o.get("success")]
    assert not failed, failed[:1]
    res.add(
        "zen-engine evaluate_batch, 雏鹰 2021 (facts precomputed)",
        f"{t_zen / sample * 1e6:.0f} µs per enterprise on {sample:,}; extrapolated to {args.n:,}: {t_zen / sample * args.n:.0f} s",
    )

    # 4b. plain-Python reference evaluator, all policies, on a sample of dossiers
    rsample = min(args.reference_sample, args.n)
    dossiers = list(generate_dossiers(n=rsample, seed=args.seed, year=year - 1))
    t = time.perf_counter()
    evaluate_reference(dossiers, spec=RunSpec.of(policies, year=year, as_of=as_of)).to_records()
    t_ref = time.perf_counter() - t
    res.add(
        "plain-Python reference evaluator, all 7 policies with records",
        f"{t_ref / rsample * 1e6:.0f} µs per enterprise on {rsample:,}; extrapolated to {args.n:,}: {t_ref / rsample * args.n:.0f} s",
    )
    median = warm[len(warm) // 2]
    peak = max(mem.peak, peak2)
    goal_time = median <= 3.0
    goal_mem = peak <= 2 * 2**30
    ratio = engine_all[1] / hand_all_s[1]
    goal_ratio = ratio <= 1.5 and t_engine <= 1.5 * t_hand
    res.notes.append(
        f"Goals: ≤ 3 s — {'met' if goal_time else 'missed'} (median of the repeated runs {median:.2f} s; "
        f"1st run {times['total']:.2f} s; the hand-written query of the same cells {hand_all_s[1]:.2f} s "
        f"in the median); "
        f"≤ 2 GiB — {'met' if goal_mem else 'missed'} ({gib(peak)} peak RSS of the whole process); "
        f"within 1.5× of hand-written SQL — {'met' if goal_ratio else 'missed'} ({ratio:.2f}× for all seven "
        f"policies in the median, {t_engine / t_hand:.2f}× for 雏鹰 alone)."
    )
    res.notes.append(
        f"Machine-speed reference: the hand-written query of all seven policies, which the engine does "
        f"not touch, took {hand_all_s[1]:.2f} s in the median of this run; the engine's repeated runs "
        f"took {median / hand_all_s[1]:.2f}× that. Compare runs on different days by this ratio, not by "
        "seconds alone; compare versions of the engine by `make bench-instructions`."
    )
    con.disconnect()
    shutil.rmtree(workdir, ignore_errors=True)
    return res


def write_docs(res: Results, args: argparse.Namespace) -> None:
    cmd = "python bench/bench_rules.py " + " ".join(sys.argv[1:])
    lines = [
        SECTION,
        "",
        f"Measured {datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')} by `{cmd.strip()}`",
        f"(`make bench`). Machine: {machine()}. {versions()}, DuckDB threads = {args.threads}.",
        "",
        "| what | measured |",
        "|---|---|",
        *[f"| {what} | {value} |" for what, value in res.rows],
        "",
        *res.notes,
        "",
        "Notes: the machine is shared with other work (see the load average): the same query on it",
        "varies by ±30 % from minute to minute, so the repeated runs are reported as best, median and",
        "worst, and the engine and the hand-written SQL are timed interleaved. The pool is a DuckDB",
        "database file (what an analytic copy of the pool would be); the generated Arrow tables are",
        "freed first, so peak RSS is the whole process: interpreter, libraries, DuckDB's cache of the",
        "file, the query's hash tables, the raw result and the wide Arrow table. The 1st run compiles",
        "the query; later runs of the same policies, year, date and what-ifs on the same tables reuse",
        "it (`lingjun.rules.querycache`). Rows come in the engine's order; records and files are",
        "ordered by uscc (`Evaluation.sorted`). zen-engine and the reference evaluator are timed on a",
        "sample and extrapolated linearly; zen gets the facts precomputed by DuckDB and has no",
        "three-valued logic, so its figure is per-record evaluation only.",
        "",
        "Where the time goes (DuckDB's profile and callgrind's count of instructions): the facts",
        "stage (annual values pivoted by year with filtered aggregates and joined on `uscc`; the",
        "counts of every list stacked with one `UNION ALL` and joined once) is about half, the",
        "criteria stages about two fifths, the conversion of the 118-column result to Arrow the rest",
        "(little in instructions, but it writes 0.6 GiB). Engines cannot share work inside `CASE`, so",
        "every multi-year sum, HNTE growth rate, scale row and measured value is a column of its own",
        "stage, computed once however often it is read, and each distinct expression is one column",
        "(the same criterion in several policies once). HNTE's growth rates are exact 128-bit",
        "fractions (HUGEINT on DuckDB, three products each); a scale's brackets compare a stored",
        "double first and the exact products only within 10⁻⁹ of an edge.",
        "",
        "Comparing two versions of the engine: wall time here moves by more than most changes are",
        "worth, so count instructions first (`make bench-instructions`: the query of all seven",
        "policies on 100 000 enterprises under valgrind, repeatable to a fraction of a percent), then",
        "confirm in wall time. On 2026-12-01 the query went from 4.23 to 3.93 billion instructions",
        "(-7 %): amounts converted to units after the pivot, one `CASE` per multi-year sum, three",
        "128-bit products per growth rate instead of seven, the guarded bracket comparisons, bands",
        "returned as scale rows (the letters are added in Arrow and in the records). Run interleaved",
        "in one process (SQL and its Arrow export only, 6 runs each), the previous and the new query",
        "took 3.03 and 2.71 s at best (-10 %), 4.18 and 3.70 s in the median, and 5.8 and 5.2 CPU-s",
        "at best; the machine-speed ratio above does not show it (5.0x before, 5.1x after: the",
        "hand-written query's time is as noisy as the rest).",
        "On 2026-12-02 each stage after the facts became `SELECT t0.*, <new columns>` instead of",
        "listing the ~150 columns it passes on: compiling 0.34 -> 0.29 s, the SQL 69 -> 51 kB, 1 %",
        "fewer instructions (DuckDB's binder); and building a query no longer pays for Python's",
        "garbage collection (paused meanwhile; it scans the whole heap).",
        "The time goal depends on the minute: the median of the repeated runs was 3.34, 2.68, 2.49,",
        "2.45, 3.03, 3.03, 2.60 and 2.89 s in eight runs of this benchmark on 2026-12-02 (00:06 to",
        "02:14 UTC, the engine before those two changes; met in five) and 3.05 s at 02:32 (after them),",
        "and the 1st run, which compiles the query in a fresh process, 2.96 to 4.20 s (under 3 s",
        "once). On 2026-12-06 the machine was slower (the hand-written 雏鹰 query 0.66-0.68 s against",
        "0.52-0.58 s) and the median 3.38 s before and 3.60 s after the uncertain counts below. What",
        "3 s is worth on this machine shows in the hand-written query of all seven policies, which",
        "produces the same cells as the engine (every cell compared) the way a developer would write",
        "it (`bench/bench_rules_sql_all.py`): it took 3.5-3.9 s there, the engine 0.85-0.95× of it.",
        "The engine is not what misses the goal; on this shared 2-core machine, a run of this size",
        "takes about 3 s of DuckDB's work however it is written.",
        "Correctness first: since 2026-12-06 a list row that leaves empty an attribute a count reads",
        "(an award without its rank …) makes that count uncertain (unknown, never failed, as the",
        "data dictionary says); one bit per such count in one word (`lj_open0`) costs 5 % of the",
        "query's instructions (a column per count cost 12 %: each stacked column is an aggregate).",
        "Measured and gained nothing (wall time, or instructions where noted): integer enterprise keys",
        "instead of `uscc`; per-year joins instead of the pivot (with a per-year `group_by`; and",
        "without one, relying on one row per enterprise and year: the facts alone 20 % faster, the",
        "whole query no faster, as every join copies the columns gathered so far); `max(CASE …)`",
        "instead of `FILTER` (also in instructions); `count(CASE …)` instead of `count(*) FILTER`",
        "or `count_if` (instructions); the missing-field mask as cast × bit instead of `CASE`",
        "(instructions); the doubles of the growth rates in a stage of their own (DuckDB's",
        "common-subexpression pass already shares a whole `CASE` read inside another expression of",
        "the same stage); the annual rows stacked with the counts into one `group_by` (slower: every",
        "row pays for every padded column); a chain of outer joins instead of the stacked counts; a",
        "materialised facts stage (no clear gain once the counts were stacked, 0.3 GiB more memory);",
        "`list_contains` or no IN-clause rewrite instead of the mark join for long `IN` lists and",
        "points as a list lookup instead of `CASE` (instructions); the guarded comparison with the",
        "double computed inline in every bracket (more instructions than the products it saves);",
        "DuckDB's allocator settings left at their defaults (no difference); DuckDB 1.5.6 (no",
        "faster; the offline SQLite extension pins 1.4.4); jemalloc preloaded instead of glibc's malloc",
        "(the raw query 10-14 % less CPU, the 1st run about 0.3 s faster, the repeated runs of this",
        "benchmark no different; not worth a launcher that re-executes the process);",
        "`preserve_insertion_order = false` (no faster); the annual pivot as one `first({…})` struct",
        "per year (4 filters instead of 22; 4 % slower); the enterprise table as the build side of its",
        "join with the annual pivot (`RIGHT JOIN` and DuckDB's `build_side_probe_side` optimizer",
        "disabled: 3 % less CPU; not worth disabling an optimizer). On 2026-12-06: criterion results",
        "returned as int8 codes made in the engine (`COALESCE(CAST(NOT x AS TINYINT), 2)`: +8 %",
        "instructions, more than the Arrow conversion it saves); `any_value` or `bit_or` instead of",
        "`max` in the stacked counts (no difference); dense integer keys with DuckDB's perfect hash",
        "aggregate (`perfect_ht_threshold` 21: the pivot 0.45 -> 0.69 s); glibc's mmap and trim",
        "thresholds raised with `mallopt` (system time 0.42 -> 0.16 s per run, but 0.2 GiB more peak",
        "memory, past the memory goal).",
        "",
    ]
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n\n"
    start = text.find(SECTION)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + "\n".join(lines)
    else:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + "\n".join(lines) + ("\n" + text[end + 1 :] if end >= 0 else "")
    DOCS.write_text(text, encoding="utf-8")
    print(f"wrote {DOCS}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--year", type=int, default=2024, help="application year Y")
    p.add_argument("--as-of", default="2024-06-30")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=5, help="repeated full runs (median reported)")
    p.add_argument("--zen-sample", type=int, default=20_000)
    p.add_argument("--reference-sample", type=int, default=2_000)
    p.add_argument("--no-docs", action="store_true", help="print only; do not update docs/benchmarks.md")
    args = p.parse_args()
    res = run(args)
    for note in res.notes:
        print(note)
    if not args.no_docs:
        write_docs(res, args)


if __name__ == "__main__":
    main()
