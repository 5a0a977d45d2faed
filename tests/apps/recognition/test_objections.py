"""公示 objections: GB 11643 ID numbers, a unit's sealed document, late objections refused, every
objection resolved before 公告; an upheld objection takes the application off the list."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from lingjun.apps.recognition.models import Application, Batch, Objection
from lingjun.apps.recognition.services import (
    OBJECTION_LATE,
    RecognitionError,
    application_create,
    application_transition,
    batch_announce,
    batch_publicity_start,
    evidence_store,
    id_number_valid,
    objection_file,
    objection_resolve,
)

from .conftest import pass_checklist, upload


@pytest.mark.parametrize(
    "value",
    [
        "11010519491231002X",  # the standard's own example
        "11010519491231002x",  # a lower-case x is the same
        "440524188001010014",
        "110101199003074477",
    ],
)
def test_valid_id_numbers(value):
    assert id_number_valid(value)


@pytest.mark.parametrize(
    "value",
    [
        "110105194912310021",  # wrong check digit
        "11010519491231002",  # 17 characters
        "1101051949123100212",  # 19
        "11010519491331002X",  # month 13
        "11010519490230002X",  # 30 February
        "01010519491231002X",  # address code starting with 0
        "1101051949123100X2",  # X not at the end
        "",
        "ABCDEFGHIJKLMNOPQR",
    ],
)
def test_invalid_id_numbers(value):
    assert not id_number_valid(value)


@pytest.fixture
def listed(make_batch, firm, roles) -> Application:
    batch = make_batch("chuying", skip_town=True)
    app = application_create(batch=batch, enterprise=firm, user=roles["firm"], today=date(2026, 6, 1))
    evidence_store(application=app, upload=upload(), user=roles["firm"])
    app = application_transition(application=app, transition="submit", user=roles["firm"])
    pass_checklist(app, roles["staff"])
    app = application_transition(application=app, transition="approve", user=roles["staff"])
    app = application_transition(application=app, transition="municipal_pass", user=roles["evaluator"])
    batch_publicity_start(batch=batch, starts_on=date(2026, 6, 8), user=roles["staff"])  # to 16 June
    app.refresh_from_db()
    return app


def _person(app: Any, user: Any, **kw: Any) -> Objection:
    values: dict[str, Any] = {
        "kind": "person",
        "name": "王某某",
        "id_number": "11010519491231002X",
        "contact": "13800000000",
        "content": "营业收入数据不实",
        "received_on": date(2026, 6, 10),
    }
    values.update(kw)
    return objection_file(application=app, user=user, **values)


def test_a_person_needs_a_real_name_and_a_valid_id_number(listed, roles):
    with pytest.raises(RecognitionError) as info:
        _person(listed, roles["staff"], id_number="110105194912310021")
    assert info.value.code == "id_number" and "GB 11643" in info.value.message
    with pytest.raises(RecognitionError) as info:
        _person(listed, roles["staff"], name="王")
    assert info.value.code == "name"
    assert _person(listed, roles["staff"], id_number="11010519491231002x").id_number == "11010519491231002X"


def test_a_unit_needs_a_sealed_document(listed, roles):
    with pytest.raises(RecognitionError) as info:
        objection_file(
            application=listed,
            kind="unit",
            name="天津某某科技有限公司",
            contact="022-12345678",
            content="知识产权权属有争议",
            received_on=date(2026, 6, 9),
            user=roles["staff"],
        )
    assert info.value.code == "seal"
    objection = objection_file(
        application=listed,
        kind="unit",
        name="天津某某科技有限公司",
        contact="022-12345678",
        content="知识产权权属有争议",
        received_on=date(2026, 6, 9),
        user=roles["staff"],
        document=upload("异议函（盖章）.pdf"),
    )
    assert objection.document is not None and objection.document.kind == "objection"


def test_an_objection_after_the_end_date_is_refused(listed, roles):
    with pytest.raises(RecognitionError) as info:
        _person(listed, roles["staff"], received_on=date(2026, 6, 17))
    assert info.value.message == OBJECTION_LATE.format(ends=date(2026, 6, 16), received=date(2026, 6, 17))
    assert _person(listed, roles["staff"], received_on=date(2026, 6, 16)).pk  # the last day is in time


def test_an_unresolved_objection_blocks_the_announcement(listed, roles):
    objection = _person(listed, roles["staff"])
    batch = listed.batch
    with pytest.raises(RecognitionError) as info:
        batch_announce(batch=batch, user=roles["staff"], today=date(2026, 6, 20))
    assert info.value.code == "objections" and listed.enterprise.name in info.value.message
    with pytest.raises(RecognitionError) as info:  # an outcome needs its reasons
        objection_resolve(objection=objection, outcome="dismissed", note="", user=roles["staff"])
    assert info.value.code == "outcome"
    objection_resolve(objection=objection, outcome="dismissed", note="经核查属实", user=roles["staff"])
    with pytest.raises(RecognitionError):  # resolved once only
        objection_resolve(objection=objection, outcome="upheld", note="改判", user=roles["staff"])
    batch_announce(batch=batch, user=roles["staff"], today=date(2026, 6, 20))
    batch.refresh_from_db()
    assert batch.status == Batch.Status.ANNOUNCED


def test_an_upheld_objection_takes_the_application_off_the_list(listed, roles):
    objection = _person(listed, roles["staff"])
    objection_resolve(objection=objection, outcome="upheld", note="经核查收入数据不实", user=roles["staff"])
    listed.refresh_from_db()
    assert listed.phase == "rejected"
    assert list(listed.transitions.values_list("code", flat=True))[-2:] == ["object", "objection_upheld"]


def test_two_objections_both_need_an_outcome(listed, roles):
    first = _person(listed, roles["staff"])
    second = _person(listed, roles["staff"], name="李某某", id_number="440524188001010014")
    objection_resolve(objection=first, outcome="dismissed", note="不实", user=roles["staff"])
    listed.refresh_from_db()
    assert listed.phase == "objection"  # the second is still open
    objection_resolve(objection=second, outcome="dismissed", note="不实", user=roles["staff"])
    listed.refresh_from_db()
    assert listed.phase == "publicity"
