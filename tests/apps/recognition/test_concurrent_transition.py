"""Two officers acting on one application at once: exactly one transition happens, the other is
told clearly (real concurrent connections on PostgreSQL: two threads, each its own connection)."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from django.db import connection, connections

from lingjun.apps.recognition.models import Application, Transition
from lingjun.apps.recognition.services import (
    ApplicationChanged,
    application_create,
    application_transition,
    evidence_store,
)

from .conftest import upload

pytestmark = pytest.mark.django_db(transaction=True)


def _act(barrier: threading.Barrier, outcomes: list[Any], i: int, app_pk: int, code: str, user: Any) -> None:
    try:
        app = Application.objects.get(pk=app_pk)  # both load it in 区科技局审查
        barrier.wait()
        application_transition(
            application=app, transition=code, user=user, comment="意见", expected_phase="district_review"
        )
        outcomes[i] = "done"
    except ApplicationChanged as exc:
        outcomes[i] = exc
    finally:
        connections.close_all()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor == "sqlite", reason="concurrent connections with row locks: PostgreSQL")
def test_two_simultaneous_transitions_exactly_one_succeeds(make_batch, firm, roles):
    batch = make_batch("chuying", skip_town=True)
    for attempt in range(5):
        if attempt:
            firm_app = Application.objects.get(batch=batch, enterprise=firm)
            application_transition(application=firm_app, transition="resubmit", user=roles["firm"])
        else:
            app = application_create(batch=batch, enterprise=firm, user=roles["firm"], today=date(2026, 6, 1))
            evidence_store(application=app, upload=upload(), user=roles["firm"])
            application_transition(application=app, transition="submit", user=roles["firm"])
        app = Application.objects.get(batch=batch, enterprise=firm)
        assert app.phase == "district_review"
        before = Transition.objects.filter(application=app).count()
        barrier = threading.Barrier(2)
        outcomes: list[Any] = [None, None]
        threads = [
            threading.Thread(target=_act, args=(barrier, outcomes, 0, app.pk, "return", roles["staff"])),
            threading.Thread(target=_act, args=(barrier, outcomes, 1, app.pk, "return", roles["staff2"])),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(o == "done" for o in outcomes) == [False, True], outcomes
        winner = outcomes.index("done")
        loser = outcomes[1 - winner]
        assert isinstance(loser, ApplicationChanged)
        names = ["区局科员", "区局科员乙"]
        assert f"该申报已被{names[winner]}办理（现处于“退回修改”环节）" in loser.message
        app.refresh_from_db()
        assert app.phase == "returned"
        assert Transition.objects.filter(application=app).count() == before + 1  # one audit row, the winner's
