"""Shared fixtures: dossier builders and users of every role."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from tests.factories import build_dossier


@pytest.fixture
def dossier_factory() -> Callable[..., dict[str, Any]]:
    return build_dossier


@pytest.fixture
def pool(db: Any) -> list[str]:
    """Three enterprises: two in 杨村街道 (one also in 武清区开发区), one in 梅厂镇."""
    from lingjun.apps.divisions.services import divisions_seed
    from lingjun.apps.enterprises.services import dossiers_apply

    divisions_seed()
    dossiers = [
        build_dossier(1),
        build_dossier(2, park="武清区开发区"),
        build_dossier(3, town="梅厂镇"),
    ]
    dossiers_apply(dossiers=dossiers, user=None, source="import")
    return [d["uscc"] for d in dossiers]


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    from lingjun.apps.accounts.services import user_create

    counter = iter(range(10_000))

    def make(role: str, **kwargs: Any) -> Any:
        uscc = kwargs.pop("enterprise_uscc", None)
        if uscc is not None:
            from lingjun.apps.enterprises.selectors import enterprise_id_by_uscc

            kwargs["enterprise_id"] = enterprise_id_by_uscc(uscc)
        return user_create(
            username=f"u{next(counter)}-{role}", password="Zx9!correct-horse", role=role, **kwargs
        )

    return make


def require_all_engines() -> bool:
    """CI sets LINGJUN_REQUIRE_ALL_ENGINES=1: a missing engine or browser fails instead of skipping."""
    return os.environ.get("LINGJUN_REQUIRE_ALL_ENGINES") == "1"


# ------------------------------------------------- logged-in clients (pages of every app)


@pytest.fixture
def client_as(db: Any) -> Callable[[Any], Client]:
    """A fresh test client logged in as ``user``."""

    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def pks(pool: list[str]) -> list[int]:
    """Primary keys of the ``pool`` enterprises, in the pool's order (杨村街道, 杨村街道+开发区, 梅厂镇)."""
    from lingjun.apps.enterprises.models import Enterprise

    by_uscc = dict(Enterprise.objects.values_list("uscc", "pk"))
    return [by_uscc[u] for u in pool]


@pytest.fixture
def staff(make_user: Callable[..., Any]) -> Any:
    return make_user("district_staff", full_name="张科员")


@pytest.fixture
def staff_client(staff: Any, client_as: Callable[[Any], Client]) -> Client:
    return client_as(staff)


IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _tasks_run_immediately(request: pytest.FixtureRequest) -> None:
    """Background jobs run inside the request that starts them (django-tasks' immediate backend);
    the tests about workers (tests/apps/jobs/) start real worker processes instead. Without
    pytest-django (``pytest -p no:django tests/rules``: the rules library needs no Django) there
    is nothing to set."""
    if not request.config.pluginmanager.has_plugin("django"):
        return
    request.getfixturevalue("settings").TASKS = IMMEDIATE_TASKS


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """On PostgreSQL, a session another thread or process left open in the test database makes
    dropping it fail at the very end ("is being accessed by other users", seen once in CI after
    1 380 passing tests). Before the drop, such sessions are listed on stderr (so the leak stays
    visible) and ended."""
    yield
    import sys

    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name, state, left(query, 200), backend_start FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        leaked = cursor.fetchall()
        for row in leaked:
            print(f"\nleft open in the test database: {row}", file=sys.stderr)
        if leaked:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
