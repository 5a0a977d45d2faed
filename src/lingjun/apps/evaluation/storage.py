"""Where a run's explanation columns live: ``LINGJUN_HOME/runs/run-<id>.parquet``."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def runs_dir() -> Path:
    path = Path(settings.LINGJUN_HOME) / "runs"
    path.mkdir(parents=True, exist_ok=True)
    return path
