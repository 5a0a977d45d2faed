"""The membership pages for each role."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from lingjun.apps.membership.models import AnnualUpdate, ExitReason, Membership, PoolReview, ReviewFinding

pytestmark = pytest.mark.django_db

LIST = reverse("membership:member_list")
FINDINGS = reverse("membership:findings")
MINE = reverse("membership:mine")


@pytest.fixture
def members(pks, enter):
    """pks[0] 雏鹰 (杨村街道), pks[1] 瞪羚 (杨村街道 + 开发区), pks[2] 雏鹰 exited (梅厂镇)."""
    a = enter(pks[0])
    b = enter(pks[1], "dengling")
    c = enter(pks[2])
    Membership.objects.filter(pk=c.pk).update(exited_on=date(2025, 1, 1), exit_reason=ExitReason.WITHDRAWN)
    return a, b, c


@pytest.fixture
def findings(members):
    review = PoolReview.objects.create(as_of=date(2025, 6, 30), year=2025, status="done")
    failed = [
        {
            "id": "age",
            "label": "成立年限",
            "explanation": "成立年限 15 年，超过 8 年",
            "document": "津科规〔2021〕3号",
        }
    ]
    return [
        ReviewFinding.objects.create(
            review=review,
            membership=m,
            enterprise=m.enterprise,
            tier=m.tier,
            policy="tianjin.chuying.2021",
            failed=failed,
        )
        for m in members[:2]
    ]


def test_staff_sees_every_member_with_counts_and_filters(members, staff_client):
    page = staff_client.get(LIST).content.decode()
    assert "天津测试科技有限公司1" in page and "天津测试科技有限公司2" in page
    assert "天津测试科技有限公司3" not in page  # exited: not on the 在库 tab
    assert 'data-tier="chuying">1<' in page and 'data-tier="dengling">1<' in page
    exited = staff_client.get(LIST, {"status": "exited"}).content.decode()
    assert "天津测试科技有限公司3" in exited and "企业申请退出" in exited
    only_dengling = staff_client.get(LIST, {"tier": "dengling"}).content.decode()
    assert "天津测试科技有限公司2" in only_dengling and "天津测试科技有限公司1" not in only_dengling
    by_town = staff_client.get(LIST, {"status": "all", "town": "梅厂镇"}).content.decode()
    assert "天津测试科技有限公司3" in by_town and "天津测试科技有限公司1" not in by_town


def test_annual_missing_filter(members, staff_client, pks):
    today = date.today()
    AnnualUpdate.objects.create(
        enterprise_id=pks[0], year=today.year, data_year=today.year - 1, confirmed_on=today
    )
    page = staff_client.get(LIST, {"annual": "missing"}).content.decode()
    assert "天津测试科技有限公司2" in page and "天津测试科技有限公司1" not in page


def test_town_officer_sees_its_division_only(members, make_user, client_as):
    officer = make_user("town_officer", town="梅厂镇")
    page = client_as(officer).get(LIST, {"status": "all"}).content.decode()
    assert "天津测试科技有限公司3" in page and "天津测试科技有限公司1" not in page
    assert "发起全库复核" not in page  # views only
    active = client_as(officer).get(LIST).content.decode()
    assert 'data-tier="chuying">0<' in active and 'data-tier="dengling">0<' in active  # counts scoped too
    assert (
        client_as(officer).get(reverse("membership:enterprise", args=[members[0].enterprise_id])).status_code
        == 404
    )
    assert client_as(officer).post(LIST, {"start": "sweep"}).status_code == 403


def test_enterprise_user_goes_to_its_own_page(members, make_user, client_as, pool):
    firm = make_user("enterprise", enterprise_uscc=pool[1])
    client = client_as(firm)
    response = client.get(LIST)
    assert response.status_code == 302 and response["Location"] == MINE
    page = client.get(MINE).content.decode()
    assert "瞪羚企业" in page and members[1].registration_number in page
    assert "天津测试科技有限公司1" not in page
    assert client.post(FINDINGS, {"scope": "all", "decision": "confirm"}).status_code == 403


def test_evaluator_views_all_but_manages_nothing(members, findings, make_user, client_as):
    client = client_as(make_user("evaluator"))
    assert "天津测试科技有限公司1" in client.get(LIST).content.decode()
    page = client.get(FINDINGS).content.decode()
    assert "成立年限" in page and "decide-form" in page and 'name="decision"' not in page  # views, no buttons
    assert client.post(FINDINGS, {"scope": "all", "decision": "confirm"}).status_code == 403
    assert client.post(LIST, {"start": "review"}).status_code == 403


def test_manual_exit_from_the_history_page(members, staff_client, staff):
    url = reverse("membership:enterprise", args=[members[0].enterprise_id])
    assert "exit-form" in staff_client.get(url).content.decode()
    response = staff_client.post(url, {"reason": "withdrawn", "note": "企业书面申请退出"})
    assert response.status_code == 302
    m = Membership.objects.get(pk=members[0].pk)
    assert m.exit_reason == "withdrawn" and m.exited_by == staff and m.exit_note == "企业书面申请退出"
    page = staff_client.get(url).content.decode()
    assert "企业申请退出" in page and "该企业目前不在库" in page


def test_findings_queue_shows_explanations_and_bulk_confirms_every_matching_one(
    findings, staff_client, settings
):
    page = staff_client.get(FINDINGS).content.decode()
    assert "成立年限 15 年，超过 8 年" in page and "津科规〔2021〕3号" in page
    # bulk over the filter (雏鹰 only), with no checkbox ticked: every matching finding, every page
    response = staff_client.post(
        FINDINGS, {"status": "pending", "tier": "chuying", "scope": "all", "decision": "confirm"}
    )
    assert response.status_code == 302
    statuses = dict(ReviewFinding.objects.values_list("tier", "status"))
    assert statuses == {"chuying": "confirmed", "dengling": "pending"}
    assert Membership.objects.get(pk=findings[0].membership_id).exit_reason == ExitReason.REVIEW_FAILED


def test_bulk_applies_beyond_the_visible_page(members, staff_client, monkeypatch):
    from lingjun.apps.membership import views

    monkeypatch.setattr(views, "PER_PAGE", 1)
    review = PoolReview.objects.create(as_of=date(2025, 6, 30), year=2025, status="done")
    for m in members:
        ReviewFinding.objects.create(
            review=review, membership=m, enterprise=m.enterprise, tier=m.tier, policy="p"
        )
    page = staff_client.get(FINDINGS).content.decode()
    assert page.count('name="finding"') == 1  # one visible
    staff_client.post(
        FINDINGS, {"status": "pending", "scope": "all", "decision": "dismiss", "note": "已核实"}
    )
    assert set(ReviewFinding.objects.values_list("status", flat=True)) == {"dismissed"}


def test_dismiss_without_a_reason_is_refused_with_the_message(findings, staff_client):
    response = staff_client.post(
        FINDINGS,
        {"status": "pending", "finding": [findings[0].pk], "decision": "dismiss", "note": ""},
        follow=True,
    )
    assert "驳回复核发现须填写理由" in response.content.decode()
    assert ReviewFinding.objects.get(pk=findings[0].pk).status == "pending"


def test_selected_findings_only(findings, staff_client):
    staff_client.post(
        FINDINGS,
        {"status": "pending", "finding": [findings[1].pk], "decision": "dismiss", "note": "材料已补"},
    )
    assert ReviewFinding.objects.get(pk=findings[0].pk).status == "pending"
    assert ReviewFinding.objects.get(pk=findings[1].pk).status == "dismissed"


def test_enterprise_confirms_its_annual_update(pks, enter, make_user, client_as, pool):
    today = date.today()
    enter(pks[0], valid_from=date(today.year - 1, 1, 1))
    firm = make_user("enterprise", enterprise_uscc=pool[0])
    client = client_as(firm)
    page = client.get(MINE).content.decode()
    if today > date(today.year, 9, 30):
        assert "已于" in page
        return
    assert "confirm-update" in page
    response = client.post(MINE, follow=True)
    text = response.content.decode()
    # the test dossier has figures to 2024: a later year asks for them first
    if AnnualUpdate.objects.filter(enterprise_id=pks[0]).exists():
        assert "年度信息更新已确认" in text
    else:
        assert f"请先在企业档案中填报 {today.year - 1} 年度数据" in text


def test_enterprise_page_panel_shows_the_membership(members, staff_client):
    page = staff_client.get(
        reverse("enterprises:enterprise_detail", args=[members[1].enterprise_id])
    ).content.decode()
    assert 'id="membership"' in page and members[1].registration_number in page


def test_staff_starts_the_check_and_a_review(members, staff_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = staff_client.post(LIST, {"start": "review"})
    assert response.status_code == 302 and "review=" in response["Location"]
    assert PoolReview.objects.count() == 1
    assert "复核中，请稍后刷新本页" in staff_client.get(response["Location"]).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert staff_client.post(LIST, {"start": "sweep"}).status_code == 302
    from lingjun.apps.jobs.models import Job

    assert Job.objects.filter(kind="member_sweep", status="done").exists()


def test_home_sections(members, staff_client, make_user, client_as, pool):
    page = staff_client.get("/").content.decode()
    assert 'id="home-membership"' in page and "待处理的复核发现" in page
    firm = client_as(make_user("enterprise", enterprise_uscc=pool[1])).get("/").content.decode()
    assert members[1].registration_number in firm
    outsider = client_as(make_user("finance", department="区财政局")).get("/").content.decode()
    assert 'id="home-membership"' not in outsider


def test_expiring_and_expired_tabs(pks, enter, staff_client):
    today = date.today()
    from datetime import timedelta

    soon = enter(pks[0], valid_from=today - timedelta(days=400), valid_until=today + timedelta(days=30))
    enter(pks[1], valid_from=today - timedelta(days=800), valid_until=today - timedelta(days=1))
    expiring = staff_client.get(LIST, {"status": "expiring"}).content.decode()
    assert soon.registration_number in expiring and "天津测试科技有限公司2" not in expiring
    expired = staff_client.get(LIST, {"status": "expired"}).content.decode()
    assert (
        "天津测试科技有限公司2" in expired and "已到期" in expired and "天津测试科技有限公司1" not in expired
    )
