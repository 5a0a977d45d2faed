"""武清区 镇街 (towns and streets) and 园区 (parks): the packaged seed list.

The web app copies this list into an administrator-editable table; pure-Python code (validation,
demo data) reads it from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    kind: str  # street | town | park
    verified: bool = True


@cache
def _data() -> dict:
    text = resources.files("lingjun.dossier").joinpath("data/wuqing.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def towns() -> tuple[Division, ...]:
    """The district's 镇 and 街道."""
    return tuple(Division(str(t["code"]), t["name"], t["kind"]) for t in _data()["towns"])


def parks() -> tuple[Division, ...]:
    """The district's 园区."""
    return tuple(Division(str(p["code"]), p["name"], "park", bool(p["verified"])) for p in _data()["parks"])


def district() -> dict[str, str]:
    return {k: str(v) for k, v in _data()["district"].items()}
