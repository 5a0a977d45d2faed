"""What makes a production configuration unsafe: checked at start-up and by ``lingjun check-deploy``.

Pure functions over values (no Django import), so that ``lingjun.settings`` can use them while it
is being loaded.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

#: the key printed in ``settings.py`` for development: public, so never a production key
DEV_SECRET = "lingjun-insecure-development-key-do-not-use-in-production"
MIN_KEY_LENGTH = 50
MIN_KEY_CHARACTERS = 12  # different characters
MIN_KEY_BITS_PER_CHARACTER = 3.5  # Shannon entropy of the key's characters; random ones give ≥ 5

FIX_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(64))" 生成一个，设为 LINGJUN_SECRET_KEY'


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` is not a safe production secret key, or ``None``."""
    if not key:
        return "生产模式（LINGJUN_PRODUCTION=1）必须设置环境变量 LINGJUN_SECRET_KEY（至少50个随机字符）。"
    if key == DEV_SECRET or "insecure" in key:
        return "LINGJUN_SECRET_KEY 是公开的开发密钥，不能用于生产。"
    if len(key) < MIN_KEY_LENGTH:
        return f"LINGJUN_SECRET_KEY 太短：生产模式要求至少{MIN_KEY_LENGTH}个字符。"
    for period in range(1, len(key) // 2 + 1):
        if key == (key[:period] * (len(key) // period + 1))[: len(key)]:
            return f"LINGJUN_SECRET_KEY 由一段{period}个字符的内容重复组成，不是随机生成的密钥。"
    counts = Counter(key)
    if len(counts) < MIN_KEY_CHARACTERS:
        return f"LINGJUN_SECRET_KEY 只有{len(counts)}种字符，不是随机生成的密钥。"
    bits = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    if bits < MIN_KEY_BITS_PER_CHARACTER:
        return "LINGJUN_SECRET_KEY 的字符重复太多（熵过低），不是随机生成的密钥。"
    return None


@dataclass(frozen=True)
class Problem:
    what: str  # what is unsafe
    fix: str  # how to fix it


def deploy_problems(
    *,
    production: bool,
    debug: bool,
    secret_key: str,
    allowed_hosts: Sequence[str],
    database_engine: str,
    secure_cookies: bool,
    hsts_seconds: int,
    ssl_redirect: bool,
) -> list[Problem]:
    """Every way the configuration is unsafe for a production server (empty: none)."""
    out: list[Problem] = []
    if not production:
        out.append(Problem("未开启生产模式（LINGJUN_PRODUCTION 未设为 1）", "设置 LINGJUN_PRODUCTION=1"))
    if debug:
        out.append(
            Problem(
                "调试模式已开启（LINGJUN_DEBUG=1），出错时会显示代码和设置", "删除 LINGJUN_DEBUG 或设为 0"
            )
        )
    key = secret_key_problem(secret_key)
    if key:
        out.append(Problem(key, FIX_KEY))
    hosts = [h for h in allowed_hosts if h not in ("testserver",)]
    if not hosts or "*" in hosts or set(hosts) <= {"127.0.0.1", "localhost"}:
        out.append(
            Problem(
                "LINGJUN_ALLOWED_HOSTS 未设为本服务的域名（现为：" + ("、".join(hosts) or "空") + "）",
                "设置 LINGJUN_ALLOWED_HOSTS=平台在内网的域名，如 lingjun.wuqing.gov.cn",
            )
        )
    if "sqlite" in database_engine:
        out.append(
            Problem(
                "生产环境使用内置的 SQLite 数据库（多人同时使用时会锁表，且不便备份）",
                "设置 DATABASE_URL=postgres://用户:密码@主机:5432/lingjun",
            )
        )
    if not (secure_cookies and hsts_seconds > 0 and ssl_redirect):
        out.append(
            Problem(
                "未按 HTTPS 配置：安全 Cookie、HSTS、HTTP 跳转 HTTPS 未全部开启",
                "在 HTTPS 之后运行，并设置 LINGJUN_TLS=1（开启安全 Cookie、HSTS 和跳转）",
            )
        )
    return out
