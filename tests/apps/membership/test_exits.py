"""出库 rules: credit events, required qualifications, the annual information update, notifications."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from tests.factories import build_dossier

from lingjun.apps.audit.models import AuditEvent
from lingjun.apps.enterprises.models import Enterprise, Qualification
from lingjun.apps.enterprises.services import dossiers_apply
from lingjun.apps.membership.models import AnnualUpdate, ExitReason, Membership
from lingjun.apps.membership.selectors import active_memberships
from lingjun.apps.membership.services import (
    DEADLINE_NOT_PASSED,
    NO_ANNUAL_DATA,
    MembershipError,
    annual_update_confirm,
    annual_update_deadline,
    annual_update_remind,
    annual_update_sweep,
    memberships_exit_credit,
    memberships_exit_qualification,
    memberships_sweep,
    required_qualifications,
)

pytestmark = pytest.mark.django_db


def reason_of(m: Membership) -> str:
    m.refresh_from_db()
    return m.exit_reason


# ---------------------------------------------------------------------------- credit events


def test_serious_dishonesty_exits_the_member(pks, enter, sent, make_user):
    a, b, c = (enter(pk) for pk in pks)
    Enterprise.objects.filter(pk=pks[0]).update(serious_dishonesty=True)
    Enterprise.objects.filter(pk=pks[2]).update(abnormal_operation=True)
    officer = make_user("town_officer", town="梅厂镇")
    owner = make_user("enterprise", enterprise_uscc=Enterprise.objects.get(pk=pks[0]).uscc)
    counts = memberships_exit_credit(as_of=date(2025, 7, 1), user=None)
    assert counts == {"serious_dishonesty": 1, "abnormal_operation": 1}
    assert reason_of(a) == ExitReason.SERIOUS_DISHONESTY and a.exited_on == date(2025, 7, 1)
    assert reason_of(c) == ExitReason.ABNORMAL_OPERATION
    assert reason_of(b) == ""
    # the enterprise's user and the town officer of 梅厂镇 were told
    assert any(owner.username in s["users"] and "严重违法失信" in s["subject"] for s in sent)
    assert any(s["users"] == [officer.username] and "天津测试科技有限公司3" in s["body"] for s in sent)
    assert AuditEvent.objects.filter(action="membership_exit").count() == 2
    # running again exits nobody new
    assert memberships_exit_credit(as_of=date(2025, 7, 2), user=None) == {
        "serious_dishonesty": 0,
        "abnormal_operation": 0,
    }


def test_credit_flags_of_non_members_or_former_members_change_nothing(pks, enter, sent):
    m = enter(pks[0], valid_until=date(2024, 12, 31))  # expired before the check
    Enterprise.objects.filter(pk__in=pks).update(serious_dishonesty=True)
    assert memberships_exit_credit(as_of=date(2025, 7, 1), user=None)["serious_dishonesty"] == 0
    assert reason_of(m) == ""


# ------------------------------------------------------------------ required qualifications


def test_required_qualifications_setting_parses_and_refuses_nonsense(settings):
    settings.LINGJUN_MEMBERSHIP_REQUIRED_QUALIFICATIONS = ""
    assert required_qualifications() == {}
    settings.LINGJUN_MEMBERSHIP_REQUIRED_QUALIFICATIONS = "dengling=hnte|tianjin_hnte; lingjun=hnte"
    assert required_qualifications() == {"dengling": ("hnte", "tianjin_hnte"), "lingjun": ("hnte",)}
    settings.LINGJUN_MEMBERSHIP_REQUIRED_QUALIFICATIONS = "gazelle=hnte"
    with pytest.raises(MembershipError) as e:
        required_qualifications()
    assert e.value.code == "bad_required"


def test_expired_required_qualification_exits_the_member(pks, enter, sent, settings):
    settings.LINGJUN_MEMBERSHIP_REQUIRED_QUALIFICATIONS = "dengling=hnte|tianjin_hnte"
    uscc = dict(Enterprise.objects.values_list("pk", "uscc"))
    # pks[0]: HNTE valid to 2025-12-31; pks[1]: HNTE expired 2025-03-31; pks[2]: only a tech-SME one
    Qualification.objects.create(
        enterprise_id=uscc[pks[0]],
        kind="hnte",
        level="national",
        number="GR1",
        issued_on=date(2022, 12, 1),
        expires_on=date(2025, 12, 31),
    )
    Qualification.objects.create(
        enterprise_id=uscc[pks[1]],
        kind="hnte",
        level="national",
        number="GR2",
        issued_on=date(2022, 4, 1),
        expires_on=date(2025, 3, 31),
    )
    ok, expired, never = (enter(pk, "dengling") for pk in pks)
    assert memberships_exit_qualification(as_of=date(2025, 6, 30), user=None) == 2
    assert reason_of(ok) == ""
    assert reason_of(expired) == ExitReason.QUALIFICATION_EXPIRED
    assert reason_of(never) == ExitReason.QUALIFICATION_EXPIRED
    assert Membership.objects.get(pk=never.pk).exit_note.startswith("瞪羚企业所需资质")
    # the valid one runs out later: exits then
    assert memberships_exit_qualification(as_of=date(2026, 1, 1), user=None) == 1
    assert reason_of(ok) == ExitReason.QUALIFICATION_EXPIRED


def test_no_requirement_no_exit(pks, enter, settings):
    settings.LINGJUN_MEMBERSHIP_REQUIRED_QUALIFICATIONS = "lingjun=hnte"
    enter(pks[0], "dengling")
    assert memberships_exit_qualification(as_of=date(2025, 6, 30), user=None) == 0


# ------------------------------------------------------------------ annual information update


def test_deadline_is_a_parameter(settings):
    assert annual_update_deadline(year=2026) == date(2026, 9, 30)
    settings.LINGJUN_ANNUAL_UPDATE_DEADLINE = "06-30"
    assert annual_update_deadline(year=2026) == date(2026, 6, 30)
    settings.LINGJUN_ANNUAL_UPDATE_DEADLINE = "30.9"
    with pytest.raises(MembershipError) as e:
        annual_update_deadline(year=2026)
    assert e.value.code == "bad_deadline"


def test_confirming_the_update(pks, enter, make_user):
    enter(pks[0])
    user = make_user("enterprise", enterprise_uscc=Enterprise.objects.get(pk=pks[0]).uscc)
    update = annual_update_confirm(enterprise_id=pks[0], on=date(2025, 5, 10), user=user)
    assert (update.year, update.data_year, update.confirmed_by) == (2025, 2024, user)
    with pytest.raises(MembershipError) as e:
        annual_update_confirm(enterprise_id=pks[0], on=date(2025, 5, 11), user=user)
    assert e.value.code == "already_updated"


def test_confirming_is_refused_for_non_members_late_or_without_the_years_figures(pks, enter):
    with pytest.raises(MembershipError) as e:
        annual_update_confirm(enterprise_id=pks[1], on=date(2025, 5, 10), user=None)
    assert e.value.code == "not_a_member"
    enter(pks[0])
    with pytest.raises(MembershipError) as e:
        annual_update_confirm(enterprise_id=pks[0], on=date(2025, 10, 1), user=None)
    assert e.value.code == "deadline_passed" and "2025-09-30" in e.value.message
    with pytest.raises(MembershipError) as e:  # the dossier has figures up to 2024 only
        annual_update_confirm(enterprise_id=pks[0], on=date(2026, 5, 10), user=None)
    assert e.value.message == NO_ANNUAL_DATA.format(data_year=2025)


def test_sweep_exits_exactly_the_members_who_missed_the_update(pks, enter, sent, make_user):
    done = enter(pks[0])
    missed = enter(pks[1])
    new_this_year = enter(pks[2], valid_from=date(2025, 4, 1))  # pooled in 2025: owes nothing for 2025
    annual_update_confirm(enterprise_id=pks[0], on=date(2025, 9, 30), user=None)
    owner = make_user("enterprise", enterprise_uscc=Enterprise.objects.get(pk=pks[1]).uscc)
    with pytest.raises(MembershipError) as e:
        annual_update_sweep(year=2025, as_of=date(2025, 9, 30), user=None)
    assert e.value.message == DEADLINE_NOT_PASSED.format(year=2025, deadline=date(2025, 9, 30))
    assert annual_update_sweep(year=2025, as_of=date(2025, 10, 8), user=None) == 1
    assert reason_of(missed) == ExitReason.ANNUAL_UPDATE_MISSED and missed.exited_on == date(2025, 10, 1)
    assert reason_of(done) == "" and reason_of(new_this_year) == ""
    assert [s["users"] for s in sent if s["kind"] == "membership.exit" and owner.username in s["users"]]
    assert annual_update_sweep(year=2025, as_of=date(2025, 10, 9), user=None) == 0


def test_sweep_is_set_based(db, sent, django_assert_max_num_queries):
    from lingjun.apps.divisions.services import divisions_seed
    from lingjun.apps.membership.services import membership_enter

    divisions_seed()
    dossiers_apply(dossiers=[build_dossier(n) for n in range(1, 41)], user=None, source="import")
    ids = list(Enterprise.objects.values_list("pk", flat=True))
    for pk in ids:
        membership_enter(
            enterprise_id=pk,
            tier="chuying",
            valid_from=date(2024, 1, 1),
            valid_until=None,
            source="t",
            user=None,
        )
    Membership.objects.update(entered_at=datetime(2024, 1, 1, tzinfo=UTC))
    AnnualUpdate.objects.bulk_create(
        [
            AnnualUpdate(enterprise_id=pk, year=2025, data_year=2024, confirmed_on=date(2025, 6, 1))
            for pk in ids[:10]
        ]
    )
    # a fixed number of statements for 40 members (read, update, audit, notify): no query per member
    with django_assert_max_num_queries(10):
        assert annual_update_sweep(year=2025, as_of=date(2025, 10, 1), user=None) == 30
    assert set(active_memberships(as_of=date(2025, 10, 1)).values_list("enterprise_id", flat=True)) == set(
        ids[:10]
    )


def test_reminders_go_on_the_configured_days_to_members_who_owe_the_update(pks, enter, sent, make_user):
    enter(pks[0])
    enter(pks[1])
    annual_update_confirm(enterprise_id=pks[0], on=date(2025, 6, 1), user=None)
    done_user = make_user("enterprise", enterprise_uscc=Enterprise.objects.get(pk=pks[0]).uscc)
    owing_user = make_user("enterprise", enterprise_uscc=Enterprise.objects.get(pk=pks[1]).uscc)
    officer = make_user("town_officer", town="杨村街道")
    assert annual_update_remind(year=2025, as_of=date(2025, 9, 1)) == 0  # 29 days before: not a reminder day
    assert annual_update_remind(year=2025, as_of=date(2025, 8, 31)) == 2  # 30 days before
    to_enterprises = [s for s in sent if s["kind"] == "membership.reminder" and "2025-09-30" in s["subject"]]
    assert to_enterprises[0]["users"] == [owing_user.username]
    assert done_user.username not in sum((s["users"] for s in sent), [])
    assert any(s["users"] == [officer.username] for s in sent)
    assert annual_update_remind(year=2025, as_of=date(2025, 9, 2), force=True) == 2
    assert annual_update_remind(year=2025, as_of=date(2025, 10, 1), force=True) == 0  # after the deadline


def test_the_daily_check_applies_every_rule(pks, enter, sent):
    enter(pks[0])
    enter(pks[1])
    Enterprise.objects.filter(pk=pks[0]).update(abnormal_operation=True)
    before = memberships_sweep(as_of=date(2025, 9, 29), user=None)
    assert before["abnormal_operation"] == 1 and before["annual_update_missed"] == 0
    after = memberships_sweep(as_of=date(2025, 10, 2), user=None)
    assert after["annual_update_missed"] == 1
    assert not active_memberships(as_of=date(2025, 10, 2)).exists()


def test_the_check_runs_as_a_job(pks, enter, sent, staff, django_capture_on_commit_callbacks):
    from lingjun.apps.jobs.models import Job
    from lingjun.apps.membership.services import memberships_sweep_enqueue

    m = enter(pks[0])
    Enterprise.objects.filter(pk=pks[0]).update(serious_dishonesty=True)
    with django_capture_on_commit_callbacks(execute=True):
        job = memberships_sweep_enqueue(as_of=date(2025, 7, 1), user=staff)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert job.result["serious_dishonesty"] == 1
    assert reason_of(m) == ExitReason.SERIOUS_DISHONESTY and m.exited_by == staff


def test_exit_notifications_are_stored_for_the_enterprise_and_its_town_officer(pks, enter, make_user):
    """Without the test seam: the notifications app stores the messages."""
    from lingjun.apps.notifications.models import Notification

    enter(pks[2])  # 梅厂镇
    owner = make_user("enterprise", enterprise_uscc=Enterprise.objects.get(pk=pks[2]).uscc)
    officer = make_user("town_officer", town="梅厂镇")
    other_officer = make_user("town_officer", town="杨村街道")
    Enterprise.objects.filter(pk=pks[2]).update(serious_dishonesty=True)
    memberships_exit_credit(as_of=date(2025, 7, 1), user=None)
    mine = Notification.objects.get(user=owner)
    assert (
        mine.kind == "membership.exit" and "严重违法失信" in mine.subject and mine.url == "/membership/mine/"
    )
    assert "天津测试科技有限公司3" in Notification.objects.get(user=officer).body
    assert not Notification.objects.filter(user=other_officer).exists()


def test_a_membership_entered_after_the_deadline_does_not_owe_that_years_update(pks, enter, sent):
    """A past membership recorded on the platform only after the deadline (e.g. from the city's
    records) could not have done the update in time: the sweep leaves it."""
    from lingjun.apps.membership.services import membership_enter

    back_dated = membership_enter(
        enterprise_id=pks[0],
        tier="chuying",
        valid_from=date(2024, 3, 1),
        valid_until=None,
        source="t",
        user=None,
    )
    Membership.objects.filter(pk=back_dated.pk).update(entered_at=datetime(2025, 10, 5, 9, tzinfo=UTC))
    on_time = enter(pks[1])
    assert annual_update_sweep(year=2025, as_of=date(2025, 10, 8), user=None) == 1
    assert reason_of(back_dated) == "" and reason_of(on_time) == ExitReason.ANNUAL_UPDATE_MISSED
