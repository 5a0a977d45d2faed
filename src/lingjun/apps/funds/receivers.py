"""When the pool changes (an accepted import, a finished evaluation run), the 免申即享 proposals
are refreshed by a job."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from lingjun.apps.enterprises.models import ImportBatch
from lingjun.apps.evaluation.models import EvaluationRun
from lingjun.apps.funds.services import proposals_on_pool_change


@receiver(post_save, sender=ImportBatch)
def _imported(
    sender: Any, instance: ImportBatch, created: bool, update_fields: Any = None, **kwargs: Any
) -> None:
    # the batch's second save records its counts, after the dossiers were applied
    accepted = instance.status == ImportBatch.Status.ACCEPTED and update_fields and "created" in update_fields
    if accepted and (instance.created or instance.updated):
        proposals_on_pool_change()


@receiver(post_save, sender=EvaluationRun)
def _evaluated(sender: Any, instance: EvaluationRun, update_fields: Any = None, **kwargs: Any) -> None:
    if instance.status == EvaluationRun.Status.DONE and update_fields and "status" in update_fields:
        proposals_on_pool_change()
