"""Demo district: placeholder until the populator is written."""

from __future__ import annotations

from datetime import date
from typing import Any


def populate(*, today: date, users: dict[str, Any]) -> str:
    return ""
