"""Fixtures of recognition: a batch of each kind, an applicant with its user, officers of each role."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lingjun.apps.enterprises.models import Enterprise

#: the recognition tests' batch year and dates (2026: chinese-calendar knows its holidays)
YEAR = 2026
OPENS, CLOSES = date(2026, 1, 5), date(2026, 12, 31)


#: the recognition tests' "today" (the services' default date is the local date)
TODAY = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _home(settings: Any, tmp_path: Any, monkeypatch: Any) -> None:
    from django.utils import timezone

    settings.LINGJUN_HOME = tmp_path
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)


def upload(name: str = "材料.pdf", content: bytes = b"%PDF-1.4 test") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def make_batch(db: Any) -> Callable[..., Any]:
    from lingjun.apps.recognition.services import batch_create, batch_open

    counter = iter(range(1, 1000))

    def make(tier: str = "chuying", *, skip_town: bool = False, open_: bool = True, **kw: Any) -> Any:
        batch = batch_create(
            tier=tier,
            year=kw.pop("year", YEAR),
            sequence=kw.pop("sequence", next(counter)),
            opens_on=kw.pop("opens_on", OPENS),
            closes_on=kw.pop("closes_on", CLOSES),
            skip_town=skip_town,
            **kw,
        )
        return batch_open(batch=batch) if open_ else batch

    return make


@pytest.fixture
def roles(pool: list[str], make_user: Callable[..., Any]) -> dict[str, Any]:
    """A user of each role of the flow (the enterprise is pool[0], in 杨村街道)."""
    firm_user = make_user("enterprise", enterprise_uscc=pool[0], full_name="企业经办人")
    firm_user.email = "firm@example.cn"
    firm_user.save(update_fields=["email"])
    return {
        "firm": firm_user,
        "town": make_user("town_officer", town="杨村街道", full_name="镇街审核员"),
        "other_town": make_user("town_officer", town="梅厂镇", full_name="梅厂镇审核员"),
        "staff": make_user("district_staff", full_name="区局科员"),
        "staff2": make_user("district_staff", full_name="区局科员乙"),
        "evaluator": make_user("evaluator", full_name="评价机构"),
    }


@pytest.fixture
def firm(pool: list[str]) -> Enterprise:
    return Enterprise.objects.get(uscc=pool[0])


def pass_checklist(application: Any, user: Any) -> None:
    """The officer decides every mandatory item that the engine did not pass (with a reason)."""
    from lingjun.apps.recognition.services import checklist_item_set

    for item in application.checklist.all():
        if item.mandatory and item.engine_result != "pass":
            checklist_item_set(item=item, result="pass", reason="经核查原件，符合条件", user=user)
