"""The public page (no login): current and past notices, search by name or USCC, only what a
notice shows; the bureau publishes a list by hand."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.factories import uscc_for

from lingjun.apps.publishing.models import Notice
from lingjun.apps.publishing.services import notice_publish

pytestmark = pytest.mark.django_db


def _notice(pool: list[str], **overrides: Any) -> Notice:
    """A notice listing the pool's enterprises under their real names."""
    from lingjun.apps.enterprises.models import Enterprise

    firms = Enterprise.objects.filter(uscc__in=pool).order_by("uscc").values("name", "uscc", "town")
    args: dict[str, Any] = {
        "kind": "gongshi",
        "title": "雏鹰企业拟入库名单公示",
        "document_number": "",
        "tier": "chuying",
        "published_on": timezone.localdate(),
        "ends_on": timezone.localdate() + timedelta(days=5),
        "entries": [dict(f) for f in firms],
        "source": "manual",
        "user": None,
    }
    args.update(overrides)
    return notice_publish(**args)


def test_the_public_page_lists_current_and_past_notices_without_a_login(pool: list[str]) -> None:
    current = _notice(pool)
    past = _notice(
        pool, kind="gonggao", title="2023年雏鹰企业入库公告", published_on=date(2023, 9, 1), ends_on=None
    )
    future = _notice(
        pool, title="下月公示", published_on=timezone.localdate() + timedelta(days=30), ends_on=None
    )

    response = Client().get(reverse("publishing:public_index"))

    assert response.status_code == 200
    page = response.content.decode()
    current_part, _sep, past_part = page.partition('id="past"')
    assert current.title in current_part and past.title not in current_part
    assert past.title in past_part
    older = _notice(
        pool, kind="gonggao", title="2020年雏鹰企业入库公告", published_on=date(2020, 9, 1), ends_on=None
    )
    page = Client().get(reverse("publishing:public_index")).content.decode()
    assert page.index(past.title) < page.index(older.title)  # newest first
    assert future.title not in page  # not yet published
    assert Client().get(reverse("publishing:public_notice", args=[future.pk])).status_code == 404


def test_search_finds_an_enterprise_by_name_or_uscc(pool: list[str]) -> None:
    notice = _notice(pool)
    by_name = Client().get(reverse("publishing:public_index"), {"q": "测试科技有限公司3"}).content.decode()
    assert uscc_for(3) in by_name and uscc_for(1) not in by_name
    assert notice.title in by_name
    by_code = (
        Client().get(reverse("publishing:public_index"), {"q": uscc_for(2)[:17].lower()}).content.decode()
    )
    assert uscc_for(2) in by_code and uscc_for(3) not in by_code
    nothing = Client().get(reverse("publishing:public_index"), {"q": "不存在的企业"}).content.decode()
    assert "没有找到符合条件的企业" in nothing


def test_a_notice_page_shows_only_what_the_notice_shows_never_a_dossier_figure(pool: list[str]) -> None:
    notice = _notice(pool)
    page = Client().get(reverse("publishing:public_notice", args=[notice.pk])).content.decode()
    assert all(uscc in page for uscc in pool)
    assert "杨村街道" in page and "梅厂镇" in page and "雏鹰企业" in page
    # the pool's dossiers hold revenue 3200.5, R&D 210.4, assets 5100.5, patent ZL2020123456.7 …
    for figure in (
        "3200.5",
        "3,200.5",
        "210.4",
        "5100.5",
        "ZL2020123456.7",
        "2024120114A0001",
        "C3562",
        "电子信息",
    ):
        assert figure not in page, figure
    assert "/enterprises/" not in page  # no link into the pool


def test_the_bureau_publishes_a_list_by_hand(make_user: Any, client_as: Any) -> None:
    staff = make_user("district_staff")
    client = client_as(staff)
    pasted = f"序号\t企业名称\t统一社会信用代码\t所属镇街\n1\t甲公司\t{uscc_for(7)}\t杨村街道\n2\t乙公司\t{uscc_for(8)}\t梅厂镇\n"
    response = client.post(
        reverse("publishing:notice_create"),
        {
            "kind": "gonggao",
            "title": "2020年瞪羚企业名单公告",
            "document_number": "武科发〔2020〕3号",
            "tier": "dengling",
            "published_on": "2020-12-01",
            "entries": pasted,
        },
    )
    assert response.status_code == 302
    notice = Notice.objects.get()
    assert (notice.created_by, notice.source, notice.tier) == (staff, "manual", "dengling")
    assert list(notice.entries.values_list("seq", "name", "town")) == [
        (1, "甲公司", "杨村街道"),
        (2, "乙公司", "梅厂镇"),
    ]
    listed = client.get(reverse("publishing:notice_list")).content.decode()
    assert "2020年瞪羚企业名单公告" in listed and "手工录入" in listed


def test_a_wrong_list_is_shown_with_its_problems_and_not_published(make_user: Any, client_as: Any) -> None:
    client = client_as(make_user("district_staff"))
    response = client.post(
        reverse("publishing:notice_create"),
        {
            "kind": "gongshi",
            "title": "x",
            "tier": "chuying",
            "published_on": "2022-06-01",
            "entries": "甲公司\t123\n",
        },
    )
    assert response.status_code == 200
    assert "统一社会信用代码应为18位" in response.content.decode()
    assert not Notice.objects.exists()
