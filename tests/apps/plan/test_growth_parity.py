"""Growth monitoring agrees with the rules library: on a generated district, the monitoring's HNTE
growth rates and three-year R&D intensity equal the HNTE policy's own metrics (the rules engine's
``hnte_growth`` and ``sum_years``) for the application year after the data year."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from lingjun.apps.plan.growth import data_year, indicators
from lingjun.demo import generate_dossiers
from lingjun.dossier.tables import dossiers_to_arrow
from lingjun.rules.engines import connect, register_tables
from lingjun.rules.run import evaluate_dossiers
from lingjun.rules.spec import RunSpec

AS_OF = date(2025, 10, 15)  # data year 2024: the HNTE application year 2025 reads 2022-2024
NO_MEMBERS = pa.table(
    {
        "uscc": pa.array([], pa.string()),
        "tier": pa.array([], pa.string()),
        "valid_until": pa.array([], pa.date32()),
    }
)


def test_the_monitorings_rates_equal_the_hnte_policys_metrics() -> None:
    y = data_year(AS_OF)
    dossiers = list(generate_dossiers(n=400, seed=3, year=y, today=date(y + 1, 6, 30)))
    tables = register_tables(connect("duckdb"), dossiers_to_arrow(dossiers))
    ours = {
        r["uscc"]: r for r in indicators(tables, as_of=AS_OF, members=NO_MEMBERS).to_pyarrow().to_pylist()
    }
    ev = evaluate_dossiers(
        dossiers, spec=RunSpec.of(["national.hnte.2016"], year=y + 1, as_of=date(y + 1, 6, 30))
    )
    theirs = {r["uscc"]: r for r in ev.to_arrow().to_pylist()}
    compared = {"sales_growth": 0, "net_asset_growth": 0, "rd_intensity": 0}
    for uscc, row in ours.items():
        metric = theirs[uscc]
        for ours_name, metric_name in (
            ("sales_growth", "sales_growth_rate"),
            ("net_asset_growth", "net_asset_growth_rate"),
            ("rd_intensity", "rd_intensity_3y"),
        ):
            mine, library = row[ours_name], metric[f"national.hnte.2016.metric.{metric_name}"]
            if mine is None:  # the monitoring leaves a non-positive base out; the library's zero-base rules
                continue
            assert library is not None, (uscc, ours_name)
            assert mine == pytest.approx(float(library), rel=1e-9, abs=1e-9), (uscc, ours_name, mine, library)
            compared[ours_name] += 1
    assert min(compared.values()) > 200, compared
