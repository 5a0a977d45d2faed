from __future__ import annotations

from decimal import Decimal

import pytest
from tests.factories import build_dossier

from lingjun.apps.enterprises.models import (
    AnnualFigure,
    ChangeRecord,
    CreditEvent,
    Enterprise,
    IntellectualProperty,
)
from lingjun.apps.enterprises.services import CREATED_LABEL, dossiers_apply

pytestmark = pytest.mark.django_db


def test_apply_creates_enterprises_with_every_section(make_user):
    user = make_user("district_staff")
    result = dossiers_apply(dossiers=[build_dossier(1), build_dossier(2)], user=user, source="import")
    assert len(result.created) == 2 and not result.updated
    assert Enterprise.objects.count() == 2
    assert AnnualFigure.objects.filter(enterprise_id=build_dossier(1)["uscc"]).count() == 3
    assert CreditEvent.objects.get(enterprise_id=build_dossier(1)["uscc"]).year == 2021
    created = ChangeRecord.objects.filter(label=CREATED_LABEL)
    assert created.count() == 2 and all(r.user == user for r in created)


def test_reapplying_the_same_dossiers_changes_nothing():
    dossiers_apply(dossiers=[build_dossier(1)], user=None, source="import")
    ids = list(AnnualFigure.objects.values_list("id", flat=True))
    result = dossiers_apply(dossiers=[build_dossier(1)], user=None, source="import")
    assert result.unchanged == [build_dossier(1)["uscc"]] and result.changes == 0
    assert list(AnnualFigure.objects.values_list("id", flat=True)) == ids  # rows untouched


def test_update_records_old_and_new_values_and_replaces_changed_sections(make_user):
    dossiers_apply(dossiers=[build_dossier(1)], user=None, source="import")
    ip_ids = set(IntellectualProperty.objects.values_list("id", flat=True))
    changed = build_dossier(1, name="天津新名称科技有限公司")
    changed["annual"][2]["rd_expense"] = Decimal("250")
    clerk = make_user("district_staff")
    result = dossiers_apply(dossiers=[changed], user=clerk, source="form")
    assert result.updated == [changed["uscc"]]
    records = {r.path: r for r in ChangeRecord.objects.filter(source="form")}
    assert records["name"].old == "天津测试科技有限公司1" and records["name"].new == "天津新名称科技有限公司"
    assert (
        records["annual[2024].rd_expense"].old == "210.4" and records["annual[2024].rd_expense"].new == "250"
    )
    assert records["annual[2024].rd_expense"].label == "2024年 研发费用"
    assert all(r.user == clerk for r in records.values())
    assert AnnualFigure.objects.get(enterprise_id=changed["uscc"], year=2024).rd_expense == Decimal("250")
    # the IP section did not change, so its rows were not rewritten
    assert set(IntellectualProperty.objects.values_list("id", flat=True)) == ip_ids


def test_apply_is_atomic_on_a_database_error():
    from django.db import IntegrityError

    bad = build_dossier(2)
    bad["annual"].append(dict(bad["annual"][0]))  # duplicate year only the validator catches…
    bad["annual"][-1]["year"] = None  # …and a NULL year the database refuses
    with pytest.raises(IntegrityError):
        dossiers_apply(dossiers=[build_dossier(1), bad], user=None, source="import")
    assert Enterprise.objects.count() == 0 and ChangeRecord.objects.count() == 0
