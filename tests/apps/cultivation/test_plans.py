"""Gap snapshots, plans seeded from the gap list, milestones from the dossier, visits, pages."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lingjun.apps.cultivation import selectors, services
from lingjun.apps.cultivation.models import CultivationPlan, GapSnapshot, Milestone, Visit
from lingjun.apps.cultivation.services import CultivationError
from lingjun.apps.enterprises.models import Enterprise
from lingjun.apps.enterprises.selectors import dossiers_load
from lingjun.rules.gaps import ladder_gaps

pytestmark = pytest.mark.django_db
TODAY = date(2025, 6, 30)


def test_the_snapshot_is_the_engines_gap_list(pool):
    ent = Enterprise.objects.get(uscc=pool[0])
    snap = services.gap_snapshot_current(enterprise=ent, today=TODAY)
    assert snap is not None
    ladder = ladder_gaps(dossiers=list(dossiers_load(usccs=[pool[0]]).values()), year=2025, as_of=TODAY)
    assert snap.next_rung == ladder.next_rung(pool[0])
    assert [g["text"] for g in snap.gaps["next"]] == [g.text for g in ladder.gaps(pool[0])]
    assert snap.failed == len({g["criterion"] for g in snap.gaps["next"]})
    # the certificate of the dossier (科技型中小企业, valid in 2024 only) is no rung held in mid-2025
    assert snap.gaps["highest"] in ("", "tech_sme", "chuying")


def test_the_snapshot_is_recomputed_when_the_dossier_changes(pool):
    from lingjun.apps.enterprises.services import dossiers_apply

    ent = Enterprise.objects.get(uscc=pool[0])
    first = services.gap_snapshot_current(enterprise=ent, today=TODAY)
    assert first is not None
    assert services.gap_snapshot_current(enterprise=ent, today=TODAY).computed_at == first.computed_at
    dossier = dossiers_load(usccs=[pool[0]])[pool[0]]
    dossier["independent_legal_person"] = False
    dossiers_apply(dossiers=[dossier], user=None, source="import")
    ent.refresh_from_db()
    again = services.gap_snapshot_current(enterprise=ent, today=TODAY)
    assert again is not None and again.computed_at > first.computed_at


def test_a_plan_is_seeded_from_the_gap_list_and_progress_comes_from_the_dossier(pool, make_user):
    officer = make_user("town_officer", town="杨村街道")
    ent = Enterprise.objects.get(uscc=pool[0])
    snap = services.gap_snapshot_current(enterprise=ent, today=TODAY)
    assert snap is not None and snap.next_rung
    plan = services.plan_create(
        enterprise=ent,
        target_rung=snap.next_rung,
        target_date=date(2025, 12, 31),
        officer=officer,
        user=officer,
        today=TODAY,
    )
    seeded = list(plan.milestones.all())
    assert [m.detail for m in seeded] == [g["text"] for g in snap.gaps["next"]]
    assert plan.progress == 0
    # the dossier closes the first gap: its milestone is done by the dossier, not by hand
    closed = seeded[0].criterion
    snap.gaps = {**snap.gaps, "next": [g for g in snap.gaps["next"] if g["criterion"] != closed]}
    snap.save()
    services.milestones_sync(enterprise_ids=[ent.pk])
    done = {m.criterion: m.done_by_dossier for m in plan.milestones.all()}
    assert done[closed] is True
    assert not any(v for k, v in done.items() if k != closed)
    plan.refresh_from_db()
    assert 0 < plan.progress < 100 or len(seeded) == 1


def test_reaching_the_target_achieves_the_plan(pool):
    ent = Enterprise.objects.get(uscc=pool[0])
    services.gap_snapshot_current(enterprise=ent, today=TODAY)
    plan = services.plan_create(
        enterprise=ent,
        target_rung="tech_sme",
        target_date=date(2025, 12, 31),
        officer=None,
        user=None,
        today=TODAY,
    )
    Milestone.objects.create(plan=plan, title="x", criterion="size")
    GapSnapshot.objects.filter(enterprise=ent).update(gaps={"next": [], "targets": {}, "highest": "chuying"})
    services.milestones_sync(enterprise_ids=[ent.pk])
    plan.refresh_from_db()
    assert plan.status == CultivationPlan.Status.ACHIEVED
    assert all(m.done for m in plan.milestones.all())


def test_bulk_plans_and_refusals(pool, make_user):
    officer = make_user("town_officer", town="杨村街道")
    ents = list(Enterprise.objects.filter(uscc__in=pool[:2]))
    plans = services.plans_create_bulk(
        enterprises=ents,
        target_rung=None,
        target_date=date(2025, 12, 31),
        officer=officer,
        user=officer,
        today=TODAY,
    )
    assert {p.enterprise_id for p in plans} == {e.pk for e in ents}
    assert all(p.milestones.exists() for p in plans)
    with pytest.raises(CultivationError) as exc:
        services.plans_create_bulk(
            enterprises=[],
            target_rung="hnte",
            target_date=date(2025, 12, 31),
            officer=None,
            user=None,
            today=TODAY,
        )
    assert exc.value.message == services.NO_ENTERPRISES
    with pytest.raises(CultivationError) as exc:
        services.plan_create(
            enterprise=ents[0],
            target_rung="nope",
            target_date=date(2025, 12, 31),
            officer=None,
            user=None,
            today=TODAY,
        )
    assert exc.value.code == "unknown_rung"


def test_candidates_are_ranked_and_filtered_by_town(pool, make_user):
    services.gaps_refresh(today=TODAY, usccs=pool)
    staff = make_user("district_staff")
    officer = make_user("town_officer", town="梅厂镇")
    rung = GapSnapshot.objects.first().next_rung  # type: ignore[union-attr]
    rows = selectors.candidates(user=staff, rung=rung)
    keys = [(r.snapshot.failed, r.snapshot.inexact, r.snapshot.distance) for r in rows]
    assert keys == sorted(keys) and rows
    assert {r.enterprise.town for r in selectors.candidates(user=staff, rung=rung, town="梅厂镇")} == {
        "梅厂镇"
    }
    assert {r.enterprise.town for r in selectors.candidates(user=officer, rung=rung)} <= {"梅厂镇"}


def test_town_officer_pages_bulk_plans_export_and_visit(pool, make_user, client_as):
    services.gaps_refresh(today=timezone.localdate(), usccs=pool)  # the pages' today
    officer = make_user("town_officer", town="杨村街道", full_name="王镇街")
    client = client_as(officer)
    rung = GapSnapshot.objects.get(enterprise__uscc=pool[0]).next_rung
    page = client.get(reverse("cultivation:candidates"), {"rung": rung}).content.decode()
    assert "天津测试科技有限公司1" in page and "天津测试科技有限公司3" not in page  # 梅厂镇 is not theirs
    ids = [str(Enterprise.objects.get(uscc=u).pk) for u in pool[:2]]
    response = client.post(
        reverse("cultivation:candidates"), {"rung": rung, "enterprise": ids, "target_date": "2099-12-31"}
    )
    assert response.status_code == 302
    assert CultivationPlan.objects.count() == 2
    xlsx = client.get(reverse("cultivation:candidates_export"), {"rung": rung})
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws is not None
    names = [ws.cell(row=r, column=2).value for r in range(2, ws.max_row + 1)]
    assert set(names) == {"天津测试科技有限公司1", "天津测试科技有限公司2"}
    assert ws.cell(row=2, column=9).value == "实施中"
    ent = Enterprise.objects.get(uscc=pool[0])
    client.post(
        reverse("cultivation:visit_create", args=[ent.pk]),
        {"visited_on": "2020-01-02", "people_met": "=HYPERLINK(1)", "topics": "研发费用归集"},
    )
    visit = Visit.objects.get()
    assert visit.officer == officer and visit.plan is not None
    page = client.get(reverse("cultivation:enterprise", args=[ent.pk])).content.decode()
    assert "研发费用归集" in page and "王镇街" in page


def test_an_export_cell_from_a_dossier_is_never_a_formula(pool, make_user, client_as):
    Enterprise.objects.filter(uscc=pool[0]).update(name="=1+1")
    services.gaps_refresh(today=timezone.localdate(), usccs=pool)
    client = client_as(make_user("district_staff"))
    rung = GapSnapshot.objects.get(enterprise__uscc=pool[0]).next_rung
    ws = load_workbook(
        io.BytesIO(client.get(reverse("cultivation:candidates_export"), {"rung": rung}).content)
    ).active
    assert ws is not None
    assert "'=1+1" in [ws.cell(row=r, column=2).value for r in range(2, ws.max_row + 1)]


def test_the_enterprise_sees_its_own_page_only(pool, make_user, client_as):
    firm = client_as(make_user("enterprise", enterprise_uscc=pool[0]))
    own = Enterprise.objects.get(uscc=pool[0])
    other = Enterprise.objects.get(uscc=pool[2])
    assert firm.get(reverse("cultivation:home")).url == reverse("cultivation:enterprise", args=[own.pk])
    page = firm.get(reverse("cultivation:enterprise", args=[own.pk])).content.decode()
    assert "下一台阶" in page and "plan-form" not in page and "visit-form" not in page
    assert firm.get(reverse("cultivation:enterprise", args=[other.pk])).status_code == 404


def test_the_enterprise_page_panel_shows_the_next_rung(pool, staff_client):
    ent = Enterprise.objects.get(uscc=pool[0])
    services.gap_snapshot_current(enterprise=ent, today=TODAY)
    page = staff_client.get(reverse("enterprises:enterprise_detail", args=[ent.pk])).content.decode()
    assert 'id="cultivation"' in page and "下一台阶" in page


def test_plan_page_ticks_and_adds_milestones(pool, make_user, client_as):
    officer = make_user("town_officer", town="杨村街道")
    ent = Enterprise.objects.get(uscc=pool[0])
    plan = services.plan_create(
        enterprise=ent,
        target_rung="hnte",
        target_date=date(2099, 12, 31),
        officer=officer,
        user=officer,
        today=TODAY,
    )
    client = client_as(officer)
    url = reverse("cultivation:plan_detail", args=[plan.pk])
    client.post(url, {"op": "milestone_add", "title": "申请知识产权贯标", "due_on": "2099-06-30"})
    m = plan.milestones.get(title="申请知识产权贯标")
    client.post(url, {"op": "milestone_done", "milestone": m.pk, "done": "1"})
    m.refresh_from_db()
    assert m.done and not m.done_by_dossier
    client.post(url, {"op": "update", "status": "closed", "measures": "研发费用加计扣除辅导"})
    plan.refresh_from_db()
    assert plan.status == "closed" and plan.measures == "研发费用加计扣除辅导"
    # another town's officer may read nothing of it
    other = client_as(make_user("town_officer", town="梅厂镇"))
    assert other.get(url).status_code == 404


def test_overview_counts(pool, make_user):
    services.gaps_refresh(today=TODAY, usccs=pool)
    data: dict[str, Any] = selectors.overview(user=make_user("district_staff"), today=TODAY)
    assert sum(data["candidate_counts"].values()) == 3
