"""notice_publish: a notice and its numbered list are stored as given, or refused whole."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from tests.factories import uscc_for

from lingjun.apps.publishing.models import Notice, NoticeEntry
from lingjun.apps.publishing.services import (
    ENDS_BEFORE_PUBLISHED,
    ENTRY_USCC_REPEATED,
    NO_ENTRIES,
    NUMBER_TAKEN,
    UNKNOWN_KIND,
    NoticeRefused,
    notice_publish,
)

pytestmark = pytest.mark.django_db


def _entries(n: int = 3) -> list[dict[str, Any]]:
    return [
        {"name": f"天津第{i}科技有限公司", "uscc": uscc_for(i), "town": "杨村街道", "tier": "chuying"}
        for i in range(1, n + 1)
    ]


def _publish(**overrides: Any) -> Notice:
    args: dict[str, Any] = {
        "kind": "gongshi",
        "title": "2022年第一批雏鹰企业拟入库名单公示",
        "document_number": "武科发〔2022〕12号",
        "tier": "chuying",
        "published_on": date(2022, 6, 1),
        "ends_on": date(2022, 6, 8),
        "entries": _entries(),
        "source": "manual",
        "user": None,
    }
    args.update(overrides)
    return notice_publish(**args)


def test_a_notice_is_stored_with_its_entries_numbered_in_order(make_user: Any) -> None:
    officer = make_user("district_staff")
    entries = _entries(3)
    entries[1]["uscc"] = " " + entries[1]["uscc"].lower() + " "  # typed by hand: normalised
    del entries[2]["tier"]  # the notice's tier

    notice = _publish(entries=entries, user=officer)

    notice.refresh_from_db()
    assert (notice.kind, notice.tier, notice.created_by) == ("gongshi", "chuying", officer)
    assert notice.get_kind_display() == "公示"
    from lingjun.apps.audit.models import AuditEvent

    event = AuditEvent.objects.get(action="notice_publish")
    assert (event.user, event.target, event.detail["entries"]) == (officer, "公示 武科发〔2022〕12号", 3)
    rows = list(NoticeEntry.objects.filter(notice=notice).values_list("seq", "name", "uscc", "town", "tier"))
    assert rows == [
        (1, "天津第1科技有限公司", uscc_for(1), "杨村街道", "chuying"),
        (2, "天津第2科技有限公司", uscc_for(2), "杨村街道", "chuying"),
        (3, "天津第3科技有限公司", uscc_for(3), "杨村街道", "chuying"),
    ]


def test_a_gonggao_needs_no_end_date() -> None:
    notice = _publish(kind="gonggao", ends_on=None, document_number="")
    assert notice.get_kind_display() == "公告"
    assert notice.ends_on is None
    assert notice.entries.count() == 3


@pytest.mark.parametrize(
    ("overrides", "code", "message"),
    [
        ({"kind": "tongzhi"}, "unknown_kind", UNKNOWN_KIND.format(kind="tongzhi")),
        ({"entries": []}, "no_entries", NO_ENTRIES),
        (
            {"ends_on": date(2022, 5, 31)},
            "ends_before_published",
            ENDS_BEFORE_PUBLISHED.format(ends_on=date(2022, 5, 31), published_on=date(2022, 6, 1)),
        ),
    ],
)
def test_a_wrong_notice_is_refused_and_nothing_stored(
    overrides: dict[str, Any], code: str, message: str
) -> None:
    with pytest.raises(NoticeRefused) as refused:
        _publish(**overrides)
    assert refused.value.code == code
    assert refused.value.problems == [message]
    assert not Notice.objects.exists()


def test_every_wrong_line_is_reported_at_once() -> None:
    entries = _entries(4)
    entries[1]["uscc"] = entries[1]["uscc"][:17] + "0"  # wrong check character
    entries[2]["name"] = ""
    entries[3]["uscc"] = entries[0]["uscc"]
    with pytest.raises(NoticeRefused) as refused:
        _publish(entries=entries)
    problems = refused.value.problems
    assert refused.value.code == "invalid_entries"
    assert len(problems) == 3
    assert problems[0].startswith("名单第 2 行（天津第2科技有限公司）：统一社会信用代码校验位错误")
    assert problems[1] == "名单第 3 行缺少企业名称。"
    assert problems[2] == ENTRY_USCC_REPEATED.format(
        seq=4, name="天津第4科技有限公司", uscc=uscc_for(1), first=1
    )
    assert not NoticeEntry.objects.exists()


def test_a_document_number_is_used_once() -> None:
    _publish()
    with pytest.raises(NoticeRefused) as refused:
        _publish(kind="gonggao", ends_on=None)
    assert refused.value.code == "number_taken"
    assert refused.value.problems == [NUMBER_TAKEN.format(number="武科发〔2022〕12号")]
    assert Notice.objects.count() == 1


def test_an_unknown_tier_on_a_line_is_refused() -> None:
    entries = _entries(1)
    entries[0]["tier"] = "unicorn"
    with pytest.raises(NoticeRefused) as refused:
        _publish(entries=entries)
    assert "层级“unicorn”未知" in refused.value.problems[0]
