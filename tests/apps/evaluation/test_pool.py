"""The pool read as the engine's input equals the table form of the same dossiers."""

from __future__ import annotations

import pytest
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
    want = dossiers_to_arrow(dossiers)
    assert set(got) == set(ARROW_SCHEMAS)
    for name, schema in ARROW_SCHEMAS.items():
        assert got[name].schema.equals(schema), name
        assert _sorted(got[name]).equals(_sorted(want[name])), name
    assert got["annual"].column("operating_revenue").null_count == 1


def test_select_sql_casts_to_the_table_form_types():
    sql = select_sql("annual", source="lj_pool.", from_sqlite=True)
    assert "CAST(ROUND(rd_expense, 4) AS DECIMAL(18, 4)) AS rd_expense" in sql
    assert sql.endswith("FROM lj_pool.lj_annual")
