from __future__ import annotations

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
