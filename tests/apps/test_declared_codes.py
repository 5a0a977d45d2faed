"""Every audit action and job kind the apps record is declared with its Chinese label (the audit
page filters by the declared actions, and a job page shows the label): a code written only at the
call site showed raw on the pages."""

from __future__ import annotations

import re
from pathlib import Path

APPS = Path(__file__).resolve().parents[2] / "src" / "lingjun" / "apps"


def _codes(pattern: str) -> set[str]:
    found: set[str] = set()
    for path in APPS.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        found |= set(re.findall(pattern, path.read_text(encoding="utf-8")))
    return found


def test_every_recorded_audit_action_is_declared() -> None:
    from lingjun.apps.audit.models import AuditEvent

    used = _codes(r'audit_record\([^)]*?action="(\w+)"')
    assert used, "the pattern finds the calls"
    assert used - set(AuditEvent.Action.values) == set()


def test_every_job_kind_is_declared() -> None:
    from lingjun.apps.jobs.models import Job

    used = _codes(r'(?:JOB_KIND|SWEEP_JOB|REVIEW_JOB|_JOB)\s*=\s*"(\w+)"') | _codes(
        r'job_create\(\s*kind="(\w+)"'
    )
    assert {"funds_proposals", "cultivation_gaps"} <= used
    assert used - set(Job.Kind.values) == set()
