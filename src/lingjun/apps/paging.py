"""Pages of long lists with a capped count (the enterprise list, a run's results).

``COUNT(*)`` over 100 000 enterprises behind a filter costs more than the page itself, so a page
fetches one row more than it shows (to know whether there is a next page) and counts only when
it must: on the last page the count is exact for free, elsewhere it counts at most
``count_cap + 1`` ids and says "more than …" beyond that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet

#: the highest page number a list accepts (a 20-digit one overflowed the database's integers)
MAX_PAGE = 100_000

T = TypeVar("T")
U = TypeVar("U")


@dataclass
class CappedPage(Generic[T]):
    rows: list[T]
    number: int
    per_page: int
    count: int  # exact when not ``capped``, else ``count_cap``
    capped: bool
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.rows)

    @property
    def known_pages(self) -> int:
        """Pages that the (possibly capped) count vouches for."""
        return max(1, -(-self.count // self.per_page))

    def page_links(self, around: int = 2) -> list[int | None]:
        """Page numbers to link, ``None`` for a gap: 1 … 4 5 [6] 7 8 … 20."""
        last = max(self.known_pages, self.number + (1 if self.has_next else 0))
        wanted = {1, last, *range(self.number - around, self.number + around + 1)}
        links: list[int | None] = []
        for p in sorted(p for p in wanted if 1 <= p <= last):
            if links and p - (links[-1] or 0) > 1:
                links.append(None)
            links.append(p)
        return links

    def with_rows(self, rows: list[U]) -> CappedPage[U]:
        """The same page showing ``rows`` (the fetched objects arranged for the page)."""
        return CappedPage(rows, self.number, self.per_page, self.count, self.capped, self.has_next)


def capped_page(qs: QuerySet[Any], *, page: int, per_page: int, count_cap: int) -> CappedPage[Any]:
    """Page ``page`` (from 1; lower numbers mean 1) of an ordered queryset, counted up to ``count_cap``."""
    page = min(max(1, page), MAX_PAGE)
    offset = (page - 1) * per_page
    fetched = list(qs[offset : offset + per_page + 1])
    has_next = len(fetched) > per_page
    rows = fetched[:per_page]
    if not has_next and (rows or page == 1):
        count, capped = offset + len(rows), False  # the last page tells the exact total
    else:
        count = qs.order_by().values("pk")[: count_cap + 1].count()
        capped = count > count_cap
        count = min(count, count_cap)
    return CappedPage(rows, page, per_page, count, capped, has_next)
