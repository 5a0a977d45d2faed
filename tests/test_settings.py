"""Settings: production mode refuses to start without a secret key; Chinese and Shanghai by default."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings


def _import_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LINGJUN_")}
    return subprocess.run(
        [sys.executable, "-c", "import lingjun.settings"],
        env={**clean, "LINGJUN_HOME": "/tmp/lingjun-settings-test", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    proc = _import_settings(LINGJUN_PRODUCTION="1")
    assert proc.returncode != 0
    assert "LINGJUN_SECRET_KEY" in proc.stderr


def test_production_refuses_a_short_secret_key():
    proc = _import_settings(LINGJUN_PRODUCTION="1", LINGJUN_SECRET_KEY="short")
    assert proc.returncode != 0 and "太短" in proc.stderr


def test_production_starts_with_a_long_secret_key():
    assert _import_settings(LINGJUN_PRODUCTION="1", LINGJUN_SECRET_KEY="x" * 64).returncode == 0


def test_chinese_and_shanghai_by_default():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
