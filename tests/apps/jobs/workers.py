"""Real worker processes for the tests (and the benchmark): start ``python -m lingjun worker`` on
the test database with the database or the RQ backend, wait for a job, kill a worker.

RQ uses database 5 of ``LINGJUN_TEST_REDIS_URL`` (default the local server), emptied before and
after each test, and a queue of this test process's own (:data:`QUEUE`, ``LINGJUN_JOB_QUEUE`` of
its workers): a worker left over from a killed test run, still listening on the shared Redis
database, cannot take this run's jobs. Without Redis the RQ tests skip, unless
``LINGJUN_REQUIRE_ALL_ENGINES=1`` (CI), where they fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import pytest
from tests.conftest import require_all_engines

REDIS_URL = os.environ.get("LINGJUN_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
#: this test process's job queue (its workers take jobs from it only)
QUEUE = f"lingjun-test-{os.getpid()}"
BACKENDS = {
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    "rq": {"BACKEND": "django_tasks_rq.RQBackend"},
}


def redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        reason = f"no Redis at {REDIS_URL}: {exc}"
        if require_all_engines():
            pytest.fail(f"LINGJUN_REQUIRE_ALL_ENGINES=1 but {reason}")
        pytest.skip(reason)


def use_own_queue(settings: Any, backend: str) -> None:
    """Send this process's jobs to :data:`QUEUE` (``settings``: pytest-django's fixture)."""
    settings.LINGJUN_JOB_QUEUE = QUEUE
    settings.TASKS = {"default": {**BACKENDS[backend], "QUEUES": ["default", QUEUE]}}
    if backend == "rq":
        settings.RQ_QUEUES = {q: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600} for q in ("default", QUEUE)}


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def database_url() -> str:
    """The test database as a ``DATABASE_URL`` for another process."""
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{s['NAME']}"
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def worker_env(backend: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "LINGJUN_TASKS"}}
    env.update(
        DATABASE_URL=database_url(), LINGJUN_HOME=str(home), LINGJUN_TASKS=backend, LINGJUN_JOB_QUEUE=QUEUE
    )
    if backend == "rq":
        env["REDIS_URL"] = REDIS_URL
    return env


def start_worker(backend: str, home: Path, log: IO[Any]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "lingjun", "worker"],
        env=worker_env(backend, home),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


@contextmanager
def worker(backend: str, home: Path, log: IO[Any]) -> Iterator[subprocess.Popen[bytes]]:
    proc = start_worker(backend, home, log)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_for(condition: Callable[[], bool], *, seconds: float, what: str, every: float = 0.02) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(every)
