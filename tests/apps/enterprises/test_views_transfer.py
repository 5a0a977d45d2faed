"""Import (all or nothing, every error listed) and export (streamed, Chinese file names) pages."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from tests.factories import TODAY, build_dossier

from lingjun.apps.enterprises import views as enterprise_views
from lingjun.apps.enterprises.models import ChangeRecord, Enterprise, ImportBatch
from lingjun.apps.enterprises.selectors import dossiers_load
from lingjun.apps.enterprises.services import ImportRefused, enterprises_import_file
from lingjun.dossier.canonical import canonical_dossier
from lingjun.dossier.excel import read_workbook, write_workbook
from lingjun.dossier.jsonl import dossier_json, read_jsonl, write_jsonl

pytestmark = pytest.mark.django_db


def jsonl_upload(dossiers: list[dict[str, Any]], name: str = "企业档案.jsonl") -> SimpleUploadedFile:
    out = io.BytesIO()
    write_jsonl(dossiers, out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/x-ndjson")


def pool_state() -> tuple[dict[str, Any], int]:
    usccs = list(Enterprise.objects.values_list("uscc", flat=True))
    return dossiers_load(usccs=usccs), ChangeRecord.objects.count()


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_bad_file_is_refused_whole_with_every_error_listed(pool, staff_client):
    before = pool_state()
    bad = build_dossier(7)
    bad["annual"][0]["operating_revenue"] = "-100"
    lines = [
        dossier_json(build_dossier(6)),
        dossier_json(bad),
        '{"uscc": "91120114MA0000001X", "name": "坏代码"}',
    ]
    upload = SimpleUploadedFile("坏文件.jsonl", "\n".join(lines).encode("utf-8"))
    response = staff_client.post(reverse("enterprises:transfer"), {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "已整体拒绝导入：没有保存任何数据，企业库未作任何改动" in page
    for head in ("工作表", "行", "列", "字段", "值", "问题"):
        assert f">{head}</th>" in page
    refused = response.context["refused"]
    assert len(refused.errors) >= 3
    table = page[page.index('id="import-errors"') :].split("</table>")[0]
    assert table.count("<tr>") == 1 + len(refused.errors)
    assert "坏文件.jsonl" in table and "annual[0].operating_revenue" in table and "金额不能为负数" in table
    assert (
        "统一社会信用代码校验位错误" in table and "成立日期" in table
    )  # wrong check character; missing date
    assert pool_state() == before  # the good line was not stored either
    assert ImportBatch.objects.get().status == ImportBatch.Status.REFUSED


def test_a_good_jsonl_file_is_imported_with_counts(pool, staff, staff_client):
    changed = build_dossier(1, name="天津改名科技有限公司")
    upload = jsonl_upload([changed, build_dossier(2, park="武清区开发区"), build_dossier(8)])
    response = staff_client.post(reverse("enterprises:transfer"), {"file": upload})
    page = response.content.decode()
    assert "导入成功" in page and "新建 1 家，更新 1 家，未变化 1 家" in page
    assert Enterprise.objects.count() == 4
    batch = ImportBatch.objects.get()
    assert (batch.created, batch.updated, batch.unchanged, batch.user) == (1, 1, 1, staff)
    assert ChangeRecord.objects.get(path="name", batch=batch).new == "天津改名科技有限公司"
    assert "最近导入" in page and "企业档案.jsonl" in page


def test_a_good_excel_file_is_imported(pool, staff_client):
    out = io.BytesIO()
    write_workbook([build_dossier(9), build_dossier(10, town="梅厂镇")], out)
    upload = SimpleUploadedFile("档案.xlsx", out.getvalue())
    page = staff_client.post(reverse("enterprises:transfer"), {"file": upload}).content.decode()
    assert "新建 2 家，更新 0 家，未变化 0 家" in page
    assert Enterprise.objects.count() == 5


def test_another_format_is_refused_before_reading(pool, staff_client):
    upload = SimpleUploadedFile("档案.csv", b"uscc,name\n")
    page = staff_client.post(reverse("enterprises:transfer"), {"file": upload}).content.decode()
    assert "不支持的文件格式“.csv”" in page
    assert ImportBatch.objects.count() == 0


@pytest.mark.parametrize(
    ("role", "extra"),
    [("evaluator", {}), ("town_officer", {"town": "梅厂镇"}), ("enterprise", {"enterprise_uscc": None})],
)
def test_only_the_district_bureau_may_import(pool, make_user, client_as, role, extra):
    if "enterprise_uscc" in extra:
        extra = {"enterprise_uscc": pool[0]}
    client = client_as(make_user(role, **extra))
    page = client.get(reverse("enterprises:transfer"))
    assert page.status_code == 200 and 'type="file"' not in page.content.decode()
    assert "导出企业档案" in page.content.decode()
    before = pool_state()
    response = client.post(reverse("enterprises:transfer"), {"file": jsonl_upload([build_dossier(8)])})
    assert response.status_code == 403  # no enterprise.import in the permission matrix
    assert pool_state() == before and ImportBatch.objects.count() == 0


def test_jsonl_export_parses_back_to_the_pool(pool, staff_client):
    response = staff_client.get(reverse("enterprises:export", args=["jsonl"]))
    assert response.status_code == 200 and response.streaming
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''" + quote("企业档案_"))
    parsed = read_jsonl(io.BytesIO(body(response)), today=TODAY)
    assert parsed.errors == []
    assert [canonical_dossier(d) for d in parsed.dossiers] == [
        canonical_dossier(build_dossier(n, **extra))
        for n, extra in ((1, {}), (2, {"park": "武清区开发区"}), (3, {"town": "梅厂镇"}))
    ]


def test_excel_export_parses_back_to_the_pool(pool, staff_client):
    response = staff_client.get(reverse("enterprises:export", args=["xlsx"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=utf-8''" + quote("企业档案_") in response["Content-Disposition"]
    parsed = read_workbook(io.BytesIO(body(response)), today=TODAY)
    assert parsed.errors == []
    assert {d["uscc"]: canonical_dossier(d) for d in parsed.dossiers} == dossiers_load(usccs=pool)


def test_an_unknown_export_format_is_404(pool, staff_client):
    assert staff_client.get(reverse("enterprises:export", args=["csv"])).status_code == 404


def test_template_download(staff_client: Client, pool):
    response = staff_client.get(reverse("enterprises:transfer_template"))
    assert response.status_code == 200
    assert "filename*=utf-8''" + quote("企业档案导入模板.xlsx") in response["Content-Disposition"]
    content = body(response)
    parsed = read_workbook(io.BytesIO(content), today=TODAY)
    assert parsed.errors == [] and parsed.dossiers == []
    assert "企业基本信息" in load_workbook(io.BytesIO(content), read_only=True).sheetnames


def test_per_enterprise_export(pool, pks, make_user, client_as):
    client = client_as(make_user("enterprise", enterprise_uscc=pool[1]))
    response = client.get(reverse("enterprises:enterprise_export", args=[pks[1]]))
    assert response.status_code == 200
    assert quote("天津测试科技有限公司2") in response["Content-Disposition"]
    parsed = read_jsonl(io.BytesIO(body(response)), today=TODAY)
    assert parsed.errors == [] and len(parsed.dossiers) == 1
    assert canonical_dossier(parsed.dossiers[0]) == dossiers_load(usccs=[pool[1]])[pool[1]]


def test_exports_hold_only_the_users_jurisdiction(pool, make_user, client_as):
    client = client_as(make_user("enterprise", enterprise_uscc=pool[1]))
    parsed = read_jsonl(
        io.BytesIO(body(client.get(reverse("enterprises:export", args=["jsonl"])))), today=TODAY
    )
    assert [d["uscc"] for d in parsed.dossiers] == [pool[1]]
    nobody = client_as(make_user("department", department="区财政局"))
    assert nobody.get(reverse("enterprises:export", args=["jsonl"])).status_code == 403  # no pool access


def test_a_name_longer_than_the_schema_allows_is_refused_with_its_place(pool, staff_client):
    before = pool_state()
    long = build_dossier(9)
    long["name"] = "甲" * 300
    response = staff_client.post(
        reverse("enterprises:transfer"), {"file": jsonl_upload([build_dossier(8), long])}
    )
    assert response.status_code == 200
    [error] = response.context["refused"].errors
    assert (error.row, error.column, error.code) == (2, "name", "too_long")
    assert "最多200个字符" in response.content.decode()
    assert pool_state() == before


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(pool, staff_client, settings, monkeypatch):
    # (in the request: a job imports larger files through the same service and limits)
    monkeypatch.setattr(enterprise_views, "IMPORT_IN_REQUEST_BYTES", 100 * 1024 * 1024)
    settings.LINGJUN_IMPORT_MAX_FILE_MB = 1
    before = pool_state()
    big = build_dossier(9)
    big["name"] = "甲" * 150
    upload = SimpleUploadedFile("大文件.jsonl", (dossier_json(big) + "\n").encode() * 3000)  # ~1.6 MB
    response = staff_client.post(reverse("enterprises:transfer"), {"file": upload})
    # the web refuses it while it streams in, before the view (tests/apps/web/test_uploads.py)
    assert response.status_code == 413
    assert "超过上限1 MB" in response.content.decode()
    assert "LINGJUN_IMPORT_MAX_FILE_MB" in response.content.decode()
    assert pool_state() == before
    # the service refuses it too (the command line's path), before reading it
    upload.seek(0)
    with pytest.raises(ImportRefused) as refused:
        enterprises_import_file(source=upload, file_name="大文件.jsonl", user=None, today=TODAY)
    [error] = refused.value.errors
    assert error.code == "file_too_large" and "上限为1 MB" in error.message
    assert pool_state() == before


def test_a_refused_file_keeps_the_first_errors_and_their_count_with_values_cut(
    pool, staff_client, settings, monkeypatch
):
    monkeypatch.setattr(enterprise_views, "IMPORT_IN_REQUEST_BYTES", 100 * 1024 * 1024)  # (in the request)
    settings.LINGJUN_IMPORT_MAX_ERRORS = 3
    lines = []
    for n in range(5):
        bad = build_dossier(20 + n)
        bad["name"] = "乙" * 300_000  # a 900 KB value: neither stored nor echoed whole
        lines.append(dossier_json(bad))
    upload = SimpleUploadedFile("坏.jsonl", "\n".join(lines).encode())
    response = staff_client.post(reverse("enterprises:transfer"), {"file": upload})
    assert len(response.context["refused"].errors) == 5
    assert len(response.content) < 200_000
    table = response.content.decode().split('id="import-errors"')[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + 3
    batch = ImportBatch.objects.get()
    assert batch.error_count == 5 and len(batch.errors) == 3
    assert all(len(e["value"]) < 300 for e in batch.errors)
    assert batch.errors[0]["value"].endswith("…（共300000个字符）")
    assert Enterprise.objects.filter(uscc=build_dossier(20)["uscc"]).count() == 0
