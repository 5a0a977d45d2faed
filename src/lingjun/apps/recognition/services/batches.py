"""Batches (批次): creation, opening, closing and the reminder before the closing day.

Opening a batch fixes the policy in force on its opening day, the values of its parameters
(:attr:`Batch.parameters`, kept as the what-if text that evaluates with them later) and what of
the policy is provisional (暂定), so that a policy file corrected afterwards does not change the
batch's evaluations.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from lingjun.apps.accounts.models import User
from lingjun.apps.notifications.services import notification_send
from lingjun.apps.recognition.flow import MUNICIPAL_REJECTION_LIMIT
from lingjun.apps.recognition.models import TIER_FAMILY, TIER_LABEL, Batch
from lingjun.apps.recognition.services.errors import (
    BATCH_DATES,
    BATCH_EXISTS,
    BATCH_STATUS,
    NO_POLICY,
    RecognitionError,
)
from lingjun.apps.recognition.services.notify import _enterprise_users
from lingjun.rules import load_library
from lingjun.rules.errors import RulesError
from lingjun.rules.policy import Policy

# --------------------------------------------------------------------------------- batches


def _policy_for(tier: str, year: int, on: date) -> Policy:
    library = load_library()
    try:
        return library.in_force(TIER_FAMILY[tier], year, on)
    except RulesError as exc:
        raise RecognitionError(
            NO_POLICY.format(year=year, tier=TIER_LABEL.get(tier, tier), detail=exc), "no_policy"
        ) from exc


def provisional_items(policy: Policy) -> list[dict[str, str]]:
    """What of ``policy`` is provisional (暂定): the policy itself, parameters and criteria whose
    source was not found or not verified. Each item: ``key``, ``label``, ``reason``."""
    items = []
    if not policy.verified:
        items.append({"key": "policy", "label": policy.label, "reason": policy.provisional_reason})
    for name, p in policy.parameters.items():
        if not p.verified:
            items.append({"key": f"param:{name}", "label": p.label, "reason": p.provisional_reason})
    for c in policy.criteria:
        if not c.verified:
            items.append({"key": f"criterion:{c.id}", "label": c.label, "reason": c.cite.provisional_reason})
    return items


def _param_text(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if hasattr(value, "brackets"):
        return f"分档表（{len(value.brackets)} 档）"
    return str(value)


def _param_snapshot(policy: Policy, name: str, value: Any) -> dict[str, Any]:
    """A parameter's value as the batch keeps it: shown (``value``, ``unit``) and, for a number
    or a yes/no, as the what-if text that evaluates with it later (``yaml``)."""
    param = policy.parameters[name]
    out: dict[str, Any] = {"label": param.label, "value": _param_text(value), "unit": param.unit}
    if isinstance(value, bool):
        out["yaml"] = "true" if value else "false"
    elif isinstance(value, (Decimal, int)):
        out["yaml"] = f"{Decimal(value).normalize():f}"
    return out


def _fixed_overrides(batch: Batch, policy: Policy, on: date) -> dict[str, str]:
    """What-ifs that hold the batch's parameters at the values fixed when it opened, where the
    library's value on ``on`` is another (a policy file corrected since, a value dated later)."""
    current = policy.parameter_values(on)
    return {
        f"{policy.id}.{name}": p["yaml"]
        for name, p in (batch.parameters or {}).items()
        if "yaml" in p
        and name in current
        and _param_snapshot(policy, name, current[name]).get("yaml") != p["yaml"]
    }


def batch_create(
    *,
    tier: str,
    year: int,
    sequence: int,
    opens_on: date,
    closes_on: date,
    skip_town: bool = False,
    name: str = "",
    user: User | None = None,
    municipal_rejection_limit: int | None = MUNICIPAL_REJECTION_LIMIT,
) -> Batch:
    if tier not in TIER_FAMILY:
        raise RecognitionError(f"未知的层级“{tier}”。", "tier")
    if closes_on < opens_on:
        raise RecognitionError(BATCH_DATES, "dates")
    if Batch.objects.filter(tier=tier, year=year, sequence=sequence).exists():
        raise RecognitionError(
            BATCH_EXISTS.format(year=year, tier=TIER_LABEL[tier], sequence=sequence), "exists"
        )
    _policy_for(tier, year, opens_on)  # refuse a year without a policy at once
    return Batch.objects.create(
        tier=tier,
        year=year,
        sequence=sequence,
        opens_on=opens_on,
        closes_on=closes_on,
        skip_town=skip_town,
        municipal_rejection_limit=municipal_rejection_limit,
        name=name or f"{year}年{TIER_LABEL[tier]}第{sequence}批评价",
        created_by=user,
    )


def batch_open(*, batch: Batch, user: User | None = None) -> Batch:
    """Open a batch for applications: fix the policy in force on its opening day and the values
    of its parameters, and what of it is provisional."""
    if batch.status != Batch.Status.DRAFT:
        raise RecognitionError(BATCH_STATUS.format(status=batch.get_status_display(), what="开放"), "status")
    policy = _policy_for(batch.tier, batch.year, batch.opens_on)
    values = policy.parameter_values(batch.opens_on)
    batch.policy_id = policy.id
    batch.parameters = {name: _param_snapshot(policy, name, v) for name, v in values.items()}
    batch.provisional = provisional_items(policy)
    batch.status = Batch.Status.OPEN
    batch.opened_at = timezone.now()
    batch.save()
    return batch


def batch_close(*, batch: Batch, user: User | None = None) -> Batch:
    if batch.status != Batch.Status.OPEN:
        raise RecognitionError(BATCH_STATUS.format(status=batch.get_status_display(), what="截止"), "status")
    batch.status = Batch.Status.CLOSED
    batch.save(update_fields=["status"])
    return batch


def batch_remind(*, batch: Batch, today: date | None = None) -> int:
    """Remind the enterprises whose application in an open batch is not filed (草稿) or waits for
    their correction (退回修改) of the batch's closing day. Returns how many users were told."""
    today = today or timezone.localdate()
    if batch.status != Batch.Status.OPEN:
        raise RecognitionError(BATCH_STATUS.format(status=batch.get_status_display(), what="提醒"), "status")
    ids = list(
        batch.applications.filter(phase__in=("draft", "returned")).values_list("enterprise_id", flat=True)
    )
    users = _enterprise_users(ids)
    if not users:
        return 0
    left = (batch.closes_on - today).days
    return notification_send(
        users=users,
        subject=f"【评价认定】{batch.name}申报截止日期为 {batch.closes_on:%Y-%m-%d}",
        body=f"您在{batch.name}中的申报尚未提交（或退回后尚未重新提交），距截止还有 {max(left, 0)} 天，请尽快办理。",
        url="/recognition/mine/",
        kind="recognition",
    )
