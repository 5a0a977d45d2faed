"""Lost updates: two officers saving one dossier at once never both see 已保存.

The version check and the write are one step (a row lock inside the save's transaction), tested
with real concurrent connections on PostgreSQL: two threads, each its own connection, start the
same save from the same loaded version; exactly one wins, the other is told who changed what.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from lingjun.apps.enterprises.selectors import dossier_version, dossiers_load
from lingjun.apps.enterprises.services import DossierChanged, dossier_edit_submit

pytestmark = pytest.mark.django_db(transaction=True)


def _save(
    barrier: threading.Barrier, outcomes: list[Any], i: int, dossier: Any, user: Any, version: str
) -> None:
    """One officer's save, in its own thread (so its own database connection)."""
    try:
        barrier.wait()
        dossier_edit_submit(dossier=dossier, user=user, source="form", expected_version=version)
        outcomes[i] = "saved"
    except DossierChanged as exc:
        outcomes[i] = exc
    finally:
        connections.close_all()


def _sqlite() -> bool:
    return connection.vendor == "sqlite"


@pytest.mark.postgres
@pytest.mark.skipif(_sqlite(), reason="concurrent connections with row locks: PostgreSQL")
def test_conflicting_concurrent_saves_never_both_succeed(pool, make_user):
    uscc = pool[0]
    officers = [make_user("district_staff", full_name=f"科员{i}") for i in range(2)]
    for attempt in range(10):
        loaded = dossiers_load(usccs=[uscc])[uscc]
        version = dossier_version(loaded)
        barrier = threading.Barrier(2)
        outcomes: list[Any] = [None, None]
        names = [f"天津并发{attempt}甲科技有限公司", f"天津并发{attempt}乙科技有限公司"]
        threads = [
            threading.Thread(
                target=_save, args=(barrier, outcomes, i, {**loaded, "name": names[i]}, officers[i], version)
            )
            for i in range(2)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(o == "saved" for o in outcomes) == [False, True], outcomes
        winner = outcomes.index("saved")
        loser = outcomes[1 - winner]
        assert isinstance(loser, DossierChanged)
        assert [r.label for r in loser.latest] == ["企业名称"] and loser.latest[0].user == officers[winner]
        assert dossiers_load(usccs=[uscc])[uscc]["name"] == names[winner]  # the winner's change stands


def test_a_save_from_an_old_version_is_refused_with_what_changed(pool, make_user):
    uscc = pool[0]
    first, second = make_user("district_staff", full_name="张科员"), make_user("district_staff")
    loaded = dossiers_load(usccs=[uscc])[uscc]
    version = dossier_version(loaded)
    dossier_edit_submit(
        dossier={**loaded, "name": "天津张改科技有限公司"},
        user=first,
        source="form",
        expected_version=version,
    )
    with pytest.raises(DossierChanged) as info:
        dossier_edit_submit(
            dossier={**loaded, "park": None}, user=second, source="form", expected_version=version
        )
    assert [r.label for r in info.value.latest] == ["企业名称"] and info.value.latest[0].user == first
    assert dossiers_load(usccs=[uscc])[uscc]["name"] == "天津张改科技有限公司"
