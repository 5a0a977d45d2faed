"""Pages with a capped count: which page links show, and when the count is exact, capped or free."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lingjun.apps.enterprises.models import Enterprise
from lingjun.apps.paging import CappedPage, capped_page


def _page(
    number: int, count: int, *, has_next: bool, capped: bool = False, rows: int = 50
) -> CappedPage[int]:
    return CappedPage(list(range(rows)), number, 50, count, capped, has_next)


def test_page_links_keep_the_ends_and_the_neighbours_with_gaps_between():
    assert _page(6, 1000, has_next=True).page_links() == [1, None, 4, 5, 6, 7, 8, None, 20]
    assert _page(1, 1000, has_next=True).page_links() == [1, 2, 3, None, 20]
    assert _page(20, 1000, has_next=False).page_links() == [1, None, 18, 19, 20]
    assert _page(2, 120, has_next=True).page_links() == [1, 2, 3]  # no gap between neighbours
    assert _page(1, 0, has_next=False, rows=0).page_links() == [1]


def test_a_capped_count_still_links_the_page_after_the_current_one():
    # 10 000 capped = 200 known pages; on page 300 (reached by "next") the next one is linked
    page = _page(300, 10_000, has_next=True, capped=True)
    assert page.known_pages == 200
    assert page.page_links()[-3:] == [299, 300, 301]
    assert (page.start_index, page.end_index, page.has_previous) == (14_951, 15_000, True)


def test_an_empty_page_shows_no_rows():
    empty = _page(1, 0, has_next=False, rows=0)
    assert (empty.start_index, empty.end_index, empty.has_previous) == (0, 0, False)


@pytest.fixture
def names(pool: list[str]) -> Any:
    return Enterprise.objects.order_by("name", "id")


def test_the_last_page_counts_for_free_and_other_pages_count_up_to_the_cap(names: Any):
    with CaptureQueriesContext(connection) as last:
        page = capped_page(names, page=2, per_page=2, count_cap=100)
    assert (len(page.rows), page.count, page.capped, page.has_next) == (1, 3, False, False)
    assert len(last.captured_queries) == 1  # the rows only: their number tells the total

    first = capped_page(names, page=1, per_page=2, count_cap=100)
    assert (len(first.rows), first.count, first.capped, first.has_next) == (2, 3, False, True)
    capped = capped_page(names, page=1, per_page=2, count_cap=2)
    assert (capped.count, capped.capped) == (2, True)


def test_pages_below_one_are_the_first_and_pages_past_the_end_are_empty_but_counted(names: Any):
    assert capped_page(names, page=0, per_page=2, count_cap=100).number == 1
    past = capped_page(names, page=5, per_page=2, count_cap=100)
    assert (past.rows, past.count, past.has_next) == ([], 3, False)
    assert past.with_rows(["x"]).rows == ["x"] and past.with_rows([]).number == 5
