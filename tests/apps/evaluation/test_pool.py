"""The pool read as the engine's input equals the table form of the same dossiers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from tests.factories import build_dossier

from lingjun.apps.enterprises.services import dossiers_apply
from lingjun.apps.evaluation.pool import pool_arrow, select_sql
from lingjun.dossier.tables import ARROW_SCHEMAS, dossiers_to_arrow

# the engine reads through its own connection, so the rows must be committed
pytestmark = pytest.mark.django_db(transaction=True)


def _sorted(table):
    keys = [(c, "ascending") for c in table.column_names if c != "title"]
    return table.sort_by(keys)


def test_pool_tables_equal_the_table_form_of_the_dossiers():
    dossiers = [build_dossier(1), build_dossier(2, park="武清区开发区", registered_on=None)]
    dossiers[1]["registered_on"] = build_dossier(1)["registered_on"]
    dossiers[1]["annual"][0]["operating_revenue"] = None  # unknown stays unknown (null), not 0
    dossiers_apply(dossiers=dossiers, user=None, source="import")
    got = pool_arrow()
    assert not list((Path(settings.LINGJUN_HOME) / "tmp").glob("pool-*"))  # the snapshot is gone
    want = dossiers_to_arrow(dossiers)
    assert set(got) == set(ARROW_SCHEMAS)
    for name, schema in ARROW_SCHEMAS.items():
        assert got[name].schema.equals(schema), name
        assert _sorted(got[name]).equals(_sorted(want[name])), name
    assert got["annual"].column("operating_revenue").null_count == 1


def test_text_with_quotes_commas_and_line_breaks_reads_back_unchanged():
    """PostgreSQL's pool is read as CSV (COPY): quoting, empty fields and line breaks survive."""
    dossier = build_dossier(1)
    dossier["projects"][0]["title"] = '“智能”传感器,"一期"\n二期\r\n三期'
    dossier["ip"][0]["title"] = "a,b"
    dossiers_apply(dossiers=[dossier, build_dossier(2)], user=None, source="import")
    got = pool_arrow()
    want = dossiers_to_arrow([dossier, build_dossier(2)])
    for name in ("projects", "ip", "enterprise"):
        assert _sorted(got[name]).equals(_sorted(want[name])), name
    assert '“智能”传感器,"一期"\n二期\r\n三期' in got["projects"].column("title").to_pylist()


def test_select_sql_casts_to_the_table_form_types():
    sql = select_sql("annual", source="lj_pool.", from_sqlite=True)
    assert "CAST(ROUND(rd_expense, 4) AS DECIMAL(18, 4)) AS rd_expense" in sql
    assert sql.endswith("FROM lj_pool.lj_annual")


CRASH = """
import os, sys
os.environ["LINGJUN_HOME"] = sys.argv[1]
os.environ["DJANGO_SETTINGS_MODULE"] = "lingjun.settings"
import django
django.setup()
from datetime import date
from django.core.management import call_command
from django.db import connection, transaction
from lingjun.apps.enterprises.services import dossiers_apply
from lingjun.apps.divisions.services import divisions_seed
from lingjun.apps.evaluation.services import evaluation_of_pool
from lingjun.demo import generate_dossiers
from lingjun.rules import RunSpec

# 6 000 pages in one transaction: the WAL index outgrows its first 32 KiB region
FILL = (
    "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 6000) "
    "INSERT INTO filler SELECT randomblob(4000) FROM c"
)
call_command("migrate", interactive=False, verbosity=0)
divisions_seed()
dossiers_apply(dossiers=list(generate_dossiers(n=200, seed=3, year=2024)), user=None, source="import")
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE filler (b BLOB)")
with transaction.atomic(), connection.cursor() as cursor:
    cursor.execute(FILL)
with connection.cursor() as cursor:  # a small write: the WAL starts again from its first frame
    cursor.execute("INSERT INTO filler VALUES (x'00')")
evaluation = evaluation_of_pool(spec=RunSpec.of(["tianjin.chuying.2021"], year=2025, as_of=date(2025, 6, 30)))
assert evaluation.table.num_rows == 200
with transaction.atomic(), connection.cursor() as cursor:  # SIGBUS here when DuckDB opened the live file
    cursor.execute(FILL)
print("ok")
"""


def test_reading_the_pool_does_not_break_the_web_apps_own_sqlite_connection(tmp_path):
    """Regression: DuckDB read the live SQLite file with its own copy of SQLite, which truncated the
    WAL index the app's connection had mapped (POSIX locks are per process, so it took itself for
    the only reader): the app's next large write died of SIGBUS (a run of 6 policies on 20 000
    enterprises did). The engine now reads a snapshot copied by the app's own SQLite library."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    proc = subprocess.run(
        [sys.executable, "-c", CRASH, str(tmp_path)], env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), (proc.returncode, proc.stderr[-2000:])


def test_snapshots_left_by_dead_processes_are_swept_and_live_ones_kept(tmp_path: Path):
    """Regression (issue #12, leftovers): a killed run left ``tmp/pool-*.sqlite3`` that no restart
    removed. Snapshots carry their process id; a sweep (each new snapshot, each worker start)
    deletes those of processes that no longer exist."""
    import time

    from lingjun.apps.evaluation.pool import pool_snapshots_sweep

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(dead.stdout)
    left = tmp_path / f"pool-{dead_pid}-abc123.sqlite3"
    mine = tmp_path / f"pool-{os.getpid()}-def456.sqlite3"
    old_style = tmp_path / "pool-xyz789.sqlite3"
    recent_old_style = tmp_path / "pool-uvw000.sqlite3"
    for path in (left, mine, old_style, recent_old_style):
        path.write_bytes(b"x")
    day_ago = time.time() - 25 * 3600
    os.utime(old_style, (day_ago, day_ago))
    removed = pool_snapshots_sweep(folder=tmp_path)
    assert sorted(removed) == sorted([left, old_style])
    assert mine.exists() and recent_old_style.exists() and not left.exists()
