"""Import acceptance: all-or-nothing with every error located; export → import → export identical."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from tests.factories import TODAY

from lingjun.apps.accounts.models import Role, User
from lingjun.apps.divisions.services import divisions_seed
from lingjun.apps.enterprises.models import AnnualFigure, ChangeRecord, Enterprise, ImportBatch
from lingjun.apps.enterprises.selectors import dossiers_export
from lingjun.apps.enterprises.services import ImportRefused, enterprises_import_file
from lingjun.demo import generate_dossiers
from lingjun.dossier.excel import write_workbook
from lingjun.dossier.jsonl import write_jsonl

pytestmark = pytest.mark.django_db

EVERYONE = User(role=Role.DISTRICT_ADMIN, is_superuser=True, is_active=True)


def _jsonl(dossiers) -> bytes:
    out = io.BytesIO()
    write_jsonl(dossiers, out)
    return out.getvalue()


def _pool_snapshot() -> tuple:
    return (
        list(Enterprise.objects.order_by("uscc").values_list("uscc", "name", "town")),
        list(AnnualFigure.objects.order_by("id").values_list("enterprise_id", "year", "operating_revenue")),
    )


def _import(data: bytes, name: str) -> ImportBatch:
    return enterprises_import_file(source=io.BytesIO(data), file_name=name, user=None, today=TODAY)


def test_export_import_export_is_byte_identical():
    divisions_seed()
    _import(_jsonl(generate_dossiers(n=300, seed=11, year=2024)), "demo.jsonl")
    first = _jsonl(dossiers_export(user=EVERYONE))
    Enterprise.objects.all().delete()
    batch = _import(first, "export.jsonl")
    assert batch.created == 300
    second = _jsonl(dossiers_export(user=EVERYONE))
    assert second == first
    # and re-importing the export over the pool changes nothing
    again = _import(first, "export.jsonl")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 300)


def test_excel_with_planted_errors_is_refused_whole_and_the_pool_is_unchanged(tmp_path):
    divisions_seed()
    _import(_jsonl(generate_dossiers(n=20, seed=3, year=2024)), "base.jsonl")
    before = _pool_snapshot()
    changes_before = ChangeRecord.objects.count()

    dossiers = list(generate_dossiers(n=40, seed=3, year=2024))  # 20 known + 20 new enterprises
    path = tmp_path / "planted.xlsx"
    write_workbook(dossiers, path)
    wb = load_workbook(path)
    base, annual = wb["企业基本信息"], wb["年度数据"]
    fields = {c.value: c.column_letter for c in base[2]}
    afields = {c.value: c.column_letter for c in annual[2]}
    good = base[f"{fields['uscc']}5"].value
    base[f"{fields['uscc']}5"] = good[:17] + ("0" if good[17] != "0" else "1")  # wrong check character
    base[f"{fields['registered_on']}7"] = "2099-01-01"  # future date
    annual[f"{afields['operating_revenue']}4"] = -5  # negative revenue
    wb.save(path)

    with pytest.raises(ImportRefused) as refused:
        _import(path.read_bytes(), "planted.xlsx")
    located = {(e.sheet, e.row, e.column, e.code) for e in refused.value.errors}
    assert ("企业基本信息", 5, fields["uscc"], "uscc_check") in located
    assert ("企业基本信息", 7, fields["registered_on"], "future_date") in located
    assert ("年度数据", 4, afields["operating_revenue"], "negative") in located
    assert _pool_snapshot() == before
    assert ChangeRecord.objects.count() == changes_before
    batch = ImportBatch.objects.get(status=ImportBatch.Status.REFUSED)
    assert batch.file_name == "planted.xlsx" and len(batch.errors) == len(refused.value.errors)


def test_reimport_updates_by_uscc_and_records_the_change():
    divisions_seed()
    dossiers = list(generate_dossiers(n=5, seed=5, year=2024))
    _import(_jsonl(dossiers), "a.jsonl")
    dossiers[2]["name"] = "天津更名后科技有限公司"
    dossiers[2]["annual"][-1]["operating_revenue"] = Decimal("1234.5")
    batch = _import(_jsonl(dossiers), "b.jsonl")
    assert (batch.created, batch.updated, batch.unchanged) == (0, 1, 4)
    paths = set(ChangeRecord.objects.filter(batch=batch).values_list("path", flat=True))
    year = dossiers[2]["annual"][-1]["year"]
    assert {"name", f"annual[{year}].operating_revenue"} <= paths


def test_unsupported_format_is_a_clear_error():
    with pytest.raises(ValueError, match="不支持的文件格式"):
        _import(b"x", "dossiers.csv")
