"""The audit log: what is recorded (who, when, from where, what), append-only, the page, retention."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.factories import build_dossier

from lingjun.apps.accounts.models import User
from lingjun.apps.audit.models import AppendOnly, AuditEvent
from lingjun.apps.audit.services import audit_purge, audit_record
from lingjun.apps.enterprises.services import ImportRefused, enterprises_import_file
from lingjun.dossier.jsonl import dossier_json

pytestmark = pytest.mark.django_db
PASSWORD = "Zx9!correct-horse"
A = AuditEvent.Action


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def test_logins_failed_logins_and_logouts_with_who_and_where(make_user):
    user = make_user("district_staff")
    client = Client(REMOTE_ADDR="10.1.2.3")
    client.post(reverse("web:login"), {"username": user.username, "password": "wrong"})
    client.post(reverse("web:login"), {"username": user.username, "password": PASSWORD})
    client.post(reverse("web:logout"))
    failed, login, logout = AuditEvent.objects.filter(
        action__in=[A.LOGIN_FAILED, A.LOGIN, A.LOGOUT]
    ).order_by("id")
    assert (failed.action, failed.username, failed.ip, failed.user) == (
        A.LOGIN_FAILED,
        user.username,
        "10.1.2.3",
        None,
    )
    assert (login.action, login.user, login.role, login.ip) == (A.LOGIN, user, "district_staff", "10.1.2.3")
    assert (logout.action, logout.user) == (A.LOGOUT, user)
    assert login.at <= timezone.now()


def test_user_created_role_changed_and_deleted_keep_the_name(make_user):
    user = make_user("district_staff", full_name="王科员")
    created = AuditEvent.objects.get(action=A.USER_CREATED)
    assert created.target == user.username and created.detail["role"] == "district_staff"
    user.role = "district_admin"
    user.save()
    changed = AuditEvent.objects.get(action=A.ROLE_CHANGED)
    assert changed.detail["role"] == {"old": "district_staff", "new": "district_admin"}
    user.first_name = "王科长"
    user.save()  # not a role or permission change
    assert AuditEvent.objects.filter(action=A.ROLE_CHANGED).count() == 1
    # the user acts, then is deleted: the records keep the name
    audit_record(action=A.EXPORT, user=user, target="x")
    name = user.username
    User.objects.filter(pk=user.pk).delete()
    kept = AuditEvent.objects.get(action=A.EXPORT)
    assert kept.user is None and kept.username == name
    assert AuditEvent.objects.filter(action=A.USER_DELETED, target=name).exists()


def test_imports_are_recorded_accepted_or_refused(pool, staff):
    good = io.BytesIO((dossier_json(build_dossier(7)) + "\n").encode())
    enterprises_import_file(source=good, file_name="好.jsonl", user=staff, today=timezone.localdate())
    bad = io.BytesIO(b'{"name": 1}\n')
    with pytest.raises(ImportRefused):
        enterprises_import_file(source=bad, file_name="坏.jsonl", user=staff, today=timezone.localdate())
    accepted, refused = AuditEvent.objects.filter(action=A.IMPORT).order_by("id")
    assert (accepted.user, accepted.target, accepted.detail["status"]) == (staff, "好.jsonl", "accepted")
    assert (refused.target, refused.detail["status"]) == ("坏.jsonl", "refused")


def test_exports_are_recorded(pool, staff_client, staff):
    b"".join(staff_client.get(reverse("enterprises:export", args=["jsonl"])).streaming_content)
    event = AuditEvent.objects.get(action=A.EXPORT)
    assert event.user == staff and "企业档案" in event.target and event.ip == "127.0.0.1"


def test_the_log_is_append_only(make_user):
    event = audit_record(action=A.EXPORT, target="x")
    event.target = "y"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.all().update(target="y")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().target == "x"


def test_retention_keeps_at_least_180_days(settings):
    settings.LINGJUN_AUDIT_RETENTION_DAYS = 30  # below the minimum: 180 days still kept
    old = audit_record(action=A.EXPORT, target="old")
    recent = audit_record(action=A.EXPORT, target="recent")
    now = timezone.now()
    assert audit_purge(now=now + timedelta(days=100)) == 0
    assert audit_purge(now=now + timedelta(days=181)) == 2
    assert not AuditEvent.objects.filter(pk__in=[old.pk, recent.pk]).exists()


def test_the_district_admin_views_filters_and_exports_the_log(make_user, client_as):
    admin = make_user("district_admin")
    staff = make_user("district_staff")
    audit_record(action=A.EXPORT, user=staff, target="企业档案（jsonl）")
    audit_record(action=A.LOGIN_FAILED, username="mallory", target="mallory")
    client = client_as(admin)
    page = client.get(reverse("audit:index"), {"action": "login_failed"})
    assert page.status_code == 200
    rows = [e.username for e in page.context["page"].rows]
    assert rows == ["mallory"]
    text = b"".join(client.get(reverse("audit:export"), {"action": "export"}).streaming_content).decode(
        "utf-8-sig"
    )
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:5] == ["时间", "用户名", "角色", "来源地址", "操作"]
    # newest first: the export of the log is itself recorded
    assert [(r[1], r[5]) for r in table[1:]] == [
        (admin.username, "审计日志"),
        (staff.username, "企业档案（jsonl）"),
    ]
    assert client_as(staff).get(reverse("audit:index")).status_code == 403
