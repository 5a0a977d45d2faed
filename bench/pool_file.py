"""The benchmarks' pool: the table form stored as tables of a DuckDB database file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa


def write_pool(con: Any, tables: Mapping[str, pa.Table]) -> None:
    """Store every table of the table form in ``con``'s DuckDB file (compressed column storage,
    as an analytic copy of the pool would be kept) and checkpoint it to disk."""
    for name, data in tables.items():
        con.con.register("lj_arrow", data)
        con.con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM lj_arrow')
        con.con.unregister("lj_arrow")
    con.con.execute("CHECKPOINT")
