"""Enterprise requests (诉求): routing, department queues, working-day deadlines, escalation.

Acceptance (issue #16, 2): a request routed to a department shows in that department's queue only,
and its deadline follows the working-day calendar.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from lingjun.apps.cultivation import selectors, services
from lingjun.apps.cultivation.models import ServiceRequest
from lingjun.apps.cultivation.services import CultivationError
from lingjun.apps.enterprises.models import Enterprise
from lingjun.apps.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user: Any, pool: list[str]) -> dict[str, Any]:
    return {
        "firm": make_user("enterprise", enterprise_uscc=pool[0]),
        "industry": make_user("department", department="区工业和信息化局"),
        "finance": make_user("department", department="区金融局"),
        "yangcun": make_user("town_officer", town="杨村街道"),
        "meichang": make_user("town_officer", town="梅厂镇"),
        "staff": make_user("district_staff"),
    }


def _submit(pool: list[str], people: dict[str, Any], **kw: Any) -> ServiceRequest:
    args = {
        "enterprise": Enterprise.objects.get(uscc=pool[0]),
        "user": people["firm"],
        "category": "premises",
        "title": "需要标准厂房",
        "content": "扩产需租赁厂房 2000 平方米。",
        "today": date(2025, 6, 30),
    }
    args.update(kw)
    return services.request_submit(**args)


def test_a_routed_request_shows_in_that_departments_queue_only(pool, people, client_as):
    req = _submit(pool, people, department="区工业和信息化局")
    assert list(selectors.requests_handled_by(people["industry"])) == [req]
    assert list(selectors.requests_handled_by(people["finance"])) == []
    # the pages: the queue and the request itself
    industry, finance = client_as(people["industry"]), client_as(people["finance"])
    page = industry.get(reverse("cultivation:requests"))
    assert page.status_code == 200 and "需要标准厂房" in page.content.decode()
    page = finance.get(reverse("cultivation:requests"))
    assert page.status_code == 200 and "需要标准厂房" not in page.content.decode()
    assert industry.get(reverse("cultivation:request_detail", args=[req.pk])).status_code == 200
    assert finance.get(reverse("cultivation:request_detail", args=[req.pk])).status_code == 404
    # the town officer of the enterprise's town sees it, another town's does not; the bureau does
    assert list(selectors.requests_handled_by(people["yangcun"])) == [req]
    assert list(selectors.requests_handled_by(people["meichang"])) == []
    assert list(selectors.requests_handled_by(people["staff"])) == [req]
    # the department's liaison was told, the other was not
    assert Notification.objects.filter(user=people["industry"]).count() == 1
    assert not Notification.objects.filter(user=people["finance"]).exists()


def test_routing_to_another_department_moves_it_between_queues(pool, people, client_as):
    req = _submit(pool, people, department="区工业和信息化局")
    response = client_as(people["industry"]).post(
        reverse("cultivation:request_detail", args=[req.pk]), {"op": "route", "department": "区金融局"}
    )
    assert response.status_code == 302
    assert list(selectors.requests_handled_by(people["industry"])) == []
    assert list(selectors.requests_handled_by(people["finance"])) == [req]


def test_the_category_routes_when_no_department_is_chosen(pool, people):
    assert _submit(pool, people, category="financing").department == "区金融局"


def test_the_deadline_follows_the_working_day_calendar(pool, people):
    """Submitted on 2025-09-30: 1–8 October are the National Day holidays and Saturday 11 October
    a working day (调休), so 3 working days end on Saturday 11 October, 10 on Tuesday 21 October."""
    req = _submit(pool, people, today=date(2025, 9, 30), days=3)
    assert req.due_on == date(2025, 10, 11)
    assert _submit(pool, people, today=date(2025, 9, 30), days=10).due_on == date(2025, 10, 21)
    # an ordinary week: Friday + 1 working day is Monday
    assert _submit(pool, people, today=date(2025, 6, 27), days=1).due_on == date(2025, 6, 30)


def test_overdue_requests_are_flagged_and_escalated_once(pool, people):
    req = _submit(pool, people, today=date(2025, 6, 2), days=5)
    assert req.due_on == date(2025, 6, 9)  # 端午节 2025-05-31 … 06-02: 6/3, 4, 5, 6 and 9
    qs = selectors.requests_handled_by(people["staff"])
    assert list(selectors.overdue(qs, today=date(2025, 6, 9))) == []
    assert list(selectors.overdue(qs, today=date(2025, 6, 10))) == [req]
    assert services.requests_escalate(today=date(2025, 6, 10)) == 1
    assert services.requests_escalate(today=date(2025, 6, 11)) == 0, "escalated once"
    req.refresh_from_db()
    assert req.escalated_on == date(2025, 6, 10)
    assert Notification.objects.filter(user=people["staff"], subject__startswith="诉求逾期督办").count() == 1
    assert (
        Notification.objects.filter(user=people["industry"], subject__startswith="诉求逾期督办").count() == 1
    )


def test_reply_close_and_satisfaction(pool, people, client_as):
    req = _submit(pool, people)
    firm = client_as(people["firm"])
    # satisfaction only once closed
    with pytest.raises(CultivationError) as exc:
        services.request_rate(request=req, satisfaction=5)
    assert exc.value.message == services.NOT_CLOSED
    industry = client_as(people["industry"])
    industry.post(reverse("cultivation:request_detail", args=[req.pk]), {"op": "reply", "body": "已联系园区"})
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.REPLIED
    industry.post(reverse("cultivation:request_detail", args=[req.pk]), {"op": "close", "body": "已落实厂房"})
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.CLOSED and req.closed_on is not None
    page = firm.get(reverse("cultivation:my_request", args=[req.pk])).content.decode()
    assert "已落实厂房" in page and "评价满意度" in page
    firm.post(reverse("cultivation:my_request", args=[req.pk]), {"satisfaction": "4", "note": "满意"})
    req.refresh_from_db()
    assert req.satisfaction == 4
    with pytest.raises(CultivationError):
        services.request_rate(request=req, satisfaction=9)


def test_an_enterprise_files_and_follows_its_own_requests_only(pool, people, make_user, client_as):
    firm = client_as(people["firm"])
    response = firm.post(
        reverse("cultivation:my_requests"),
        {"category": "talent", "title": "博士子女入学", "content": "需协调入学", "department": ""},
    )
    assert response.status_code == 302
    req = ServiceRequest.objects.get()
    assert req.department == "区人才办" and req.enterprise.uscc == pool[0]
    other = client_as(make_user("enterprise", enterprise_uscc=pool[2]))
    assert other.get(reverse("cultivation:my_request", args=[req.pk])).status_code == 404
    assert "博士子女入学" not in other.get(reverse("cultivation:my_requests")).content.decode()


def test_refused_requests_say_why(pool, people):
    with pytest.raises(CultivationError) as exc:
        _submit(pool, people, department="区外星局")
    assert exc.value.code == "unknown_department"
    with pytest.raises(CultivationError) as exc:
        _submit(pool, people, title="  ")
    assert exc.value.message == services.EMPTY_FIELD.format(field="标题")


def test_reports_by_department_town_and_category(pool, people):
    _submit(pool, people, department="区工业和信息化局", today=date(2025, 5, 6))
    _submit(pool, people, category="financing", today=date(2025, 6, 30))
    data = selectors.overview(user=people["staff"], today=date(2025, 7, 1))
    by_dep = {r["key"]: r for r in data["by_department"]}
    assert by_dep["区工业和信息化局"]["total"] == 1 and by_dep["区工业和信息化局"]["overdue"] == 1
    assert by_dep["区金融局"]["overdue"] == 0
    assert {r["key"] for r in data["by_category"]} == {"用地与场地", "融资需求"}
    assert [r["key"] for r in data["by_town"]] == ["杨村街道"]
    assert len(data["overdue"]) == 1
