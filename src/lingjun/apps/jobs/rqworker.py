"""The RQ worker class of ``lingjun worker`` with ``REDIS_URL``."""

from __future__ import annotations

from rq.worker import SimpleWorker


class JobWorker(SimpleWorker):
    """RQ's SimpleWorker (the job runs in the worker process: no fork, so killing the worker kills
    its job and DuckDB's threads never cross a fork) without RQ's command channel: that channel's
    thread polls every 60 s and held up every shutdown by a minute. Stop a worker with SIGTERM."""

    def subscribe(self) -> None:
        self.pubsub_thread = None
