"""Who sees which runs, and each run's counts over the user's jurisdiction."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from lingjun.apps.evaluation.models import EvaluationRun
from lingjun.apps.evaluation.selectors import runs as selectors
from lingjun.apps.evaluation.selectors.runs import run_counts, run_estimate, run_queue_ahead, runs_visible_to

pytestmark = pytest.mark.django_db

CHUYING, TECH = "tianjin.chuying.2021", "national.tech_sme.2017"


def test_runs_visible_by_role(three, make_user, make_run):
    what_if = make_run(
        {three.results.first().enterprise_id: {CHUYING: "fail"}}, overrides={f"{CHUYING}.revenue_min": "1"}
    )
    assert set(runs_visible_to(make_user("district_staff"))) == {three, what_if}
    assert set(runs_visible_to(make_user("town_officer", town="梅厂镇"))) == {three, what_if}
    own = three.results.first().enterprise_id
    assert list(runs_visible_to(make_user("enterprise", enterprise_uscc=own))) == [three]
    assert not runs_visible_to(make_user("department", department="区财政局")).exists()


def test_counts_are_over_the_users_jurisdiction(three, pool, make_user, monkeypatch):
    def as_dict(user: Any) -> dict[str, tuple[int, int, int]]:
        return {c.policy: (c.passed, c.failed, c.unknown) for c in run_counts(user=user, run=three)}

    assert as_dict(make_user("district_staff")) == {CHUYING: (2, 1, 0), TECH: (1, 1, 1)}
    town = make_user("town_officer", town="杨村街道")
    assert as_dict(town) == {CHUYING: (1, 1, 0), TECH: (0, 1, 1)}
    monkeypatch.setattr(selectors, "SMALL_SCOPE", 0)  # a large jurisdiction: counted by a subquery
    assert as_dict(town) == {CHUYING: (1, 1, 0), TECH: (0, 1, 1)}
    assert as_dict(make_user("town_officer", park="武清区开发区")) == {CHUYING: (0, 1, 0), TECH: (0, 0, 1)}
    assert as_dict(make_user("enterprise", enterprise_uscc=pool[2])) == {CHUYING: (1, 0, 0), TECH: (1, 0, 0)}


def test_the_progress_estimate_is_the_previous_run_on_the_same_engine(three):
    EvaluationRun.objects.filter(pk=three.pk).update(seconds=42.0)
    running = EvaluationRun.objects.create(policies=[CHUYING], year=2025, as_of=date(2025, 6, 30))
    assert run_estimate(running) == 42.0
    spark = EvaluationRun.objects.create(
        policies=[CHUYING], year=2025, as_of=date(2025, 6, 30), engine="spark"
    )
    assert run_estimate(spark) is None


def test_a_run_that_began_since_it_was_read_has_nobody_ahead(three):
    """Regression: the page read a waiting run, the queue began it, and the count of runs ahead
    included the run itself (a flaky "1 run ahead" while polling)."""
    waiting = EvaluationRun.objects.create(
        policies=[CHUYING], year=2025, as_of=date(2025, 6, 30), worker="host:1"
    )
    EvaluationRun.objects.filter(pk=waiting.pk).update(begun_at=timezone.now())
    assert waiting.begun_at is None  # the page's copy, read before
    assert run_queue_ahead(waiting) == 0
