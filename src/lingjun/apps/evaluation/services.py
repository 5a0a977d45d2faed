"""Evaluation of the pool (评价): runs, stored results, explanations.

The whole pool is evaluated at once by :func:`lingjun.rules.evaluate` on the chosen engine;
nothing here loops over enterprises except the bulk insert of the slim result rows.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.db import connection, transaction
from django.utils import timezone

from lingjun.apps.accounts.models import User
from lingjun.apps.audit.models import AuditEvent
from lingjun.apps.audit.services import audit_record
from lingjun.apps.bulk import insert_rows
from lingjun.apps.evaluation.models import EvaluationResult, EvaluationRun
from lingjun.apps.evaluation.pool import (
    duckdb_tables_from_sqlite,
    pool_arrow,
    pool_is_sqlite,
    postgres_connection,
    sqlite_snapshot,
)
from lingjun.apps.evaluation.pool import postgres_tables as pool_postgres_tables
from lingjun.apps.evaluation.storage import runs_dir
from lingjun.rules.engines import connect, register_tables
from lingjun.rules.evaluation import build_plan, evaluate, resolve_policies
from lingjun.rules.result import Evaluation

logger = logging.getLogger(__name__)

ENGINES = ("duckdb", "postgres", "spark")
UNKNOWN_ENGINE = "未知的计算引擎“{engine}”：可选 duckdb、postgres、spark。"
POSTGRES_ENGINE_NEEDS_POSTGRES_POOL = "PostgreSQL 引擎需要企业库本身在 PostgreSQL 中（设置 DATABASE_URL）。"
INTERRUPTED = (
    "评价中断：执行本批次的网页服务进程在评价完成前已停止（重启或退出），结果没有保存。请重新发起评价。"
)


def _pool_tables(engine: str, stack: ExitStack) -> tuple[Any, dict[str, Any]]:
    """A backend connection and the pool's table form on it (a SQLite pool's snapshot file lives
    as long as ``stack``)."""
    if engine == "duckdb":
        con = connect("duckdb")
        if pool_is_sqlite():
            return con, duckdb_tables_from_sqlite(con, stack.enter_context(sqlite_snapshot()))
        return con, register_tables(con, pool_arrow())
    if engine == "postgres":
        if pool_is_sqlite():
            raise ValueError(POSTGRES_ENGINE_NEEDS_POSTGRES_POOL)
        con = postgres_connection()
        return con, pool_postgres_tables(con)
    if engine == "spark":
        con = connect("spark")
        return con, register_tables(con, pool_arrow())
    raise ValueError(UNKNOWN_ENGINE.format(engine=engine))


def evaluation_of_pool(
    *,
    policies: Sequence[str],
    year: int,
    as_of: date,
    engine: str = "duckdb",
    overrides: Mapping[str, str] | None = None,
    inputs: Mapping[str, Any] | None = None,
) -> Evaluation:
    """Evaluate the whole pool (no storage): the engine's :class:`Evaluation`."""
    with ExitStack() as stack:
        con, tables = _pool_tables(engine, stack)
        try:
            evaluation = evaluate(
                tables=tables,
                policies=list(policies),
                year=year,
                as_of=as_of,
                overrides=overrides,
                inputs=dict(inputs) if inputs else None,
            )
        finally:
            if engine != "spark":  # the Spark session is shared for the process
                con.disconnect()
    return evaluation


def _store_results(run: EvaluationRun, evaluation: Evaluation) -> None:
    wide = evaluation.to_arrow()
    usccs = wide.column("uscc").to_pylist()
    rows: list[tuple[Any, ...]] = []
    for plan in evaluation.plans:
        pid = plan.policy.id
        results = wide.column(f"{pid}.result").to_pylist()
        scores = (
            pc.round(wide.column(f"{pid}.score"), 2).to_pylist()
            if f"{pid}.score" in wide.column_names
            else [None] * len(usccs)
        )
        rows += [
            (run.pk, u, pid, r, None if s is None else Decimal(str(s)))
            for u, r, s in zip(usccs, results, scores, strict=True)
        ]
    insert_rows(EvaluationResult, ("run_id", "uscc", "policy", "result", "score"), rows)


def evaluation_run_start(
    *,
    policies: Sequence[str],
    year: int,
    as_of: date,
    engine: str = "duckdb",
    overrides: Mapping[str, str] | None = None,
    inputs: Mapping[str, Any] | None = None,
    user: User | None = None,
) -> EvaluationRun:
    """Check a run's parameters and record it as running (nothing is evaluated yet).

    Raises ``ValueError`` for an engine that cannot run here and :class:`RulesError` (the engine's
    Chinese message) for an unknown policy, parameter or input or a bad value, before any record
    is made. :func:`evaluation_run_execute` does the work (the web app calls it in the background).
    """
    if engine not in ENGINES:
        raise ValueError(UNKNOWN_ENGINE.format(engine=engine))
    if engine == "postgres" and pool_is_sqlite():
        raise ValueError(POSTGRES_ENGINE_NEEDS_POSTGRES_POOL)
    resolved = resolve_policies(list(policies), year, as_of)
    build_plan(resolved, year=year, as_of=as_of, overrides=overrides, inputs=dict(inputs) if inputs else None)
    run = EvaluationRun.objects.create(
        policies=[p.id for p in resolved],
        year=year,
        as_of=as_of,
        engine=engine,
        overrides=dict(overrides or {}),
        inputs=dict(inputs or {}),
        user=user,
        provisional=[p.id for p in resolved if not p.verified or not all(c.verified for c in p.criteria)],
        worker=this_worker(),
    )
    detail = {"policies": "、".join(run.policies), "year": year, "overrides": dict(overrides or {})}
    audit_record(action=AuditEvent.Action.RUN, user=user, target=f"评价 #{run.pk}", detail=detail)
    return run


def evaluation_run_execute(*, run: EvaluationRun) -> EvaluationRun:
    """Evaluate the pool for a started run and store counts, results and explanation columns.

    On failure the run is marked failed with the error, and the error is raised again.
    """
    started = time.perf_counter()
    _HELD.add(run.pk)
    run.worker, run.begun_at = this_worker(), timezone.now()
    run.save(update_fields=["worker", "begun_at"])
    try:
        evaluation = evaluation_of_pool(
            policies=run.policies,
            year=run.year,
            as_of=run.as_of,
            engine=run.engine,
            overrides=run.overrides or None,
            inputs=run.inputs or None,
        )
        path = runs_dir() / f"run-{run.pk}.parquet"
        pq.write_table(evaluation.table, path)
        with transaction.atomic():
            _store_results(run, evaluation)
            run.counts = evaluation.counts()
            run.enterprise_count = evaluation.table.num_rows
            run.result_file = path.name
            run.status = EvaluationRun.Status.DONE
            run.finished_at = timezone.now()
            run.seconds = time.perf_counter() - started
            run.save()
    except Exception as exc:
        run.status = EvaluationRun.Status.FAILED
        run.error = str(exc)
        run.finished_at = timezone.now()
        run.seconds = time.perf_counter() - started
        run.save(update_fields=["status", "error", "finished_at", "seconds"])
        raise
    finally:
        _HELD.discard(run.pk)
    return run


def evaluation_run_enqueue(*, run: EvaluationRun) -> None:
    """Evaluate a started run in the background of this process, after the runs it holds already.

    One run is evaluated at a time, in the order they were started: two runs of a large pool at
    once would need twice the memory and finish no sooner on a few cores. A failure is recorded on
    the run (:func:`evaluation_run_execute`) and logged.
    """
    global _QUEUE
    if _QUEUE is None:
        _QUEUE = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lingjun-evaluation")
    _HELD.add(run.pk)
    _QUEUE.submit(_execute_queued, run.pk)


def _execute_queued(run_pk: int) -> None:
    try:
        evaluation_run_execute(run=EvaluationRun.objects.get(pk=run_pk))
    except Exception:
        logger.exception("evaluation run %s failed", run_pk)
    finally:
        _HELD.discard(run_pk)
        connection.close()  # the queue's thread outlives the request: no connection left open


#: ids of the runs this process holds: waiting in its queue or being evaluated
_HELD: set[int] = set()
_QUEUE: ThreadPoolExecutor | None = None


def this_worker() -> str:
    """This process as a run's ``worker``: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive_here(worker: str) -> bool | None:
    """Whether the process ``host:pid`` still runs: ``None`` when it is on another host."""
    host, _sep, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    if int(pid) == os.getpid():  # this process, or a predecessor with the same pid (containers)
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of another user: alive
        return True
    return True


def evaluation_runs_interrupted(*, unclaimed_after: timedelta = timedelta(minutes=1)) -> list[int]:
    """Mark as failed the runs still "running" that no process will finish; returns their ids.

    Runs are evaluated in a thread of the web server (``lingjun serve``) that accepted them, so a
    restart loses the runs waiting and in progress. A run is interrupted when its worker was a
    process of this host that no longer exists (or had this process's pid but is not being
    evaluated here: a container's restarted server gets the same pid), or when it names no worker
    and was started more than ``unclaimed_after`` ago. Runs of a live process, or of a process on
    another host sharing the database, are left alone.
    """
    stale = timezone.now() - unclaimed_after
    interrupted = []
    for pk, worker, started_at in EvaluationRun.objects.filter(
        status=EvaluationRun.Status.RUNNING
    ).values_list("pk", "worker", "started_at"):
        if pk in _HELD:
            continue
        if (worker == "" and started_at < stale) or (worker and _alive_here(worker) is False):
            interrupted.append(pk)
    if interrupted:
        EvaluationRun.objects.filter(pk__in=interrupted, status=EvaluationRun.Status.RUNNING).update(
            status=EvaluationRun.Status.FAILED, error=INTERRUPTED, finished_at=timezone.now()
        )
    return interrupted


def evaluation_run(
    *,
    policies: Sequence[str],
    year: int,
    as_of: date,
    engine: str = "duckdb",
    overrides: Mapping[str, str] | None = None,
    inputs: Mapping[str, Any] | None = None,
    user: User | None = None,
) -> EvaluationRun:
    """Evaluate the pool and store the run: parameters, counts, results, explanation columns."""
    run = evaluation_run_start(
        policies=policies,
        year=year,
        as_of=as_of,
        engine=engine,
        overrides=overrides,
        inputs=inputs,
        user=user,
    )
    return evaluation_run_execute(run=run)
