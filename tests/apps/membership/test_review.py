"""复核: the whole pool re-evaluated by the rules engine; findings confirmed or dismissed."""

from __future__ import annotations

from datetime import date

import pytest
from tests.factories import build_dossier

from lingjun.apps.divisions.services import divisions_seed
from lingjun.apps.enterprises.models import Enterprise
from lingjun.apps.enterprises.services import dossiers_apply
from lingjun.apps.evaluation.services import evaluation_of_pool
from lingjun.apps.jobs.models import Job
from lingjun.apps.membership.models import ExitReason, Membership, PoolReview, ReviewFinding
from lingjun.apps.membership.selectors import active_memberships
from lingjun.apps.membership.services import (
    MembershipError,
    findings_confirm,
    findings_dismiss,
    membership_enter,
    pool_review_start,
)
from lingjun.rules.spec import RunSpec

pytestmark = pytest.mark.django_db(transaction=True)

AS_OF = date(2025, 6, 30)


@pytest.fixture
def members(db):
    """Six 雏鹰 members: 1 passes; 2 registered too long ago; 3 seriously dishonest; 4 without
    revenue figures (unknown, not a finding); 5 not a member (fails, but out of the pool);
    6 a 瞪羚 member."""
    divisions_seed()
    dossiers = [
        build_dossier(1),
        build_dossier(2, registered_on=date(2010, 1, 5)),
        build_dossier(3, credit={"abnormal_operation": False, "serious_dishonesty": True}),
        build_dossier(4, annual=[]),
        build_dossier(5, registered_on=date(2009, 1, 5)),
        build_dossier(6, town="梅厂镇"),
    ]
    dossiers_apply(dossiers=dossiers, user=None, source="import")
    pk = dict(Enterprise.objects.values_list("uscc", "pk"))
    out = {}
    for i, d in enumerate(dossiers, start=1):
        if i == 5:
            continue
        out[i] = membership_enter(
            enterprise_id=pk[d["uscc"]],
            tier="dengling" if i == 6 else "chuying",
            valid_from=date(2023, 1, 1),
            valid_until=None,
            source="test",
            user=None,
        )
    return out


def test_review_finds_exactly_the_members_the_engine_fails(
    members, sent, staff, make_user, django_capture_on_commit_callbacks
):
    officer = make_user("town_officer", town="杨村街道")
    with django_capture_on_commit_callbacks(execute=True):
        review, job = pool_review_start(as_of=AS_OF, year=2025, user=staff)
    job.refresh_from_db()
    review.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert review.status == PoolReview.Status.DONE and review.members == 5

    # the engine's own verdict, independently: members whose tier's policy fails
    spec = RunSpec.of(["tianjin.chuying", "tianjin.dengling"], year=2025, as_of=AS_OF)
    records = evaluation_of_pool(spec=spec).to_records()
    tier_policy = {m.enterprise.uscc: f"tianjin.{m.tier}" for m in members.values()}
    failing = {
        r["uscc"]
        for r in records
        if tier_policy.get(r["uscc"], "").startswith(r["policy"].rsplit(".", 1)[0]) and r["result"] == "fail"
    }
    found = set(ReviewFinding.objects.values_list("enterprise__uscc", flat=True))
    assert found == failing
    assert {members[2].enterprise.uscc, members[3].enterprise.uscc} <= found
    assert members[1].enterprise.uscc not in found and members[4].enterprise.uscc not in found
    assert review.failing == len(found)

    finding = ReviewFinding.objects.get(membership=members[2])
    assert finding.policy == "tianjin.chuying.2021" and finding.status == ReviewFinding.Status.PENDING
    age = next(c for c in finding.failed if c["id"] == "age")
    assert age["explanation"] and age["document"] == "津科规〔2021〕3号" and age["article"]
    # the engine's value, threshold and operator are kept (registered 2010-01-05: 8 years before
    # the end of 2024 is the limit)
    assert age["value"] == "2010-01-05" and age["threshold"] and age["op"] == ">="
    assert "2010-01-05" in age["explanation"]
    assert all(c["id"] != "revenue" for c in finding.failed)  # only the failed criteria
    told = [s for s in sent if s["kind"] == "membership.finding" and s["users"] == [officer.username]]
    assert told and "天津测试科技有限公司2" in told[0]["body"]

    # a second review supersedes what the first left pending: one pending finding per member
    with django_capture_on_commit_callbacks(execute=True):
        second, _job = pool_review_start(as_of=AS_OF, year=2025, user=staff)
    assert set(ReviewFinding.objects.filter(review=review).values_list("status", flat=True)) == {"superseded"}
    pending = ReviewFinding.objects.filter(status="pending")
    assert set(pending.values_list("review_id", flat=True)) == {second.pk} and pending.count() == len(found)


def test_confirm_exits_with_reason_review_failed_and_dismiss_needs_a_reason(members, sent, staff):
    review = PoolReview.objects.create(as_of=AS_OF, year=2025)
    f2 = ReviewFinding.objects.create(
        review=review, membership=members[2], enterprise=members[2].enterprise, tier="chuying", policy="p"
    )
    f3 = ReviewFinding.objects.create(
        review=review, membership=members[3], enterprise=members[3].enterprise, tier="chuying", policy="p"
    )
    with pytest.raises(MembershipError) as e:
        findings_dismiss(findings=ReviewFinding.objects.filter(pk=f3.pk), note="  ", user=staff)
    assert e.value.code == "note_required"
    assert (
        findings_dismiss(findings=ReviewFinding.objects.filter(pk=f3.pk), note="信用修复已完成", user=staff)
        == 1
    )
    assert (
        findings_confirm(findings=ReviewFinding.objects.all(), on=date(2025, 7, 2), note="", user=staff) == 1
    )
    f2.refresh_from_db()
    f3.refresh_from_db()
    assert f2.status == ReviewFinding.Status.CONFIRMED and f2.decided_by == staff
    assert f3.status == ReviewFinding.Status.DISMISSED and f3.note == "信用修复已完成"
    m2 = Membership.objects.get(pk=members[2].pk)
    assert m2.exit_reason == ExitReason.REVIEW_FAILED and m2.exited_on == date(2025, 7, 2)
    assert Membership.objects.get(pk=members[3].pk).exited_on is None
    # deciding again changes nothing (a second officer at the same moment gets 0)
    assert (
        findings_confirm(findings=ReviewFinding.objects.all(), on=date(2025, 7, 3), note="", user=staff) == 0
    )
    assert members[2].enterprise_id not in set(
        active_memberships(as_of=date(2025, 7, 2)).values_list("enterprise_id", flat=True)
    )


def test_a_review_whose_job_is_given_up_is_marked_failed(members):
    from lingjun.apps.jobs.services import job_abandoned, job_create

    review = PoolReview.objects.create(as_of=AS_OF, year=2025)
    job = job_create(kind="pool_review", subject_id=review.pk)
    job.error = "后台进程停止"
    job_abandoned.send(sender=None, job=job)
    review.refresh_from_db()
    assert review.status == PoolReview.Status.FAILED and review.error == "后台进程停止"
