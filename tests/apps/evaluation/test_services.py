"""Evaluation of the pool: stored runs, counts, results and explanations."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from lingjun.apps.divisions.services import divisions_seed
from lingjun.apps.enterprises.services import dossiers_apply
from lingjun.apps.evaluation import services
from lingjun.apps.evaluation.models import EvaluationResult, EvaluationRun
from lingjun.apps.evaluation.selectors.explanations import evaluation_explain
from lingjun.apps.evaluation.services import (
    INTERRUPTED,
    evaluation_of_pool,
    evaluation_run,
    evaluation_run_enqueue,
    evaluation_run_execute,
    evaluation_runs_interrupted,
    this_worker,
)
from lingjun.demo import generate_dossiers
from lingjun.rules.spec import RunSpec

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
        stored = EvaluationResult.objects
        assert stored.of(run, policy=pid, result="pass").count() == counts["pass"]
        assert stored.of(run, policy=pid, result="unknown").count() == counts["unknown"]
    # every tier has members in the demo district
    assert all(run.counts[p]["pass"] > 0 for p in ("tianjin.chuying.2021", "national.tech_sme.2017"))
    # 瞪羚 rests on provisional parameters: the run says so
    assert "tianjin.dengling.2021" in run.provisional

    fresh = {
        (r["uscc"], r["policy"]): r
        for r in evaluation_of_pool(
            spec=RunSpec.of(POLICIES, year=2025, as_of=AS_OF, inputs=CONFIRMED)
        ).to_records()
    }
    # the stored row of every enterprise: each policy's result and score, as the engine's records
    stored = {
        r.enterprise_id: r.results() for r in EvaluationResult.objects.filter(run=run).select_related("run")
    }
    assert len(stored) == 400
    for (u, pid), record in fresh.items():
        result, score = stored[u][pid]
        assert result == record["result"], (u, pid)
        if "score" in record and record["score"] is not None:
            assert score == Decimal(str(record["score"])).quantize(Decimal("0.01")), (u, pid)
        else:
            assert score is None, (u, pid)
    assert any(score is not None for by_policy in stored.values() for _r, score in by_policy.values())

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
    duck = evaluation_of_pool(spec=RunSpec.of(POLICIES, year=2025, as_of=AS_OF, inputs=CONFIRMED))
    other = evaluation_of_pool(
        engine=engine, spec=RunSpec.of(POLICIES, year=2025, as_of=AS_OF, inputs=CONFIRMED)
    )
    key = lambda r: (r["uscc"], r["policy"])  # noqa: E731
    assert sorted(other.to_records(), key=key) == sorted(duck.to_records(), key=key)


def _running(worker: str, *, minutes_ago: int = 0) -> EvaluationRun:
    run = EvaluationRun.objects.create(policies=POLICIES[:1], year=2025, as_of=AS_OF, worker=worker)
    if minutes_ago:
        started = timezone.now() - timedelta(minutes=minutes_ago)
        EvaluationRun.objects.filter(pk=run.pk).update(started_at=started)
    return run


def test_runs_left_running_by_a_stopped_server_are_marked_interrupted():
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    host = socket.gethostname()
    try:
        dead = _running(f"{host}:{gone.pid}")
        same_pid = _running(this_worker())  # a restarted container's server has its predecessor's pid
        unclaimed = _running("", minutes_ago=5)  # accepted, never taken up
        live = _running(f"{host}:{alive.pid}")
        elsewhere = _running("another-host:1")  # a server on another host sharing the database
        just_started = _running("")
        assert sorted(evaluation_runs_interrupted()) == sorted([dead.pk, same_pid.pk, unclaimed.pk])
    finally:
        alive.kill()
        alive.wait()
    for run in (dead, same_pid, unclaimed):
        run.refresh_from_db()
        assert (run.status, run.error) == (EvaluationRun.Status.FAILED, INTERRUPTED) and run.finished_at
    for run in (live, elsewhere, just_started):
        run.refresh_from_db()
        assert run.status == EvaluationRun.Status.RUNNING
    # the live worker has stopped since (killed above): now its run is interrupted, and only it
    assert evaluation_runs_interrupted() == [live.pk]
    assert evaluation_runs_interrupted() == []


def test_a_run_this_process_is_evaluating_is_not_interrupted(monkeypatch):
    run = _running("")
    seen = {}

    def evaluate_while_checking(**kwargs):
        seen["interrupted"] = evaluation_runs_interrupted(unclaimed_after=timedelta(0))
        seen["worker"] = EvaluationRun.objects.get(pk=run.pk).worker
        raise RuntimeError("stop here")

    monkeypatch.setattr(services, "evaluation_of_pool", evaluate_while_checking)
    with pytest.raises(RuntimeError):
        evaluation_run_execute(run=run)
    assert seen == {"interrupted": [], "worker": this_worker()}
    run.refresh_from_db()
    assert (run.status, run.error) == (EvaluationRun.Status.FAILED, "stop here")


def test_queued_runs_are_evaluated_one_at_a_time_in_the_order_started(monkeypatch):
    lock = threading.Lock()
    state = {"now": 0, "most": 0}
    begun: list[int] = []

    def evaluate_slowly(**kwargs):
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        begun.append(EvaluationRun.objects.filter(begun_at__isnull=False, status="running").get().pk)
        time.sleep(0.2)
        with lock:
            state["now"] -= 1
        raise RuntimeError("evaluated")

    monkeypatch.setattr(services, "evaluation_of_pool", evaluate_slowly)
    runs = [_running(this_worker()) for _ in range(3)]
    for run in runs:
        evaluation_run_enqueue(run=run)
    assert evaluation_runs_interrupted() == []  # waiting in this process's queue: not interrupted
    deadline = time.monotonic() + 30
    while EvaluationRun.objects.filter(status="running").exists():
        assert time.monotonic() < deadline, "the queue did not finish"
        time.sleep(0.05)
    assert begun == [r.pk for r in runs] and state["most"] == 1
    assert set(EvaluationRun.objects.values_list("error", flat=True)) == {"evaluated"}


def test_runs_on_the_pool_reuse_the_compiled_query_and_see_the_current_data(demo_pool):
    """Every run opens a new connection over the pool: the SQL is compiled once, the data is read anew."""
    from lingjun.rules.querycache import QUERIES

    QUERIES.clear()
    chuying = "tianjin.chuying.2021"
    first = {
        r["uscc"]: r
        for r in evaluation_of_pool(spec=RunSpec.of([chuying], year=2025, as_of=AS_OF)).to_records()
    }
    passed = next(u for u, r in first.items() if r["result"] == "pass")
    dossier = next(d for d in demo_pool if d["uscc"] == passed)
    for row in dossier["annual"]:
        row["operating_revenue"] = Decimal(0)
    dossiers_apply(dossiers=[dossier], user=None, source="import")
    second = {
        r["uscc"]: r
        for r in evaluation_of_pool(spec=RunSpec.of([chuying], year=2025, as_of=AS_OF)).to_records()
    }
    assert (QUERIES.hits, QUERIES.misses) == (1, 1)
    assert second[passed]["result"] == "fail"
    assert {u: r["result"] for u, r in second.items() if u != passed} == {
        u: r["result"] for u, r in first.items() if u != passed
    }
