from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from lingjun.apps.enterprises.models import ROW_MODELS, Enterprise
from lingjun.dossier.schema import ENTERPRISE, LIST_SECTIONS
from lingjun.dossier.tables import ARROW_SCHEMAS


def test_every_schema_field_has_its_column():
    columns = {f.column for f in Enterprise._meta.concrete_fields}
    assert set(ARROW_SCHEMAS["enterprise"].names) <= columns
    for section in LIST_SECTIONS:
        model = ROW_MODELS[section.key]
        assert model._meta.db_table == f"lj_{section.table}"
        assert set(ARROW_SCHEMAS[section.table].names) <= {f.column for f in model._meta.concrete_fields}


def test_required_fields_are_not_nullable():
    for spec in ENTERPRISE.fields:
        if spec.required:
            assert not Enterprise._meta.get_field(spec.name).null


def test_hand_declared_fields_agree_with_the_schema():
    for name in ("uscc", "name", "registered_on"):
        assert Enterprise._meta.get_field(name).verbose_name == ENTERPRISE.field(name).label
    assert Enterprise._meta.get_field("uscc").unique


def test_an_enterprise_has_one_row_of_annual_figures_per_year(pool):
    annual = ROW_MODELS["annual"]
    row = annual.objects.filter(enterprise_id=pool[0]).first()
    assert row is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        annual.objects.create(enterprise_id=pool[0], year=row.year)
    annual.objects.create(enterprise_id=pool[1], year=1990)  # another enterprise, another year: fine


def test_text_columns_are_as_long_as_the_schema_allows() -> None:
    checked = 0
    for section in (ENTERPRISE, *LIST_SECTIONS):
        model = Enterprise if section is ENTERPRISE else ROW_MODELS[section.key]
        for spec in section.fields:
            if spec.type == "str" and not (section is not ENTERPRISE and spec.name == "uscc"):
                assert model._meta.get_field(spec.name).max_length == spec.max_length, spec.name
                checked += 1
    assert checked >= 15
