"""入库: membership_enter, registration numbers, promotion, the active selector."""

from __future__ import annotations

from datetime import date

import pytest

from lingjun.apps.audit.models import AuditEvent
from lingjun.apps.membership.models import ExitReason, Membership, Tier
from lingjun.apps.membership.selectors import active_memberships
from lingjun.apps.membership.services import MembershipError, membership_enter, membership_exit

pytestmark = pytest.mark.django_db


def enter(enterprise_id: int, tier: str = Tier.CHUYING, **kw) -> Membership:
    args = {
        "valid_from": date(2026, 3, 1),
        "valid_until": date(2028, 12, 31),
        "source": "manual",
        "user": None,
    }
    args.update(kw)
    return membership_enter(enterprise_id=enterprise_id, tier=tier, **args)


def test_numbers_are_generated_per_tier_and_year_and_unique(pks, staff):
    a = enter(pks[0], user=staff)
    b = enter(pks[1])
    c = enter(pks[2], Tier.DENGLING, valid_from=date(2025, 12, 1))
    assert (a.registration_number, b.registration_number) == ("WQ-CY-2026-0001", "WQ-CY-2026-0002")
    assert c.registration_number == "WQ-DL-2025-0001"
    assert a.entered_by == staff and a.source == "manual"
    assert AuditEvent.objects.filter(action="membership_enter").count() == 3


def test_a_given_number_is_kept_and_the_sequence_skips_it(pks):
    a = enter(pks[0], registration_number="WQ-CY-2026-0001")
    b = enter(pks[1])
    assert a.registration_number == "WQ-CY-2026-0001" and b.registration_number == "WQ-CY-2026-0002"


def test_a_taken_number_is_refused(pks):
    enter(pks[0], registration_number="津雏鹰2026001")
    with pytest.raises(MembershipError) as e:
        enter(pks[1], registration_number="津雏鹰2026001")
    assert e.value.code == "number_taken" and "已被使用" in e.value.message
    assert Membership.objects.count() == 1


def test_promotion_exits_the_lower_tier_with_reason_promotion(pks, staff):
    chuying = enter(pks[0], valid_from=date(2024, 5, 1))
    dengling = enter(pks[0], Tier.DENGLING, valid_from=date(2026, 7, 1), valid_until=None, user=staff)
    chuying.refresh_from_db()
    assert chuying.exited_on == date(2026, 7, 1)
    assert chuying.exit_reason == ExitReason.PROMOTION and chuying.get_exit_reason_display() == "晋级"
    assert chuying.promoted_to == dengling and chuying.exited_by == staff
    assert "瞪羚企业" in chuying.exit_note
    assert list(active_memberships(as_of=date(2026, 6, 30)).values_list("tier", flat=True)) == ["chuying"]
    assert list(active_memberships(as_of=date(2026, 7, 1)).values_list("tier", flat=True)) == ["dengling"]


def test_same_or_lower_tier_while_holding_a_tier_is_refused(pks):
    enter(pks[0], Tier.DENGLING)
    for tier in (Tier.DENGLING, Tier.CHUYING):
        with pytest.raises(MembershipError) as e:
            enter(pks[0], tier, valid_from=date(2027, 1, 1))
        assert e.value.code == "already_member"
    assert Membership.objects.count() == 1


def test_same_tier_again_after_the_validity_ended(pks):
    enter(pks[0], valid_from=date(2023, 1, 1), valid_until=date(2025, 12, 31))
    again = enter(pks[0], valid_from=date(2026, 1, 1))
    assert again.registration_number == "WQ-CY-2026-0001"


def test_invalid_input_is_refused(pks):
    with pytest.raises(MembershipError) as e:
        enter(pks[0], "gazelle")
    assert e.value.code == "unknown_tier"
    with pytest.raises(MembershipError) as e:
        enter(pks[0], valid_from=date(2026, 1, 1), valid_until=date(2025, 1, 1))
    assert e.value.code == "invalid_range"
    with pytest.raises(MembershipError) as e:
        enter(999_999)
    assert e.value.code == "unknown_enterprise"


def test_active_as_of_a_date_respects_validity_and_exit(pks):
    a = enter(pks[0], valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31))
    enter(pks[1], valid_from=date(2026, 1, 1), valid_until=None)
    c = enter(pks[2], valid_from=date(2026, 1, 1))
    membership_exit(
        membership_id=c.pk, on=date(2026, 6, 1), reason=ExitReason.WITHDRAWN, note="书面申请", user=None
    )

    def active(d: date) -> set[int]:
        return set(active_memberships(as_of=d).values_list("enterprise_id", flat=True))

    assert active(date(2025, 12, 31)) == set()
    assert active(date(2026, 5, 31)) == set(pks)
    assert active(date(2026, 6, 1)) == {pks[0], pks[1]}
    assert active(date(2027, 1, 1)) == {pks[1]}  # a's validity ended (expired)
    row = (
        active_memberships(as_of=date(2026, 2, 1))
        .values("enterprise_id", "tier", "registration_number", "valid_from", "valid_until")
        .get(pk=a.pk)
    )
    assert row["valid_until"] == date(2026, 12, 31) and row["tier"] == "chuying"
    assert a.is_active(date(2026, 12, 31)) and not a.is_active(date(2027, 1, 1))


def test_exit_rules_of_the_service(pks):
    m = enter(pks[0], valid_from=date(2026, 1, 1))
    with pytest.raises(MembershipError) as e:
        membership_exit(membership_id=m.pk, on=date(2026, 1, 2), reason="bored", note="", user=None)
    assert e.value.code == "unknown_reason"
    with pytest.raises(MembershipError) as e:
        membership_exit(membership_id=m.pk, on=date(2026, 1, 2), reason="other", note=" ", user=None)
    assert e.value.code == "note_required" and e.value.message == "出库须填写说明。"
    with pytest.raises(MembershipError) as e:
        membership_exit(membership_id=m.pk, on=date(2025, 1, 2), reason="other", note="x", user=None)
    assert e.value.code == "exit_before_start"
    membership_exit(membership_id=m.pk, on=date(2026, 2, 1), reason="other", note="x", user=None)
    with pytest.raises(MembershipError) as e:
        membership_exit(membership_id=m.pk, on=date(2026, 3, 1), reason="other", note="x", user=None)
    assert e.value.code == "already_exited" and "已于 2026-02-01 出库" in e.value.message
