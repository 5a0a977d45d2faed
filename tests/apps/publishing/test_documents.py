"""A notice's PDF extracts as the right Chinese and renders; its workbook opens in LibreOffice."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from tests.factories import uscc_for
from tests.office import sheets_as_read

from lingjun.apps.publishing.documents import ISSUER, notice_pdf, notice_xlsx
from lingjun.apps.publishing.models import Notice
from lingjun.apps.publishing.services import notice_publish

pytestmark = pytest.mark.django_db

TOWNS = ("杨村街道", "梅厂镇", "下朱庄街道")


def _long_notice(n: int = 60) -> Notice:
    """A 公示 of ``n`` lines (more than one page), one name beginning with a formula trigger."""
    entries: list[dict[str, Any]] = [
        {"name": f"天津瑞科智能装备有限公司{i:03d}", "uscc": uscc_for(i), "town": TOWNS[i % 3]}
        for i in range(1, n + 1)
    ]
    if n > 4:
        entries[4]["name"] = "=HYPERLINK(危险)"
    return notice_publish(
        kind="gongshi",
        title="2022年第三批瞪羚企业拟入库名单公示",
        document_number="武科发〔2022〕35号",
        tier="dengling",
        published_on=date(2022, 9, 5),
        ends_on=date(2022, 9, 9),
        entries=entries,
        source="manual",
        user=None,
    )


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (poppler-utils)")
    return found


def test_the_pdf_extracts_as_the_right_chinese_and_its_pages_render(tmp_path: Path) -> None:
    notice = _long_notice()
    path = tmp_path / "notice.pdf"
    path.write_bytes(notice_pdf(notice=notice))
    text = subprocess.run(
        [_tool("pdftotext"), "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "2022年第三批瞪羚企业拟入库名单公示" in text
    assert "武科发〔2022〕35号" in text
    assert "2022年9月5日" in text and "2022年9月9日" in text
    assert "统一社会信用代码" in text and "所属镇街" in text
    for i in (1, 30, 60):
        assert f"天津瑞科智能装备有限公司{i:03d}" in text
        assert uscc_for(i) in text
    assert "瞪羚企业" in text and "下朱庄街道" in text
    pages = re.findall(r"第\s*(\d+)\s*页\s*共\s*(\d+)\s*页", text)
    assert len(pages) >= 2 and pages[0] == ("1", pages[0][1]) and pages[-1][0] == pages[-1][1]
    assert ISSUER in text and "盖章" in text
    assert re.search(r"共\s*60\s*家企业", text)
    # every page renders to an image of A4 proportions
    subprocess.run([_tool("pdftoppm"), "-r", "30", "-png", str(path), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == int(pages[0][1])
    assert all(image.stat().st_size > 1000 for image in images)


def test_the_workbook_opens_in_libreoffice_with_the_list(tmp_path: Path) -> None:
    notice = _long_notice(12)
    path = tmp_path / "notice.xlsx"
    path.write_bytes(notice_xlsx(notice=notice))
    sheets = sheets_as_read(path, tmp_path / "seen")
    assert list(sheets) == ["公示"]
    rows = sheets["公示"]
    assert rows[0][0] == "2022年第三批瞪羚企业拟入库名单公示"
    assert "武科发〔2022〕35号" in rows[1][0] and "2022年09月05日" in rows[1][0]
    assert rows[2][:5] == ["序号", "企业名称", "统一社会信用代码", "所属镇街", "层级"]
    body = [r[:5] for r in rows[3:] if any(r)]
    assert len(body) == 12
    assert body[0] == ["1", "天津瑞科智能装备有限公司001", uscc_for(1), "梅厂镇", "瞪羚企业"]
    assert body[4][1] == "'=HYPERLINK(危险)"  # cellsafe: shown as text, never run as a formula


def test_the_public_downloads_need_no_login_and_are_made_once(settings: Any, tmp_path: Path) -> None:
    settings.LINGJUN_HOME = tmp_path
    notice = _long_notice(3)
    pdf = Client().get(reverse("publishing:public_notice_pdf", args=[notice.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    xlsx = Client().get(reverse("publishing:public_notice_xlsx", args=[notice.pk]))
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert "filename*=UTF-8''" in xlsx["Content-Disposition"]
    kept = sorted(p.name for p in (tmp_path / "notices").iterdir())
    assert kept == [f"notice-{notice.pk}-v1.pdf", f"notice-{notice.pk}-v1.xlsx"]
    (tmp_path / "notices" / kept[0]).write_bytes(b"%PDF-kept")
    again = Client().get(reverse("publishing:public_notice_pdf", args=[notice.pk]))
    assert again.content == b"%PDF-kept"  # served from the file, not made again
