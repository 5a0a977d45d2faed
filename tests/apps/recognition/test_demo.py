"""The demo district holds batches in every phase and applications in every state."""

from __future__ import annotations

from datetime import date

from tests.factories import build_dossier

from lingjun.apps.enterprises.services import dossiers_apply
from lingjun.apps.recognition.demo import populate
from lingjun.apps.recognition.flow import PHASES
from lingjun.apps.recognition.models import Application, Batch, Transition


def test_the_demo_has_every_batch_status_and_every_phase(pool, make_user):
    dossiers_apply(dossiers=[build_dossier(300 + i) for i in range(25)], user=None, source="import")
    users = {
        "district_staff": make_user("district_staff", full_name="区局科员"),
        "evaluator": make_user("evaluator"),
        "town_officer": make_user("town_officer", town="杨村街道"),
        "enterprise": make_user("enterprise", enterprise_uscc=pool[0]),
    }
    report = populate(today=date(2026, 6, 10), users=users)
    assert "5 个批次" in report and "未能" not in report, report
    assert set(Batch.objects.values_list("status", flat=True)) == {
        "draft",
        "open",
        "closed",
        "publicity",
        "done",
    }
    phases = set(Application.objects.values_list("phase", flat=True))
    assert phases == {p.code for p in PHASES} - {"announced"}, (
        phases
    )  # 公告 is a moment: entered the same day
    mine = Application.objects.get(enterprise__uscc=pool[0])
    assert mine.phase == "returned"
    # every application got there through the flow: an audit row per phase it left
    assert Transition.objects.filter(application__phase="entered").count() == 3 * 7
    assert populate(today=date(2026, 6, 10), users=users) == ""  # once
