"""Fixtures of the web tests: logged-in clients for every role over the shared three-enterprise pool."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from lingjun.apps.enterprises.models import Enterprise


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
    by_uscc = dict(Enterprise.objects.values_list("uscc", "pk"))
    return [by_uscc[u] for u in pool]


@pytest.fixture
def staff(make_user: Callable[..., Any]) -> Any:
    return make_user("district_staff", full_name="张科员")


@pytest.fixture
def staff_client(staff: Any, client_as: Callable[[Any], Client]) -> Client:
    return client_as(staff)
