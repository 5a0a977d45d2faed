"""Settings: production mode refuses to start without a secret key; Chinese and Shanghai by default."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
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


RANDOM_KEY = "q8Yv2-kLz0_NwT4rXb7pHs1mC9eUaJd3GfR6oVi5yKxZ0nQwE2tBcLhMsPu"


def test_production_starts_with_a_random_secret_key():
    proc = _import_settings(LINGJUN_PRODUCTION="1", LINGJUN_SECRET_KEY=RANDOM_KEY)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("lingjun-insecure-development-key-do-not-use-in-production", "公开的开发密钥"),
        ("x" * 64, "1个字符的内容重复"),
        ("abcdefghijkl" * 5, "12个字符的内容重复"),
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabcdefghijklmn", "熵过低"),
    ],
)
def test_production_refuses_a_known_or_weak_secret_key(key: str, why: str):
    proc = _import_settings(LINGJUN_PRODUCTION="1", LINGJUN_SECRET_KEY=key)
    assert proc.returncode != 0 and "LINGJUN_SECRET_KEY" in proc.stderr and why in proc.stderr


def test_production_refuses_debug():
    proc = _import_settings(LINGJUN_PRODUCTION="1", LINGJUN_SECRET_KEY=RANDOM_KEY, LINGJUN_DEBUG="1")
    assert proc.returncode != 0 and "LINGJUN_DEBUG" in proc.stderr


def test_chinese_and_shanghai_by_default():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
