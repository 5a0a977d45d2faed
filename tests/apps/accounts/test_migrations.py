"""accounts 0003: the users there are when the upgrade runs start their password clock then (the
expiry of staff passwords does not send everybody to 修改密码 the morning after the upgrade)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from lingjun.apps.accounts.models import User
from lingjun.apps.accounts.selectors import password_expired

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("accounts", "0002_initial")]
AFTER = [("accounts", "0003_password_changed_at")]


def _migrate(target: list[tuple[str, str]]) -> object:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def test_existing_users_start_their_password_clock_at_the_upgrade():
    old = _migrate(BEFORE)
    OldUser = old.get_model("accounts", "User")  # type: ignore[attr-defined]
    OldUser.objects.create(
        username="keji", password=make_password("Zx9!correct-horse"), role="district_staff"
    )
    OldUser.objects.create(username="nologin", password=make_password(None), role="district_staff")
    try:
        _migrate(AFTER)
        keji, nologin = User.objects.get(username="keji"), User.objects.get(username="nologin")
        assert keji.password_changed_at is not None
        assert timezone.now() - keji.password_changed_at < timedelta(minutes=5)
        assert nologin.password_changed_at is None  # no usable password: nothing to expire
        assert not password_expired(user=keji, now=timezone.now())
        assert password_expired(user=keji, now=timezone.now() + timedelta(days=91))
    finally:
        _migrate(AFTER)
