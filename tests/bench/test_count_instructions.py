"""The instruction counter of bench/count_instructions.py: data, query and valgrind's count."""

from __future__ import annotations

import importlib.util
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

_PATH = Path(__file__).resolve().parents[2] / "bench" / "count_instructions.py"
_spec = importlib.util.spec_from_file_location("count_instructions", _PATH)
assert _spec is not None and _spec.loader is not None
count_instructions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(count_instructions)


def test_prepare_writes_the_pool_and_the_compiled_query(tmp_path: Path) -> None:
    db, sql = count_instructions.prepare(tmp_path, 50, 7, 2024, date(2024, 6, 30))
    con = duckdb.connect(str(db), read_only=True)
    assert con.sql("SELECT count(*) FROM enterprise").fetchone() == (50,)
    result = con.sql(sql.read_text(encoding="utf-8")).fetch_arrow_table()
    assert result.num_rows == 50 and "uscc" in result.column_names


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_callgrind_total_reads_valgrinds_count() -> None:
    few = count_instructions.callgrind_total(["seq", "10"])
    many = count_instructions.callgrind_total(["seq", "200000"])
    assert few > 10_000  # the program starting up
    assert many - few > 200_000  # printing 200 000 numbers costs more than one instruction each
