"""消息通知: stored per user, e-mailed after commit, badge in the navigation, read on opening."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from lingjun.apps.notifications.models import Notification
from lingjun.apps.notifications.selectors import unread_count
from lingjun.apps.notifications.services import notification_send

pytestmark = pytest.mark.django_db


def test_send_stores_one_message_per_active_user_and_mails_those_with_an_address(
    make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with_mail = make_user("district_staff", email="zhang@wq.gov.cn")
    without = make_user("district_staff")
    gone = make_user("district_staff", email="gone@wq.gov.cn")
    gone.is_active = False
    gone.save()
    with django_capture_on_commit_callbacks(execute=True):
        sent = notification_send(
            users=[with_mail, without, gone, with_mail],
            subject="申报被退回修改",
            body="请补充研发费用专项审计报告。",
            url="/enterprises/",
            kind="recognition.returned",
        )
    assert sent == 2
    assert Notification.objects.filter(user=with_mail).count() == 1
    assert not Notification.objects.filter(user=gone).exists()
    assert [m.to for m in mail.outbox] == [["zhang@wq.gov.cn"]]
    assert mail.outbox[0].subject == "【领军计划】申报被退回修改"
    assert "http://127.0.0.1:8000/enterprises/" in mail.outbox[0].body
    assert Notification.objects.get(user=with_mail).emailed is True
    assert Notification.objects.get(user=without).emailed is False


def test_rolled_back_action_sends_no_mail(make_user: Any, django_capture_on_commit_callbacks: Any) -> None:
    user = make_user("district_staff", email="li@wq.gov.cn")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification_send(users=[user], subject="x", body="y")
    assert len(callbacks) == 1 and mail.outbox == []


def test_a_relay_that_is_down_keeps_the_message_in_the_app(
    make_user: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    user = make_user("district_staff", email="li@wq.gov.cn")
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_send(users=[user], subject="x", body="y") == 1
    message = Notification.objects.get(user=user)
    assert message.emailed is False and message.read_at is None


def test_long_text_is_cut_to_the_columns(make_user: Any) -> None:
    user = make_user("district_staff")
    notification_send(users=[user], subject="题" * 500, body="文" * 9000)
    message = Notification.objects.get(user=user)
    assert len(message.subject) == 200 and message.subject.endswith("…")
    assert len(message.body) == 4000


def test_badge_counts_unread_and_opening_marks_read(pool: Any, make_user: Any, client_as: Any) -> None:
    user = make_user("town_officer", town="杨村街道")
    other = make_user("town_officer", town="梅厂镇")
    notification_send(users=[user], subject="年度信息更新即将截止", body="9月30日截止。", url="/enterprises/")
    notification_send(users=[other], subject="别人的消息", body="…")
    client: Client = client_as(user)
    page = client.get("/")
    assert '<span class="badge count"' in page.content.decode() and unread_count(user=user) == 1
    listing = client.get("/notifications/").content.decode()
    assert "年度信息更新即将截止" in listing and "别人的消息" not in listing
    mine = Notification.objects.get(user=user)
    response = client.get(f"/notifications/{mine.pk}/open")
    assert response.status_code == 302 and response["Location"] == "/enterprises/"
    assert unread_count(user=user) == 0
    theirs = Notification.objects.get(user=other)
    assert client.get(f"/notifications/{theirs.pk}/open").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_a_stored_link_never_leads_off_the_platform(make_user: Any, client_as: Any) -> None:
    user = make_user("district_staff")
    notification_send(users=[user], subject="x", body="y", url="https://evil.example/phish")
    message = Notification.objects.get(user=user)
    response = client_as(user).get(f"/notifications/{message.pk}/open")
    assert response["Location"] == "/notifications/"


def test_mark_all_read(make_user: Any, client_as: Any) -> None:
    user = make_user("district_staff")
    notification_send(users=[user], subject="a", body="b")
    notification_send(users=[user], subject="c", body="d")
    client_as(user).post("/notifications/read")
    assert unread_count(user=user) == 0
