"""Evaluation of the pool: stored runs, counts, results and explanations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lingjun.apps.divisions.services import divisions_seed
from lingjun.apps.enterprises.services import dossiers_apply
from lingjun.apps.evaluation import services
from lingjun.apps.evaluation.models import EvaluationResult, EvaluationRun
from lingjun.apps.evaluation.selectors.explanations import evaluation_explain
from lingjun.apps.evaluation.services import (
    evaluation_of_pool,
    evaluation_run,
    evaluation_run_cancel,
    evaluation_run_enqueue,
    evaluation_run_execute,
    evaluation_run_start,
)
from lingjun.apps.evaluation.tasks import evaluation_run_task
from lingjun.apps.jobs.models import Job
from lingjun.apps.jobs.services import job_cancel
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


def _started(**extra) -> EvaluationRun:
    return evaluation_run_start(policies=POLICIES, year=2025, as_of=AS_OF, inputs=CONFIRMED, **extra)


def _result_rows(run: EvaluationRun) -> list[tuple[str, str]]:
    """(enterprise, its outcomes) of every stored row of a run: one row per enterprise."""
    return list(EvaluationResult.objects.filter(run=run).values_list("enterprise_id", "outcomes"))


def test_a_run_executed_again_after_its_results_changes_nothing(demo_pool, tmp_path, settings):
    settings.LINGJUN_HOME = tmp_path
    run = evaluation_run(policies=POLICIES, year=2025, as_of=AS_OF, inputs=CONFIRMED)
    before = (run.finished_at, run.seconds, sorted(_result_rows(run)))
    again = evaluation_run_execute(run=EvaluationRun.objects.get(pk=run.pk))  # a task delivered twice
    assert (again.finished_at, again.seconds, sorted(_result_rows(again))) == before
    assert len(before[2]) == len(set(before[2])) == 400


def test_a_run_found_half_done_is_redone_from_scratch(demo_pool, tmp_path, settings):
    """Rows an attempt left behind are deleted in the transaction that inserts the full set."""
    settings.LINGJUN_HOME = tmp_path
    run = evaluation_run(policies=POLICIES, year=2025, as_of=AS_OF, inputs=CONFIRMED)
    full = sorted(_result_rows(run))
    kept = EvaluationResult.objects.filter(run=run).values_list("pk", flat=True)[:150]
    EvaluationResult.objects.filter(run=run).exclude(pk__in=list(kept)).delete()
    EvaluationRun.objects.filter(pk=run.pk).update(status=EvaluationRun.Status.RUNNING, counts={})
    stale = tmp_path / "runs" / f"run-{run.pk}.parquet.999999.part"  # the file of a killed worker
    stale.write_bytes(b"half")
    redone = evaluation_run_execute(run=run)
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [f"run-{run.pk}.parquet"]
    assert redone.status == EvaluationRun.Status.DONE
    assert sorted(_result_rows(redone)) == full and len(full) == 400


def test_a_run_queued_as_a_job_stores_its_results_and_reports_its_steps(demo_pool, tmp_path, settings):
    settings.LINGJUN_HOME = tmp_path
    run = _started()
    job = evaluation_run_enqueue(run=run)  # the immediate backend of the tests: evaluated here
    job.refresh_from_db()
    run.refresh_from_db()
    assert (job.kind, job.subject_id, job.status) == (Job.Kind.EVALUATION, run.pk, Job.Status.DONE)
    assert job.progress == 1.0 and job.step == "已完成" and job.task_id and job.attempt == 1
    assert job.result == {"run": run.pk, "enterprises": 400}
    assert job.task_path == "lingjun.apps.evaluation.tasks.evaluation_run_task"
    assert run.status == EvaluationRun.Status.DONE and len(_result_rows(run)) == 400
    # the task of the same attempt delivered again: not claimed, nothing happens
    evaluation_run_task.call(job_id=job.pk, attempt=1)
    assert len(_result_rows(run)) == 400


def _cancel_while_evaluating(monkeypatch, action) -> list[str]:
    steps: list[str] = []
    real = services.evaluation_of_pool

    def evaluate_then_act(**kwargs):
        job = Job.objects.get(status=Job.Status.RUNNING)
        steps.append(job.step)
        action(job)  # what a user (or recovery) does while the pool is being evaluated
        return real(**kwargs)

    monkeypatch.setattr(services, "evaluation_of_pool", evaluate_then_act)
    return steps


def test_a_run_cancelled_while_evaluating_stops_at_the_next_stage_and_stores_nothing(
    demo_pool, tmp_path, settings, monkeypatch
):
    settings.LINGJUN_HOME = tmp_path
    steps = _cancel_while_evaluating(monkeypatch, lambda job: job_cancel(job=job))
    run = _started()
    job = evaluation_run_enqueue(run=run)
    job.refresh_from_db()
    run.refresh_from_db()
    assert steps == ["正在读取企业库并按政策计算"]
    assert (job.status, job.step, job.cancel_requested) == (Job.Status.CANCELLED, "已取消", True)
    assert run.status == EvaluationRun.Status.CANCELLED and run.finished_at and run.error == ""
    assert _result_rows(run) == [] and list((tmp_path / "runs").iterdir()) == []


def test_an_attempt_superseded_while_evaluating_stores_nothing(demo_pool, tmp_path, settings, monkeypatch):
    """Recovery took the worker for dead and queued the job again: the old attempt must not store."""
    settings.LINGJUN_HOME = tmp_path
    _cancel_while_evaluating(
        monkeypatch, lambda job: Job.objects.filter(pk=job.pk).update(attempt=2, status=Job.Status.QUEUED)
    )
    run = _started()
    job = evaluation_run_enqueue(run=run)
    job.refresh_from_db()
    run.refresh_from_db()
    assert (job.status, job.attempt) == (Job.Status.QUEUED, 2)  # the retry's to run
    assert run.status == EvaluationRun.Status.RUNNING and _result_rows(run) == []


def test_a_waiting_run_is_cancelled_at_once_and_its_task_does_nothing(demo_pool, tmp_path, settings):
    settings.LINGJUN_HOME = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # never runs
    run = _started()
    job = evaluation_run_enqueue(run=run)
    cancelled = evaluation_run_cancel(run=run)
    job.refresh_from_db()
    assert cancelled.status == EvaluationRun.Status.CANCELLED and job.status == Job.Status.CANCELLED
    evaluation_run_task.call(job_id=job.pk, attempt=1)  # the worker gets to the task later
    run.refresh_from_db()
    assert run.status == EvaluationRun.Status.CANCELLED and _result_rows(run) == []


def test_a_failing_run_records_the_error_on_the_run_and_its_job(demo_pool, tmp_path, settings, monkeypatch):
    settings.LINGJUN_HOME = tmp_path

    def broken(**kwargs):
        raise RuntimeError("引擎不可用")

    monkeypatch.setattr(services, "evaluation_of_pool", broken)
    run = _started()
    job = evaluation_run_enqueue(run=run)
    job.refresh_from_db()
    run.refresh_from_db()
    assert (run.status, run.error) == (EvaluationRun.Status.FAILED, "引擎不可用")
    assert (job.status, job.error) == (Job.Status.FAILED, "引擎不可用")


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


def test_a_superseded_attempt_that_fails_leaves_the_run_to_the_retry(
    demo_pool, tmp_path, settings, monkeypatch
):
    settings.LINGJUN_HOME = tmp_path

    def superseded_then_broken(**kwargs):
        Job.objects.filter(status=Job.Status.RUNNING).update(attempt=2, status=Job.Status.QUEUED)
        raise RuntimeError("the old worker's evaluation broke")

    monkeypatch.setattr(services, "evaluation_of_pool", superseded_then_broken)
    run = _started()
    evaluation_run_enqueue(run=run)
    run.refresh_from_db()
    assert (run.status, run.error) == (EvaluationRun.Status.RUNNING, "")


def test_one_user_may_not_queue_runs_without_end(db, make_user, settings):
    """Regression (issue #12): an evaluator queued ten whole-pool runs in two seconds."""
    settings.LINGJUN_MAX_OPEN_RUNS = 2
    evaluator, other = make_user("evaluator"), make_user("district_staff")
    params = {"policies": ["tianjin.chuying.2021"], "year": 2025, "as_of": date(2025, 6, 30)}
    first = evaluation_run_start(**params, user=evaluator)
    evaluation_run_start(**params, user=evaluator)
    with pytest.raises(ValueError, match="您已有 2 个评价批次在排队或计算中"):
        evaluation_run_start(**params, user=evaluator)
    evaluation_run_start(**params, user=other)  # the limit is per user
    first.status = EvaluationRun.Status.DONE
    first.save()
    evaluation_run_start(**params, user=evaluator)  # a finished run frees its place
    assert EvaluationRun.objects.filter(user=evaluator).count() == 3
