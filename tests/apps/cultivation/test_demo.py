"""The demo district gets plans, visits and requests in every state."""

from __future__ import annotations

from datetime import date

import pytest

from lingjun.apps.cultivation.models import CultivationPlan, GapSnapshot, ServiceRequest, Visit
from lingjun.apps.cultivation.services import demo_cultivation

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_fills_every_state(pool, make_user):
    users = {
        "town_officer": make_user("town_officer", town="杨村街道"),
        "enterprise": make_user("enterprise", enterprise_uscc=pool[0]),
        "department": make_user("department", department="区工业和信息化局"),
        "district_staff": make_user("district_staff"),
    }
    today = date(2025, 6, 30)
    report = demo_cultivation(today=today, users=users)
    assert "培育服务" in report
    assert GapSnapshot.objects.count() == 3, "the whole pool in one run"
    assert CultivationPlan.objects.exists() and Visit.objects.exists()
    states = set(ServiceRequest.objects.values_list("status", flat=True))
    assert states == {"open", "replied", "closed"}
    assert ServiceRequest.objects.filter(escalated_on=today).exists(), "an overdue one, escalated"
    assert ServiceRequest.objects.filter(satisfaction__isnull=False).exists()
    assert demo_cultivation(today=today, users=users) == "", "once"


def test_the_refresh_button_recomputes_the_whole_pool_as_a_job(pool, make_user, client_as):
    from django.urls import reverse

    from lingjun.apps.jobs.models import Job

    client = client_as(make_user("district_staff"))
    response = client.post(reverse("cultivation:refresh"), {"next": reverse("cultivation:candidates")})
    assert response.status_code == 302
    job = Job.objects.get(kind="cultivation_gaps")
    assert job.status == "done" and job.result == {"count": 3}
    assert GapSnapshot.objects.count() == 3


def test_the_app_declares_its_demo_populator():
    from django.apps import apps
    from django.utils.module_loading import import_string

    assert import_string(apps.get_app_config("cultivation").demo) is demo_cultivation
