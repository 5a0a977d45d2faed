"""Evaluation of the pool (评价): runs, stored results, explanations.

The whole pool is evaluated at once by :func:`lingjun.rules.evaluate` on the chosen engine;
nothing here loops over enterprises: the slim result rows (one per enterprise) are built in Arrow
and bulk-loaded (:func:`lingjun.apps.bulk.load_arrow`).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.db import connection, transaction
from django.utils import timezone

from lingjun.apps.accounts.models import User
from lingjun.apps.bulk import load_arrow
from lingjun.apps.evaluation.models import (
    OUTCOME_CODES,
    SCORE_SEPARATOR,
    EvaluationResult,
    EvaluationRun,
)
from lingjun.apps.evaluation.pool import (
    duckdb_connection,
    duckdb_tables_from_sqlite,
    pool_arrow,
    pool_is_sqlite,
    postgres_connection,
    sqlite_snapshot,
)
from lingjun.apps.evaluation.pool import postgres_tables as pool_postgres_tables
from lingjun.apps.evaluation.storage import runs_dir
from lingjun.rules.engines import connect, register_tables
from lingjun.rules.evaluation import evaluate
from lingjun.rules.result import Evaluation, value_array
from lingjun.rules.spec import RunSpec

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
        if pool_is_sqlite():
            con = duckdb_connection()
            return con, duckdb_tables_from_sqlite(con, stack.enter_context(sqlite_snapshot()))
        con = connect("duckdb")
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


def evaluation_of_pool(*, spec: RunSpec, engine: str = "duckdb") -> Evaluation:
    """Evaluate the whole pool for the run ``spec`` (no storage): the engine's :class:`Evaluation`."""
    with ExitStack() as stack:
        con, tables = _pool_tables(engine, stack)
        try:
            evaluation = evaluate(tables=tables, spec=spec)
        finally:
            if engine != "spark":  # the Spark session is shared for the process
                con.disconnect()
    return evaluation


_CODES = pa.array(list(OUTCOME_CODES.values()))  # pass, fail, unknown: the order of result_words


def results_table(evaluation: Evaluation) -> pa.Table:
    """What the pages need of a run, one row per enterprise: ``uscc``, ``outcomes`` (a letter per
    policy, :func:`outcomes_code`) and ``scores`` (:func:`scores_code`), built in Arrow."""
    t = evaluation.table
    letters, scores = [], []
    for plan in evaluation.plans:
        passed = t[plan.result_column].combine_chunks()
        indices = pc.fill_null(pc.cast(pc.invert(passed), pa.int8()), pa.scalar(2, pa.int8()))
        letters.append(pc.take(_CODES, indices))
        score = value_array(t, plan.score) if plan.score is not None else None
        if score is None:
            scores.append(pa.nulls(t.num_rows, pa.string()))
        else:  # two places, as shown (round half to even on the double, like the engine's figures)
            if isinstance(score, pa.ChunkedArray):
                score = score.combine_chunks()
            rounded = pc.round(pc.cast(score, pa.float64()), 2)
            scores.append(pc.cast(pc.cast(rounded, pa.decimal128(18, 2)), pa.string()))
    if not letters:
        outcomes = pa.array([""] * t.num_rows, pa.string())
    else:
        outcomes = pc.binary_join_element_wise(*letters, "")
    if all(plan.score is None for plan in evaluation.plans):
        joined = pa.array([""] * t.num_rows, pa.string())
    else:
        joined = pc.binary_join_element_wise(
            *scores, SCORE_SEPARATOR, null_handling="replace", null_replacement=""
        )
    return pa.table({"uscc": t["uscc"], "outcomes": outcomes, "scores": joined})


def _store_results(run: EvaluationRun, evaluation: Evaluation) -> None:
    table = results_table(evaluation)
    # in the order of the (run, uscc) index: each row lands next to the last (twice as fast on
    # SQLite as the engine's order)
    table = table.take(pc.sort_indices(table["uscc"]))
    run_ids = pa.array([run.pk] * table.num_rows, pa.int64())
    load_arrow(EvaluationResult, table.add_column(0, "run_id", run_ids))


def _write_explanations(evaluation: Evaluation, path: Path) -> Future[None]:
    """Write the engine's table (what explanations are rebuilt from) as Parquet, in a thread of
    its own (Arrow releases the GIL, so the result rows are stored at the same time).

    LZ4 without dictionary pages: 0.4 s for 100 000 enterprises where Parquet's defaults
    (dictionaries of nearly unique values, Snappy) took 0.6-1.9 s, for a file of the same size
    (about 14 MB).
    """
    global _WRITER
    if _WRITER is None:  # one thread for the process: Arrow keeps memory per thread
        _WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lingjun-parquet")
    return _WRITER.submit(pq.write_table, evaluation.table, path, compression="lz4", use_dictionary=False)


_WRITER: ThreadPoolExecutor | None = None


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
    spec = RunSpec.of(policies, year=year, as_of=as_of, overrides=overrides, inputs=inputs)
    return EvaluationRun.objects.create(
        policies=spec.policy_ids,
        year=year,
        as_of=as_of,
        engine=engine,
        overrides=spec.overrides_dict(),
        inputs=spec.inputs_dict(),
        user=user,
        provisional=[
            p.id for p in spec.policies if not p.verified or not all(c.verified for c in p.criteria)
        ],
        worker=this_worker(),
    )


def evaluation_run_execute(*, run: EvaluationRun) -> EvaluationRun:
    """Evaluate the pool for a started run and store counts, results and explanation columns.

    On failure the run is marked failed with the error, and the error is raised again.
    """
    started = time.perf_counter()
    _HELD.add(run.pk)
    run.worker, run.begun_at = this_worker(), timezone.now()
    run.save(update_fields=["worker", "begun_at"])
    try:
        evaluation = evaluation_of_pool(spec=run.spec(), engine=run.engine)
        path = runs_dir() / f"run-{run.pk}.parquet"
        written = _write_explanations(evaluation, path)  # meanwhile, the rows are stored
        with transaction.atomic():
            _store_results(run, evaluation)
            written.result()
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
