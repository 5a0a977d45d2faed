"""The demo district's membership: every tier, expired members, each exit reason, findings in
every state, annual updates done and missing; the daily check command."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command

from lingjun.apps.enterprises.models import Enterprise
from lingjun.apps.enterprises.services import dossiers_apply
from lingjun.apps.membership.demo import EXITS, populate
from lingjun.apps.membership.models import AnnualUpdate, Membership, ReviewFinding, Tier
from lingjun.apps.membership.selectors import active_memberships

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = date(2026, 5, 20)


def test_demo_fills_every_state(make_user):
    from lingjun.apps.divisions.services import divisions_seed
    from lingjun.demo import generate_dossiers

    divisions_seed()
    dossiers_apply(
        dossiers=list(generate_dossiers(n=330, seed=2019, year=2025, today=TODAY)), user=None, source="import"
    )
    firm_pk = Enterprise.objects.order_by("-pk").values_list("pk", flat=True)[0]
    staff = make_user("district_staff")
    firm = make_user("enterprise", enterprise_uscc=Enterprise.objects.get(pk=firm_pk).uscc)
    town = Enterprise.objects.order_by("-pk").values_list("town", flat=True)[1]
    officer = make_user("town_officer", town=town)
    report = populate(
        today=TODAY, users={"district_staff": staff, "enterprise": firm, "town_officer": officer}
    )
    assert "入库企业" in report, report
    active = active_memberships(as_of=TODAY)
    assert set(active.values_list("tier", flat=True)) == set(Tier.values)
    assert Membership.objects.filter(valid_until__lt=TODAY, exited_on__isnull=True).count() == 5  # expired
    reasons = set(Membership.objects.exclude(exit_reason="").values_list("exit_reason", flat=True))
    assert {*EXITS, "promotion"} <= reasons
    assert AnnualUpdate.objects.exists() and active.filter(enterprise_id=firm_pk).exists()
    assert not AnnualUpdate.objects.filter(enterprise_id=firm_pk).exists()  # the demo firm still owes it
    statuses = set(ReviewFinding.objects.values_list("status", flat=True))
    assert statuses == {"pending", "confirmed", "dismissed"}, report
    assert "review_failed" in set(Membership.objects.values_list("exit_reason", flat=True))
    assert active.filter(enterprise__town=town).exists()  # the demo town officer has members
    assert populate(today=TODAY, users={"district_staff": staff}) == ""  # once


def test_the_daily_check_command(pks, capsys):
    from lingjun.apps.membership.services import membership_enter

    m = membership_enter(
        enterprise_id=pks[0],
        tier="chuying",
        valid_from=date(2024, 1, 1),
        valid_until=None,
        source="t",
        user=None,
    )
    Enterprise.objects.filter(pk=pks[0]).update(abnormal_operation=True)
    call_command("membership_check", "--as-of", "2025-07-01")
    assert "abnormal_operation: 1" in capsys.readouterr().out
    m.refresh_from_db()
    assert m.exit_reason == "abnormal_operation" and m.exited_on == date(2025, 7, 1)
