"""Reading notices: what the public page shows (published ones only) and the bureau's list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet

from lingjun.apps.publishing.models import Notice, NoticeEntry

#: the most search hits the public page lists (a search is for one enterprise, not for a dump)
SEARCH_LIMIT = 200


def notices_published(*, today: date) -> QuerySet[Notice]:
    """Notices the public may see: those published on or before ``today``, newest first."""
    return (
        Notice.objects.filter(published_on__lte=today)
        .annotate(entry_count=Count("entries"))
        .order_by("-published_on", "-id")
    )


def notices_all() -> QuerySet[Notice]:
    """Every notice, also those dated later (the bureau's list)."""
    return (
        Notice.objects.annotate(entry_count=Count("entries"))
        .select_related("created_by")
        .order_by("-published_on", "-id")
    )


@dataclass
class PublicNotices:
    current: list[Notice]  # 公示 in their objection period today
    past: list[Notice]  # everything else published


def notices_public(*, today: date) -> PublicNotices:
    """The public page's two lists: 公示 open for objections today, then all others."""
    notices = list(notices_published(today=today))
    current = [n for n in notices if n.kind == Notice.Kind.GONGSHI and n.ends_on and n.ends_on >= today]
    ids = {n.pk for n in current}
    return PublicNotices(current=current, past=[n for n in notices if n.pk not in ids])


def entries_search(*, q: str, today: date) -> list[NoticeEntry]:
    """Lines of published notices whose name contains ``q`` or whose USCC begins with it (at most
    :data:`SEARCH_LIMIT` + 1, to tell there are more), newest notice first."""
    q = q.strip()
    if not q:
        return []
    return list(
        NoticeEntry.objects.filter(notice__published_on__lte=today)
        .filter(Q(name__icontains=q) | Q(uscc__startswith=q.upper()))
        .select_related("notice")
        .order_by("-notice__published_on", "-notice_id", "seq")[: SEARCH_LIMIT + 1]
    )


def notice_entries(*, notice: Notice) -> list[NoticeEntry]:
    return list(NoticeEntry.objects.filter(notice=notice).order_by("seq"))
