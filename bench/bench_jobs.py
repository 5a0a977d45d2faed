"""A worker killed mid-run on a 100 000-enterprise pool, then a new worker: one complete result set.

Builds a fresh synthetic pool (temporary LINGJUN_HOME, SQLite unless DATABASE_URL is set), then for
each job backend (the database; RQ when Redis answers at LINGJUN_TEST_REDIS_URL, default db 5 of
the local server): starts ``python -m lingjun worker``, queues a run of every policy in force,
kills the worker with SIGKILL at the chosen stage (``--kill-at``: while evaluating, or 1 s into
storing the results), checks nothing was stored, starts a new worker and waits for it to finish
the run. Asserts exactly one complete result set (one row per enterprise, no duplicate, the run
done, one result file) and prints (``--record``: writes into docs/benchmarks.md) the timings.

    .venv/bin/python bench/bench_jobs.py --record
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import time
from datetime import date
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_import import _record, fresh_pool  # noqa: E402

YEAR = 2025
AS_OF = date(2025, 6, 30)
REDIS_URL = os.environ.get("LINGJUN_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


def _wait(condition, seconds: float, what: str, every: float = 0.05) -> float:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > seconds:
            raise SystemExit(f"waited {seconds} s for {what}")
        time.sleep(every)
    return time.monotonic() - start


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _worker(backend: str, home: Path, log) -> subprocess.Popen[bytes]:
    from django.db import connection

    name = connection.settings_dict["NAME"]
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "LINGJUN_TASKS"}}
    env.update(LINGJUN_HOME=str(home), LINGJUN_TASKS=backend)
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{name}"
    if backend == "rq":
        env["REDIS_URL"] = REDIS_URL
    return subprocess.Popen(
        [sys.executable, "-m", "lingjun", "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
    )


def _kill_and_recover(backend: str, home: Path, kill_at: str, n: int) -> list[str]:
    from django.conf import settings
    from django.db.models import Count
    from django.test.utils import override_settings

    from lingjun.apps.evaluation.models import EvaluationResult, EvaluationRun
    from lingjun.apps.evaluation.selectors.policies import policies_in_force
    from lingjun.apps.evaluation.services import (
        STEP_EVALUATING,
        STEP_STORING,
        evaluation_run_enqueue,
        evaluation_run_start,
    )
    from lingjun.apps.jobs.models import Job

    tasks = {"database": "django_tasks_db.DatabaseBackend", "rq": "django_tasks_rq.RQBackend"}[backend]
    queues = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 24 * 3600}}
    if backend == "rq":
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
    policies = policies_in_force(YEAR, AS_OF)
    log_path = home / f"worker-{backend}.log"
    with (
        override_settings(TASKS={"default": {"BACKEND": tasks}}, RQ_QUEUES=queues),
        log_path.open("w") as log,
    ):
        run = evaluation_run_start(
            policies=policies,
            year=YEAR,
            as_of=AS_OF,
            inputs={"national.tech_sme.2017.prohibited_sector": False},
        )
        first = _worker(backend, home, log)
        t0 = time.monotonic()
        job = evaluation_run_enqueue(run=run)
        step = STEP_EVALUATING if kill_at == "evaluating" else STEP_STORING
        _wait(lambda: Job.objects.filter(pk=job.pk, step=step).exists(), 1800, f"the step {step}", 0.02)
        if kill_at == "storing":
            time.sleep(1.0)  # inside the transaction that inserts the rows
        first.send_signal(signal.SIGKILL)
        first.wait()
        t_killed = time.monotonic() - t0
        run.refresh_from_db()
        assert run.status == EvaluationRun.Status.RUNNING, "the run finished before the worker was killed"
        assert not EvaluationResult.objects.filter(run=run).exists(), "a killed attempt left rows"
        second = _worker(backend, home, log)
        t1 = time.monotonic()
        try:
            _wait(
                lambda: (
                    not EvaluationRun.objects.filter(pk=run.pk, status=EvaluationRun.Status.RUNNING).exists()
                ),
                3600,
                "the second worker",
                0.5,
            )
        finally:
            second.terminate()
            second.wait(timeout=60)
        t_recovered = time.monotonic() - t1
    run.refresh_from_db()
    job.refresh_from_db()
    rows = EvaluationResult.objects.filter(run=run)
    count = rows.count()
    dups = rows.values("enterprise_id").annotate(k=Count("id")).filter(k__gt=1).count()
    files = sorted(p.name for p in (Path(settings.LINGJUN_HOME) / "runs").glob(f"run-{run.pk}*"))
    assert run.status == EvaluationRun.Status.DONE, (run.error, log_path.read_text())
    assert (job.status, job.attempt) == (Job.Status.DONE, 2)
    assert (count, dups, files) == (n, 0, [f"run-{run.pk}.parquet"]), (count, dups, files)
    if backend == "rq":
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
    return [
        f"| {backend} | {kill_at} | {t_killed:.1f} s | {t_recovered:.1f} s | {count:,} | {dups} | "
        f"{run.get_status_display()}, attempt {job.attempt} |"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--kill-at", choices=["evaluating", "storing"], default="storing")
    parser.add_argument("--backend", choices=["database", "rq", "both"], default="both")
    parser.add_argument("--record", action="store_true", help="write the figures into docs/benchmarks.md")
    args = parser.parse_args()

    home = fresh_pool("lingjun-bench-jobs-")
    from lingjun.apps.enterprises.models import Enterprise
    from lingjun.apps.enterprises.services import dossiers_apply
    from lingjun.demo import generate_dossiers

    t0 = time.perf_counter()
    dossiers = generate_dossiers(n=args.enterprises, seed=args.seed, year=YEAR - 1)
    while chunk := list(islice(dossiers, 20_000)):  # in slices: the whole district at once needs GBs
        dossiers_apply(dossiers=chunk, user=None, source="import")
    t_pool = time.perf_counter() - t0
    n = Enterprise.objects.count()
    print(f"pool: {n:,} enterprises in {t_pool:.0f} s")

    backends = ["database", "rq"] if args.backend == "both" else [args.backend]
    lines = [
        f"{time.strftime('%Y-%m-%d %H:%M')}, {platform.machine()}, {os.cpu_count()} cores, "
        f"{n:,} generated enterprises, every policy in force for {YEAR} (SQLite pool; "
        "`bench/bench_jobs.py`). The worker evaluating a run is killed with SIGKILL, then a new "
        "worker is started; the columns are the time from queueing to the kill, the time the new "
        "worker took to recover the job and finish the run, the result rows and the duplicates.",
        "",
        "| backend | killed while | queued → killed | new worker → done | result rows | duplicates | run |",
        "|---|---|---|---|---|---|---|",
    ]
    for backend in backends:
        if backend == "rq" and not _redis_answers():
            print(f"skipped rq: no Redis at {REDIS_URL}")
            continue
        row = _kill_and_recover(backend, home, args.kill_at, n)
        print(row[0])
        lines += row
    if args.record:
        _record("## A worker killed mid-run", lines)


if __name__ == "__main__":
    sys.exit(main())
