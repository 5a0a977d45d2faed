from __future__ import annotations

import pytest
from tests.factories import build_dossier

from lingjun.apps.accounts.models import User
from lingjun.apps.enterprises.selectors import dossiers_load, enterprises_editable_by, enterprises_visible_to

pytestmark = pytest.mark.django_db


def visible(user: User) -> set[str]:
    return set(enterprises_visible_to(user).values_list("uscc", flat=True))


def test_district_wide_roles_see_everything(pool, make_user):
    for role in ("district_admin", "district_staff", "evaluator", "finance"):
        assert visible(make_user(role)) == set(pool)


def test_town_officer_sees_only_their_town(pool, make_user):
    assert visible(make_user("town_officer", town="梅厂镇")) == {pool[2]}
    assert visible(make_user("town_officer", town="杨村街道")) == {pool[0], pool[1]}


def test_park_officer_sees_only_their_park(pool, make_user):
    assert visible(make_user("town_officer", park="武清区开发区")) == {pool[1]}


def test_enterprise_user_sees_only_itself(pool, make_user):
    user = make_user("enterprise", enterprise_uscc=pool[1])
    assert visible(user) == {pool[1]}
    assert set(enterprises_editable_by(user).values_list("uscc", flat=True)) == {pool[1]}


def test_department_liaison_and_anonymous_see_nothing(pool, make_user):
    from django.contrib.auth.models import AnonymousUser

    assert visible(make_user("department", department="区财政局")) == set()
    assert not enterprises_visible_to(AnonymousUser()).exists()  # type: ignore[arg-type]


def test_read_only_roles_cannot_edit(pool, make_user):
    for role, extra in (("evaluator", {}), ("finance", {}), ("town_officer", {"town": "杨村街道"})):
        assert not enterprises_editable_by(make_user(role, **extra)).exists()


def test_inactive_user_sees_nothing(pool, make_user):
    user = make_user("district_admin")
    user.is_active = False
    assert visible(user) == set()


def test_dossiers_load_gives_back_the_canonical_dossier(pool):
    from lingjun.dossier.canonical import canonical_dossier

    loaded = dossiers_load(usccs=pool)
    assert loaded[pool[0]] == canonical_dossier(build_dossier(1))
    assert loaded[pool[1]]["park"] == "武清区开发区"
