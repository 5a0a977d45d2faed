"""Applications (申报): the engine's evaluation of one enterprise against its batch's policy (the
企业自评 and the checklist's system column), and the start of an application in an open batch
(refused after too many failed municipal reviews).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils import timezone

from lingjun.apps.accounts.models import User
from lingjun.apps.enterprises.models import Enterprise
from lingjun.apps.enterprises.selectors import dossiers_load
from lingjun.apps.recognition.flow import MUNICIPAL_REJECTION_SOURCE
from lingjun.apps.recognition.models import Application, Batch, ChecklistItem
from lingjun.apps.recognition.services.batches import _fixed_overrides, _policy_for
from lingjun.apps.recognition.services.errors import (
    ALREADY_APPLIED,
    BATCH_NOT_OPEN,
    REJECTED_THRICE,
    RecognitionError,
)
from lingjun.rules import RunSpec, evaluate_reference, load_library

# ---------------------------------------------------------------------------- the engine


def engine_evaluation(*, batch: Batch, enterprise: Enterprise) -> dict[str, Any]:
    """The batch's policy applied to one enterprise's dossier now (the reference evaluator: no SQL
    to compile for one record): ``{"result", "criteria": [{id, label, result, explanation, mandatory}]}``."""
    policy_id = batch.policy_id or _policy_for(batch.tier, batch.year, batch.opens_on).id
    as_of = min(timezone.localdate(), date(batch.year, 12, 31))
    dossier = dossiers_load(usccs=[enterprise.uscc]).get(enterprise.uscc)
    if dossier is None:
        return {"result": "unknown", "criteria": []}
    policy = load_library().get(policy_id)
    spec = RunSpec.of(
        [policy_id], year=batch.year, as_of=as_of, overrides=_fixed_overrides(batch, policy, as_of)
    )
    record = evaluate_reference([dossier], spec=spec).to_records()[0]
    criteria = [
        {
            "id": c["id"],
            "label": c["label"],
            "result": c["result"],
            "explanation": c.get("explanation") or c.get("gap") or "",
            "mandatory": bool(c.get("mandatory", True)),
        }
        for c in record["criteria"]
    ]
    return {"policy": policy_id, "as_of": as_of.isoformat(), "result": record["result"], "criteria": criteria}


def _checklist_fill(application: Application, evaluation: Mapping[str, Any]) -> None:
    """(Re)fill the checklist from the engine: the officer's values and reasons are kept."""
    existing = {i.criterion: i for i in application.checklist.all()}
    new = []
    for c in evaluation.get("criteria", ()):
        item = existing.get(c["id"])
        if item is None:
            new.append(
                ChecklistItem(
                    application=application,
                    criterion=c["id"],
                    label=c["label"][:200],
                    mandatory=c["mandatory"],
                    engine_result=c["result"],
                    explanation=c["explanation"],
                )
            )
        elif item.engine_result != c["result"] or item.explanation != c["explanation"]:
            item.engine_result, item.explanation = c["result"], c["explanation"]
            item.save(update_fields=["engine_result", "explanation"])
    ChecklistItem.objects.bulk_create(new)


# ---------------------------------------------------------------------------- applications


def municipal_rejections_of(*, enterprise_id: int, tier: str) -> int:
    """How often this enterprise's filings for ``tier`` failed the municipal review (all batches)."""
    from django.db.models import Sum

    total = Application.objects.filter(enterprise_id=enterprise_id, batch__tier=tier).aggregate(
        n=Sum("municipal_rejections")
    )["n"]
    return int(total or 0)


def application_create(
    *, batch: Batch, enterprise: Enterprise, user: User | None, today: date | None = None
) -> Application:
    """An enterprise starts its application in an open batch (企业自评: the engine's evaluation is kept)."""
    today = today or timezone.localdate()
    if batch.status != Batch.Status.OPEN or not (batch.opens_on <= today <= batch.closes_on):
        raise RecognitionError(
            BATCH_NOT_OPEN.format(
                batch=batch.name,
                opens=batch.opens_on,
                closes=batch.closes_on,
                status=batch.get_status_display(),
            ),
            "batch_closed",
        )
    if Application.objects.filter(batch=batch, enterprise=enterprise).exists():
        raise RecognitionError(ALREADY_APPLIED.format(batch=batch.name), "duplicate")
    n = municipal_rejections_of(enterprise_id=enterprise.pk, tier=batch.tier)
    limit = batch.municipal_rejection_limit
    if limit is not None and n >= limit:
        raise RecognitionError(
            REJECTED_THRICE.format(tier=batch.tier_label, n=n, source=MUNICIPAL_REJECTION_SOURCE),
            "three_rejections",
        )
    evaluation = engine_evaluation(batch=batch, enterprise=enterprise)
    return Application.objects.create(
        batch=batch, enterprise=enterprise, phase="draft", self_evaluation=evaluation, created_by=user
    )
