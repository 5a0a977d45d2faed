"""Publishing notices (发布公示公告): :func:`notice_publish` stores a notice and its numbered list.

Other apps (recognition, when a batch's list is decided) and the bureau's own pages (lists from
before the platform) call the same service; the PDF, the Excel file and the public page are made
from what it stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction

from lingjun.apps.audit.services import audit_record
from lingjun.apps.publishing.models import Notice, NoticeEntry, Tier
from lingjun.dossier.uscc import uscc_problem
from lingjun.dossier.validate import normalise_uscc

UNKNOWN_KIND = "未知的公告类型“{kind}”：应为 gongshi（公示）或 gonggao（公告）。"
UNKNOWN_TIER = "未知的层级“{tier}”：可选 {choices}。"
TITLE_MISSING = "请填写公示公告的标题。"
ENDS_BEFORE_PUBLISHED = "公示截止日期（{ends_on}）早于发布日期（{published_on}）。"
NO_ENTRIES = "名单为空：公示公告至少应列出一家企业。"
ENTRY_NAME_MISSING = "名单第 {seq} 行缺少企业名称。"
ENTRY_USCC_INVALID = "名单第 {seq} 行（{name}）：{problem}。"
ENTRY_USCC_REPEATED = "名单第 {seq} 行（{name}）的统一社会信用代码 {uscc} 与第 {first} 行重复。"
ENTRY_TIER_UNKNOWN = "名单第 {seq} 行（{name}）的层级“{tier}”未知：可选 {choices}。"
NUMBER_TAKEN = "文号“{number}”已被另一份公示公告使用，请核对文号。"


class NoticeRefused(Exception):
    """The notice was not stored. ``code`` says why (for programs); ``problems`` are the messages
    in Chinese, every one found (a list of 300 lines gets all its errors at once)."""

    def __init__(self, code: str, problems: Sequence[str]) -> None:
        super().__init__("；".join(problems))
        self.code = code
        self.problems = list(problems)


def _tier_choices() -> str:
    return "、".join(f"{value}（{label}）" for value, label in Tier.choices)


def _clean_entries(entries: Sequence[Mapping[str, Any]], *, tier: str) -> tuple[list[NoticeEntry], list[str]]:
    rows: list[NoticeEntry] = []
    problems: list[str] = []
    first_seen: dict[str, int] = {}
    for seq, entry in enumerate(entries, start=1):
        name = str(entry.get("name") or "").strip()
        uscc = normalise_uscc(str(entry.get("uscc") or ""))
        town = str(entry.get("town") or "").strip()
        entry_tier = str(entry.get("tier") or tier)
        if not name:
            problems.append(ENTRY_NAME_MISSING.format(seq=seq))
        problem = uscc_problem(uscc)
        if problem is not None:
            problems.append(ENTRY_USCC_INVALID.format(seq=seq, name=name, problem=problem))
        elif uscc in first_seen:
            problems.append(ENTRY_USCC_REPEATED.format(seq=seq, name=name, uscc=uscc, first=first_seen[uscc]))
        else:
            first_seen[uscc] = seq
        if entry_tier not in Tier.values:
            problems.append(
                ENTRY_TIER_UNKNOWN.format(seq=seq, name=name, tier=entry_tier, choices=_tier_choices())
            )
        rows.append(NoticeEntry(seq=seq, name=name, uscc=uscc, town=town, tier=entry_tier))
    return rows, problems


def notice_publish(
    *,
    kind: str,
    title: str,
    document_number: str,
    tier: str,
    published_on: date,
    ends_on: date | None,
    entries: list[dict[str, Any]],
    source: str,
    user: Any,
) -> Notice:
    """Store a 公示 (``kind="gongshi"``) or 公告 (``"gonggao"``) and its list, numbered in the
    order of ``entries`` (dicts with ``name``, ``uscc``, ``town``, ``tier``; ``tier`` defaults to
    the notice's). Everything is checked first; any problem raises :class:`NoticeRefused` and
    nothing is stored."""
    if kind not in Notice.Kind.values:
        raise NoticeRefused("unknown_kind", [UNKNOWN_KIND.format(kind=kind)])
    if tier not in Tier.values:
        raise NoticeRefused("unknown_tier", [UNKNOWN_TIER.format(tier=tier, choices=_tier_choices())])
    title = title.strip()
    if not title:
        raise NoticeRefused("title_missing", [TITLE_MISSING])
    if ends_on is not None and ends_on < published_on:
        raise NoticeRefused(
            "ends_before_published",
            [ENDS_BEFORE_PUBLISHED.format(ends_on=ends_on, published_on=published_on)],
        )
    if not entries:
        raise NoticeRefused("no_entries", [NO_ENTRIES])
    rows, problems = _clean_entries(entries, tier=tier)
    if problems:
        raise NoticeRefused("invalid_entries", problems)
    number = document_number.strip()
    if number and Notice.objects.filter(document_number=number).exists():
        raise NoticeRefused("number_taken", [NUMBER_TAKEN.format(number=number)])
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                kind=kind,
                title=title,
                document_number=number,
                tier=tier,
                published_on=published_on,
                ends_on=ends_on,
                source=source,
                created_by=user if user is not None and getattr(user, "pk", None) is not None else None,
            )
            for row in rows:
                row.notice = notice
            NoticeEntry.objects.bulk_create(rows, batch_size=1000)
            audit_record(
                action="notice_publish",
                user=notice.created_by,
                target=f"{notice.get_kind_display()} {number or notice.title}",
                detail={"notice": notice.pk, "tier": tier, "entries": len(rows), "source": source},
            )
    except IntegrityError as error:  # the same number stored by someone else meanwhile
        raise NoticeRefused("number_taken", [NUMBER_TAKEN.format(number=number)]) from error
    return notice


def demo_notices(*, today: date, users: dict[str, Any]) -> str:
    """The demo district's notices: a 公示 open today, the 公告 of an earlier batch, and a list
    from before the platform entered by hand (each of 20 enterprises of the pool)."""
    from datetime import timedelta

    from lingjun.apps.enterprises.models import Enterprise

    if Notice.objects.exists():
        return "公示公告：已有，跳过。"
    firms = list(Enterprise.objects.order_by("uscc").values("name", "uscc", "town")[:60])
    if not firms:
        return "公示公告：企业库为空，跳过。"
    staff = users.get("district_staff")
    year = today.year
    batches = [
        ("gongshi", f"{year}年第一批雏鹰企业拟入库名单公示", f"武科发〔{year}〕18号", "chuying",
         today - timedelta(days=3), today + timedelta(days=4), firms[:20], "recognition:demo"),
        ("gonggao", f"{year - 1}年第二批瞪羚企业入库名单公告", f"武科发〔{year - 1}〕41号", "dengling",
         date(year - 1, 11, 20), None, firms[20:40], "recognition:demo"),
        ("gonggao", "2020年科技领军（培育）企业名单公告（平台上线前）", "武科发〔2020〕9号", "lingjun_peiyu",
         date(2020, 12, 10), None, firms[40:60], "manual"),
    ]  # fmt: skip
    made = 0
    for kind, title, number, tier, published_on, ends_on, entries, source in batches:
        if not entries:
            continue
        notice_publish(
            kind=kind, title=title, document_number=number, tier=tier, published_on=published_on,
            ends_on=ends_on, entries=[dict(e) for e in entries], source=source, user=staff,
        )  # fmt: skip
        made += 1
    return f"公示公告：{made} 份（正在公示 1 份）。"
