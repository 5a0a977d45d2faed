"""Evaluation of the pool: stored runs, counts, results and explanations."""

from __future__ import annotations

from datetime import date

import pytest

from lingjun.apps.enterprises.services import divisions_seed, dossiers_apply
from lingjun.apps.evaluation.models import EvaluationResult, EvaluationRun
from lingjun.apps.evaluation.services import evaluation_explain, evaluation_of_pool, evaluation_run
from lingjun.dossier.demo import generate_dossiers

pytestmark = pytest.mark.django_db(transaction=True)

POLICIES = ["tianjin.chuying.2021", "national.tech_sme.2017", "national.hnte.2016", "tianjin.dengling.2021"]
AS_OF = date(2025, 6, 30)
#: the officer's confirmation that no enterprise is in a prohibited sector (not in the dossier)
CONFIRMED = {"national.tech_sme.2017.prohibited_sector": False}


@pytest.fixture
def demo_pool() -> list[dict]:
    divisions_seed()
    dossiers = list(generate_dossiers(n=400, seed=21, year=2024))
    dossiers_apply(dossiers=dossiers, user=None, source="import")
    return dossiers


def test_run_stores_counts_results_and_explanations(demo_pool, tmp_path, settings):
    settings.LINGJUN_HOME = tmp_path
    run = evaluation_run(policies=POLICIES, year=2025, as_of=AS_OF, inputs=CONFIRMED)
    assert run.inputs == CONFIRMED
    assert run.status == EvaluationRun.Status.DONE and run.enterprise_count == 400
    assert set(run.counts) == set(POLICIES)
    for pid, counts in run.counts.items():
        assert sum(counts.values()) == 400
        stored = EvaluationResult.objects.filter(run=run, policy=pid)
        assert stored.filter(result="pass").count() == counts["pass"]
        assert stored.filter(result="unknown").count() == counts["unknown"]
    # every tier has members in the demo district
    assert all(run.counts[p]["pass"] > 0 for p in ("tianjin.chuying.2021", "national.tech_sme.2017"))
    # 瞪羚 rests on provisional parameters: the run says so
    assert "tianjin.dengling.2021" in run.provisional

    fresh = {
        (r["uscc"], r["policy"]): r
        for r in evaluation_of_pool(policies=POLICIES, year=2025, as_of=AS_OF, inputs=CONFIRMED).to_records()
    }
    uscc = demo_pool[7]["uscc"]
    explained = evaluation_explain(run=run, uscc=uscc)
    assert [r["policy"] for r in explained] == POLICIES
    for record in explained:
        assert record == fresh[(uscc, record["policy"])]


def test_overrides_are_recorded_and_change_the_outcome(demo_pool, tmp_path, settings):
    settings.LINGJUN_HOME = tmp_path
    base = evaluation_run(policies=["tianjin.chuying.2021"], year=2025, as_of=AS_OF)
    strict = evaluation_run(
        policies=["tianjin.chuying.2021"],
        year=2025,
        as_of=AS_OF,
        overrides={"tianjin.chuying.2021.revenue_min": "100000"},
    )
    assert strict.overrides == {"tianjin.chuying.2021.revenue_min": "100000"}
    assert strict.counts["tianjin.chuying.2021"]["pass"] < base.counts["tianjin.chuying.2021"]["pass"]


def test_without_the_sector_confirmation_tech_sme_stays_unknown(demo_pool, tmp_path, settings):
    settings.LINGJUN_HOME = tmp_path
    run = evaluation_run(policies=["national.tech_sme.2017"], year=2025, as_of=AS_OF)
    assert run.counts["national.tech_sme.2017"]["pass"] == 0
    assert run.counts["national.tech_sme.2017"]["unknown"] > 0


def _engines() -> list:
    from django.conf import settings

    engines = [pytest.param("spark", marks=pytest.mark.spark)]
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        engines.append(pytest.param("postgres", marks=pytest.mark.postgres))
    return engines


@pytest.mark.parametrize("engine", _engines())
def test_every_engine_gives_the_same_results_on_the_pool(demo_pool, engine):
    duck = evaluation_of_pool(policies=POLICIES, year=2025, as_of=AS_OF, inputs=CONFIRMED)
    other = evaluation_of_pool(policies=POLICIES, year=2025, as_of=AS_OF, inputs=CONFIRMED, engine=engine)
    key = lambda r: (r["uscc"], r["policy"])  # noqa: E731
    assert sorted(other.to_records(), key=key) == sorted(duck.to_records(), key=key)
