"""Evaluation of the pool (评价): runs, stored results, explanations.

The whole pool is evaluated at once by :func:`lingjun.rules.evaluate` on the chosen engine;
nothing here loops over enterprises: the slim result rows (one per enterprise) are built in Arrow
and bulk-loaded (:func:`lingjun.apps.bulk.load_arrow`).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from lingjun.apps.accounts.models import User
from lingjun.apps.audit.models import AuditEvent
from lingjun.apps.audit.services import audit_record
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
    pool_snapshots_sweep,
    postgres_connection,
    sqlite_snapshot,
)
from lingjun.apps.evaluation.pool import postgres_tables as pool_postgres_tables
from lingjun.apps.evaluation.storage import runs_dir
from lingjun.apps.jobs.models import Job
from lingjun.apps.jobs.services import (
    JobCancelled,
    JobSuperseded,
    job_cancel,
    job_check_current,
    job_create,
    job_enqueue,
    job_is_current,
    job_step,
    this_worker,
)
from lingjun.rules.engines import connect, register_tables
from lingjun.rules.evaluation import evaluate
from lingjun.rules.result import Evaluation, value_array
from lingjun.rules.spec import RunSpec

logger = logging.getLogger(__name__)

ENGINES = ("duckdb", "postgres", "spark")
UNKNOWN_ENGINE = "未知的计算引擎“{engine}”：可选 duckdb、postgres、spark。"
TOO_MANY_OPEN_RUNS = "您已有 {n} 个评价批次在排队或计算中：请待其完成（或取消）后再发起新的评价。"
POSTGRES_ENGINE_NEEDS_POSTGRES_POOL = "PostgreSQL 引擎需要企业库本身在 PostgreSQL 中（设置 DATABASE_URL）。"
#: runs left 评价中 by a version that evaluated them inside the web server (migration 0003)
INTERRUPTED = (
    "评价中断：执行本批次的网页服务进程在评价完成前已停止（重启或退出），结果没有保存。请重新发起评价。"
)


def _pool_tables(
    engine: str, stack: ExitStack, tables: Collection[str] | None = None
) -> tuple[Any, dict[str, Any]]:
    """A backend connection and the pool's table form on it (a SQLite pool's snapshot file lives
    as long as ``stack``; ``tables``: only those are copied into it, the others may be absent)."""
    if engine == "duckdb":
        if pool_is_sqlite():
            con = duckdb_connection()
            return con, duckdb_tables_from_sqlite(con, stack.enter_context(sqlite_snapshot(tables)), tables)
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


@contextmanager
def pool_tables(*, engine: str = "duckdb", tables: Collection[str] | None = None) -> Iterator[dict[str, Any]]:
    """The pool's tables (the table form) as Ibis tables on ``engine``, for whole-pool computations
    of other apps (the growth monitoring of ``plan``; ``tables``: the ones it needs, the others
    may be absent); closed when the ``with`` block ends."""
    with ExitStack() as stack:
        con, found = _pool_tables(engine, stack, tables)
        try:
            yield found
        finally:
            if engine != "spark":  # the Spark session is shared for the process
                con.disconnect()


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
    is made. :func:`evaluation_run_execute` does the work (the web app queues it as a job:
    :func:`evaluation_run_enqueue`).
    """
    if engine not in ENGINES:
        raise ValueError(UNKNOWN_ENGINE.format(engine=engine))
    if engine == "postgres" and pool_is_sqlite():
        raise ValueError(POSTGRES_ENGINE_NEEDS_POSTGRES_POOL)
    spec = RunSpec.of(policies, year=year, as_of=as_of, overrides=overrides, inputs=inputs)
    limit = settings.LINGJUN_MAX_OPEN_RUNS
    if user is not None and (
        EvaluationRun.objects.filter(user=user, status=EvaluationRun.Status.RUNNING).count() >= limit
    ):
        raise ValueError(TOO_MANY_OPEN_RUNS.format(n=limit))
    run = EvaluationRun.objects.create(
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
    )
    detail = {"policies": "、".join(run.policies), "year": year, "overrides": dict(overrides or {})}
    audit_record(action=AuditEvent.Action.RUN, user=user, target=f"评价 #{run.pk}", detail=detail)
    return run


STEP_EVALUATING = gettext_noop("正在读取企业库并按政策计算")
STEP_STORING = gettext_noop("正在保存评价结果和逐条说明文件")


def evaluation_run_execute(*, run: EvaluationRun, job: Job | None = None) -> EvaluationRun:
    """Evaluate the pool for a started run and store counts, results and explanation columns.

    Idempotent: a run that already has its results is left as it is, and the results are written
    in one transaction that first deletes any rows an earlier attempt left, so exactly one result
    set exists however often the run is executed. Under a ``job`` it reports its stages and stops
    between them when the job is cancelled (the run is then 已取消, nothing stored) or superseded
    (its worker was taken for dead and the job retried: the retry stores the results).

    On failure the run is marked failed with the error, and the error is raised again.
    """
    run.refresh_from_db()
    if run.status == EvaluationRun.Status.DONE:
        return run

    def step(progress: float, text: str) -> None:
        if job is not None:
            job_step(job=job, progress=progress, step=text)

    started = time.perf_counter()
    run.worker, run.begun_at = this_worker(), timezone.now()
    run.save(update_fields=["worker", "begun_at"])
    path = runs_dir() / f"run-{run.pk}.parquet"
    for stale in runs_dir().glob(f"{path.name}.*.part"):  # left by an attempt whose worker died
        stale.unlink(missing_ok=True)
    part = path.with_name(f"{path.name}.{os.getpid()}.part")
    written: Future[None] | None = None
    try:
        step(0.05, STEP_EVALUATING)
        evaluation = evaluation_of_pool(spec=run.spec(), engine=run.engine)
        step(0.6, STEP_STORING)
        written = _write_explanations(evaluation, part)  # meanwhile, the rows are stored
        with transaction.atomic():
            if job is not None:
                job_check_current(job=job)  # locks the job: one attempt stores, none after a cancel
            if EvaluationRun.objects.select_for_update().get(pk=run.pk).status == EvaluationRun.Status.DONE:
                _discard(part, written)
                run.refresh_from_db()
                return run
            EvaluationResult.objects.filter(run=run).delete()  # rows of an attempt that died midway
            _store_results(run, evaluation)
            written.result()
            os.replace(part, path)
            run.counts = evaluation.counts()
            run.enterprise_count = evaluation.table.num_rows
            run.result_file = path.name
            run.status = EvaluationRun.Status.DONE
            run.error = ""
            run.finished_at = timezone.now()
            run.seconds = time.perf_counter() - started
            run.save()
    except JobSuperseded:
        _discard(part, written)
        raise
    except JobCancelled:
        _discard(part, written)
        _run_over(run, EvaluationRun.Status.CANCELLED, started=started)
        raise
    except Exception as exc:
        _discard(part, written)
        if job is None or job_is_current(job=job):  # a superseded attempt leaves the run to the retry
            _run_over(run, EvaluationRun.Status.FAILED, error=str(exc), started=started)
        raise
    return run


def _discard(part: Path, written: Future[None] | None) -> None:
    """Remove an unused explanation file, after its writer is done with it."""
    if written is not None:
        written.exception()  # waits; a failure of the writer is not this run's error
    part.unlink(missing_ok=True)


def _run_over(run: EvaluationRun, status: str, *, error: str = "", started: float | None = None) -> None:
    run.status = status
    run.error = error
    run.finished_at = timezone.now()
    if started is not None:
        run.seconds = time.perf_counter() - started
    run.save(update_fields=["status", "error", "finished_at", "seconds"])


def evaluation_run_job(job: Job) -> dict[str, Any]:
    """The work of an evaluation job (:func:`lingjun.apps.evaluation.tasks.evaluation_run_task`)."""
    assert job.subject_id is not None  # an evaluation job names its run
    run = evaluation_run_execute(run=EvaluationRun.objects.get(pk=job.subject_id), job=job)
    return {"run": run.pk, "enterprises": run.enterprise_count}


def evaluation_run_enqueue(*, run: EvaluationRun) -> Job:
    """Queue a started run as a background job; a worker (``lingjun worker``) evaluates it.

    Jobs are durable: they wait in the database (or Redis) until a worker takes them, and a job
    whose worker died is retried once (:func:`lingjun.apps.jobs.services.jobs_recover`).
    """
    job = job_create(kind=Job.Kind.EVALUATION, user=run.user, subject_id=run.pk)
    job_enqueue(job=job, task_path="lingjun.apps.evaluation.tasks.evaluation_run_task")
    return job


def evaluation_run_cancel(*, run: EvaluationRun) -> EvaluationRun:
    """Cancel a run that is not over: a waiting one at once, one being evaluated at its next
    stage (it then stores nothing). A run without a job (evaluated in the foreground) is left."""
    job = Job.objects.filter(kind=Job.Kind.EVALUATION, subject_id=run.pk).order_by("-pk").first()
    if job is not None and not job.over:
        job_cancel(job=job)
    run.refresh_from_db()
    return run


def evaluation_run_abandoned(*, run_pk: int, error: str) -> None:
    """A run whose job was given up (its worker died twice): failed, with the job's reason."""
    EvaluationRun.objects.filter(pk=run_pk, status=EvaluationRun.Status.RUNNING).update(
        status=EvaluationRun.Status.FAILED, error=error, finished_at=timezone.now()
    )


def evaluation_run_cancelled(*, run_pk: int) -> None:
    """A run whose job was cancelled before a worker took it."""
    EvaluationRun.objects.filter(pk=run_pk, status=EvaluationRun.Status.RUNNING).update(
        status=EvaluationRun.Status.CANCELLED, finished_at=timezone.now()
    )


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


def evaluation_leftovers_remove() -> int:
    """Delete the pool snapshots of runs whose process died (a killed worker leaves its copy of a
    SQLite pool under ``LINGJUN_HOME/tmp``); called when a worker starts. Returns how many."""
    return len(pool_snapshots_sweep())
