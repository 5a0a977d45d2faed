"""The permission matrix: its declarations, and every URL pattern × role × HTTP method against it.

The URL walk is not a list: it walks the project's resolver, so a page added later by any app is
covered, and it fails for a page that does not declare its actions (``@requires``). For every
pattern, every role (and an anonymous visitor) and GET, POST, PUT and DELETE, the response must be
what the matrix says: the login page for anonymous visitors, 405 for a method the page does not
declare, 403 for a role without the action, and for a role with it a page (not 403/404/405/5xx),
with the sample objects inside every role's jurisdiction. A refused POST changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from lingjun.apps.accounts import permissions
from lingjun.apps.accounts.models import Role
from lingjun.apps.accounts.permissions import (
    ACTION_CODES,
    ACTIONS,
    MATRIX,
    Scope,
    can,
    requires,
    restricted_fields,
    scope_of,
)

pytestmark = pytest.mark.django_db

#: pages anybody may open (the login page; logout is a POST that ends any session)
PUBLIC = {"web:login", "web:logout", "set_language"}
#: namespaces with their own access rules (the Django admin checks is_staff itself)
OWN_RULES = {"admin"}
METHODS = ("get", "post", "put", "delete")


def walk_urls() -> list[tuple[str, str, Any]]:
    """(name, route, view) of every named URL pattern of the project, except :data:`OWN_RULES`."""
    found: list[tuple[str, str, Any]] = []

    def walk(patterns: list[Any], namespace: str, route: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in OWN_RULES:
                    continue
                walk(p.url_patterns, p.namespace or namespace, route + str(p.pattern))
            elif isinstance(p, URLPattern):
                assert p.name, f"URL {route}{p.pattern} has no name"
                name = f"{namespace}:{p.name}" if namespace else p.name
                found.append((name, route + str(p.pattern), p.callback))

    walk(get_resolver().url_patterns, "", "")
    return found


# --------------------------------------------------------------------------------- the matrix


def test_every_action_is_in_the_matrix_and_every_matrix_row_is_an_action():
    assert set(MATRIX) == ACTION_CODES
    assert len({a.code for a in ACTIONS}) == len(ACTIONS)
    for action, roles in MATRIX.items():
        assert set(roles) <= set(Role), action
        assert all(isinstance(scope, Scope) for scope in roles.values()), action


def test_the_coming_actions_are_known_with_the_roles_the_programme_gives_them():
    assert scope_of_role(Role.FINANCE, "funds.approve") == Scope.DISTRICT
    assert scope_of_role(Role.FINANCE, "funds.disburse") == Scope.DISTRICT
    assert scope_of_role(Role.EVALUATOR, "recognition.municipal_result") == Scope.DISTRICT
    assert scope_of_role(Role.EVALUATOR, "recognition.publish") == Scope.DISTRICT
    assert scope_of_role(Role.DEPARTMENT, "tasks.report") == Scope.DEPARTMENT
    assert scope_of_role(Role.DEPARTMENT, "requests.handle") == Scope.DEPARTMENT
    assert scope_of_role(Role.TOWN_OFFICER, "recognition.recommend") == Scope.DIVISION
    # and nobody else approves funds or recommends for a town
    assert {r for r, s in MATRIX["funds.approve"].items() if s != Scope.NONE} == {Role.FINANCE}
    assert {r for r, s in MATRIX["recognition.recommend"].items() if s != Scope.NONE} == {Role.TOWN_OFFICER}


def scope_of_role(role: Role, action: str) -> Scope:
    return MATRIX[action].get(role, Scope.NONE)


def test_scope_needs_the_jurisdiction_the_scope_names(make_user, pool):
    officer = make_user("town_officer", town="梅厂镇")
    assert scope_of(officer, "enterprise.view") == Scope.DIVISION
    officer.town = ""
    assert scope_of(officer, "enterprise.view") == Scope.NONE  # a town officer without a town
    firm = make_user("enterprise", enterprise_uscc=pool[0])
    assert scope_of(firm, "enterprise.edit") == Scope.OWN
    firm.enterprise_id = None
    assert scope_of(firm, "enterprise.edit") == Scope.NONE
    liaison = make_user("department", department="区工业和信息化局")
    assert scope_of(liaison, "tasks.report") == Scope.DEPARTMENT
    liaison.department = ""
    assert not can(liaison, "tasks.report")


def test_inactive_users_and_superusers(make_user):
    staff = make_user("district_staff")
    staff.is_active = False
    assert not can(staff, "home.view")
    admin = make_user("district_admin")
    assert admin.is_superuser and can(admin, "users.manage")
    # a superuser has the district admin's actions, not an enterprise's
    assert not can(admin, "recognition.apply") and not can(admin, "funds.approve")


def test_an_unknown_action_is_an_error_naming_it():
    with pytest.raises(KeyError, match="权限矩阵中没有动作“enterprise.fly”"):
        can(None, "enterprise.fly")
    with pytest.raises(KeyError, match="enterprise.fly"):
        requires("enterprise.fly")


def test_restricted_fields_are_restricted_for_enterprises_only(make_user, pool):
    firm = make_user("enterprise", enterprise_uscc=pool[0])
    staff = make_user("district_staff")
    assert {"enterprise.town", "enterprise.park", "enterprise.serious_dishonesty", "qualifications.*"} <= (
        restricted_fields(firm)
    )
    assert restricted_fields(staff) == frozenset()


# ---------------------------------------------------------------------- URL × role × method


def _sample_run() -> int:
    from lingjun.apps.evaluation.models import EvaluationRun

    return EvaluationRun.objects.create(
        policies=["tianjin.chuying.2021"], year=2025, as_of=date(2025, 6, 30), status="done"
    ).pk


#: sample values of URL kwargs, per kwarg, or per (URL name, kwarg) where one name needs its own
SAMPLES: dict[Any, Any] = {
    "section": "ip",
    ("enterprises:export", "fmt"): "jsonl",
    ("evaluation:run_export", "fmt"): "csv",
}
ROLES: dict[str, dict[str, Any]] = {
    "district_admin": {},
    "district_staff": {},
    "town_officer": {"town": "杨村街道"},
    "enterprise": {"enterprise": 0},
    "evaluator": {},
    "finance": {"department": "区财政局"},
    "department": {"department": "区工业和信息化局"},
}


@pytest.fixture
def users(make_user: Callable[..., Any], pool: list[str]) -> dict[str, Any]:
    made: dict[str, Any] = {"anonymous": None}
    for role, extra in ROLES.items():
        kwargs = dict(extra)
        if "enterprise" in kwargs:
            kwargs = {"enterprise_uscc": pool[kwargs.pop("enterprise")]}
        made[role] = make_user(role, **kwargs)
    return made


def _sample_change_request(pk: int) -> int:
    from lingjun.apps.enterprises.models import ChangeRequest

    return ChangeRequest.objects.create(
        enterprise_id=pk, field="enterprise.park", label="所属园区", new="x"
    ).pk


def _sample_recognition(pk: int) -> dict[str, int]:
    """A batch, an application of the sample enterprise in it, an evidence file and an objection."""
    from lingjun.apps.recognition.models import Application, Batch, Evidence, Objection

    batch = Batch.objects.create(
        tier="chuying", year=2026, name="样例批次", opens_on=date(2026, 1, 1), closes_on=date(2026, 12, 31)
    )
    app = Application.objects.create(batch=batch, enterprise_id=pk, phase="publicity")
    from lingjun.apps.recognition.services import evidence_dir

    (evidence_dir() / "sample.pdf").write_bytes(b"%PDF")
    evidence = Evidence.objects.create(application=app, name="a.pdf", stored="sample.pdf", size=4, sha256="0")
    objection = Objection.objects.create(
        application=app, kind="person", name="王某", contact="1", content="x", received_on=date(2026, 6, 1)
    )
    return {"batch_pk": batch.pk, "app_pk": app.pk, "evidence_pk": evidence.pk, "objection_pk": objection.pk}


def _sample_plan(pk: int) -> int:
    from lingjun.apps.cultivation.models import CultivationPlan

    return CultivationPlan.objects.create(
        enterprise_id=pk, target_rung="chuying", target_date=date(2099, 12, 31)
    ).pk


def _sample_service_request(pk: int) -> int:
    """An enterprise request of the 杨村街道 enterprise routed to the department role's department."""
    from lingjun.apps.cultivation.models import ServiceRequest

    return ServiceRequest.objects.create(
        enterprise_id=pk,
        category="premises",
        title="x",
        content="y",
        department=ROLES["department"]["department"],
        submitted_on=date(2025, 1, 2),
        days=10,
        due_on=date(2025, 1, 16),
    ).pk


def _reverse(name: str, route: str, kwargs: list[str], objects: dict[str, int]) -> str:
    values: dict[str, Any] = {}
    for kwarg in kwargs:
        if kwarg in objects:
            values[kwarg] = objects[kwarg]
        elif (name, kwarg) in SAMPLES:
            values[kwarg] = SAMPLES[(name, kwarg)]
        elif kwarg in SAMPLES:
            values[kwarg] = SAMPLES[kwarg]
        else:
            pytest.fail(f"URL {name} ({route}) has kwarg {kwarg!r}: add a sample value to SAMPLES")
    return reverse(name, kwargs=values)


def _state() -> tuple[int, ...]:
    """Counts of what a POST could create or change."""
    from lingjun.apps.enterprises.models import ChangeRecord, ChangeRequest, Enterprise, ImportBatch
    from lingjun.apps.evaluation.models import EvaluationRun
    from lingjun.apps.plan.models import TargetActual, TaskReport
    from lingjun.apps.publishing.models import Notice

    return (
        Enterprise.objects.count(),
        ChangeRecord.objects.count(),
        ChangeRequest.objects.exclude(status="pending").count(),
        ImportBatch.objects.count(),
        EvaluationRun.objects.count(),
        Notice.objects.count(),
        TaskReport.objects.count(),
        TargetActual.objects.count(),
    )


def test_every_page_declares_its_actions_with_the_matrix():
    undeclared = [
        f"{name} ({route})"
        for name, route, view in walk_urls()
        if name not in PUBLIC
        and not getattr(view, "permission_actions", None)
        and not getattr(view, "permission_public", None)
    ]
    assert undeclared == [], "pages without @requires(...): " + ", ".join(undeclared)
    for name, _route, view in walk_urls():
        assert not (getattr(view, "permission_actions", None) and getattr(view, "permission_public", None)), (
            f"{name} is both @requires and @public"
        )
        for action in getattr(view, "permission_actions", {}).values():
            assert action in ACTION_CODES, name


def _sample_job(user: Any) -> int:
    """A finished export of ``user``'s (a job's pages are its starter's only), with its file."""
    from lingjun.apps.jobs.models import Job
    from lingjun.apps.jobs.selectors import jobs_dir

    job = Job.objects.create(kind="export", user=user, status="done")
    (jobs_dir() / f"export-{job.pk}.jsonl").write_text("")
    Job.objects.filter(pk=job.pk).update(
        result={"file": f"export-{job.pk}.jsonl", "download_name": "x.jsonl", "count": 0}
    )
    return job.pk


def _sample_notification(user: Any) -> int:
    """A message to ``user`` (a message is its recipient's only)."""
    from lingjun.apps.notifications.models import Notification

    return Notification.objects.create(user=user, subject="x", body="y", url="/").pk


#: URL kwargs naming an object that belongs to one user: each role follows its own
PER_ROLE: dict[str, Callable[[Any], int]] = {
    "job_pk": _sample_job,
    "notification_pk": _sample_notification,
}


def test_every_url_role_and_method_does_what_the_matrix_says(users, pool, tmp_path, settings):
    settings.LINGJUN_HOME = tmp_path
    from lingjun.apps.enterprises.models import Enterprise

    pk = Enterprise.objects.get(uscc=pool[0]).pk  # 杨村街道: inside every role's jurisdiction
    objects = {
        "pk": pk,
        "run_pk": _sample_run(),
        "request_pk": _sample_change_request(pk),
        "notice_pk": _sample_notice(pool[0]),
        "report_pk": _sample_report(),
        "plan_pk": _sample_plan(pk),
        "service_request_pk": _sample_service_request(pk),
    }
    objects |= _sample_recognition(pk)
    own = {
        kwarg: {role: make(user) if user is not None else 0 for role, user in users.items()}
        for kwarg, make in PER_ROLE.items()
    }
    clients: dict[str, Client] = {}
    for role, user in users.items():
        clients[role] = Client()
        if user is not None:
            clients[role].force_login(user)
    wrong: list[str] = []
    checked = 0
    for name, route, view in walk_urls():
        if name in PUBLIC:
            continue
        if getattr(view, "permission_public", None):
            checked += _check_public(name, route, view, clients, objects, wrong)
            continue
        declared: dict[str, str] = view.permission_actions
        kwargs = [k for k in getattr(get_pattern(name), "converters", {})]
        url = _reverse(name, route, kwargs, {**objects, **dict.fromkeys(PER_ROLE, 0)})
        for role, user in users.items():
            if any(k in PER_ROLE for k in kwargs):  # each role follows its own job, message …
                mine = {k: own[k][role] for k in PER_ROLE}
                url = _reverse(name, route, kwargs, {**objects, **mine})
            for method in METHODS:
                before = _state()
                response = getattr(clients[role], method)(url)
                status = response.status_code
                action = declared.get(method.upper())
                checked += 1
                where = f"{method.upper()} {url} ({name}) as {role}"
                if action is None:
                    if status != 405:
                        wrong.append(f"{where}: {status}, expected 405 (method not declared)")
                elif user is None:
                    if status != 302 or not response["Location"].startswith(reverse("web:login")):
                        wrong.append(f"{where}: {status}, expected the login page")
                elif not can(user, action):
                    if status != 403:
                        wrong.append(f"{where}: {status}, expected 403 ({action} not in the matrix)")
                    if _state() != before:
                        wrong.append(f"{where}: refused but changed the database")
                elif status in (403, 404, 405) or status >= 500:
                    wrong.append(f"{where}: {status}, expected the page ({action} allowed)")
    assert wrong == []
    assert checked >= 17 * 8 * 4


def _sample_notice(uscc: str) -> int:
    """A published 公告 of one line (the public pages show it)."""
    from lingjun.apps.publishing.services import notice_publish

    return notice_publish(
        kind="gonggao",
        title="样例公告",
        document_number="",
        tier="chuying",
        published_on=date(2024, 1, 2),
        ends_on=None,
        entries=[{"name": "样例企业", "uscc": uscc, "town": "杨村街道"}],
        source="manual",
        user=None,
    ).pk


def _sample_report() -> int:
    """A task report with an attachment, of the department liaison's own department."""
    from django.core.files.base import ContentFile

    from lingjun.apps.plan.models import TaskReport

    report = TaskReport(
        task="3.4",
        department="区工业和信息化局",
        period_start=date(2024, 1, 1),
        period_end=date(2024, 3, 31),
        progress="进展",
    )
    report.attachment.save("进展.txt", ContentFile(b"x"), save=False)
    report.save()
    return report.pk


def _check_public(
    name: str, route: str, view: Any, clients: dict[str, Client], objects: dict[str, int], wrong: list[str]
) -> int:
    """A ``@public`` page answers everyone, logged in or not, for its methods; 405 for the others."""
    kwargs = [k for k in getattr(get_pattern(name), "converters", {})]
    url = _reverse(name, route, kwargs, objects)
    allowed: frozenset[str] = view.permission_public
    checked = 0
    for role, client in clients.items():
        for method in METHODS:
            status = getattr(client, method)(url).status_code
            checked += 1
            where = f"{method.upper()} {url} ({name}, public) as {role}"
            if method.upper() not in allowed:
                if status != 405:
                    wrong.append(f"{where}: {status}, expected 405 (method not declared)")
            elif status >= 400 or status == 302:
                wrong.append(f"{where}: {status}, expected the page without a login")
    return checked


def test_a_public_page_is_declared_and_refuses_other_methods():
    from lingjun.apps.accounts.permissions import public

    @public()
    def page(request: Any) -> Any:
        from django.http import HttpResponse

        return HttpResponse("ok")

    assert page.permission_public == frozenset({"GET", "HEAD"})
    from django.test import RequestFactory

    assert page(RequestFactory().get("/x")).status_code == 200
    assert page(RequestFactory().post("/x")).status_code == 405


def get_pattern(name: str) -> Any:
    """The route pattern object of URL ``name`` (for its converters)."""

    def walk(patterns: list[Any], namespace: str) -> Any:
        for p in patterns:
            if isinstance(p, URLResolver):
                found = walk(p.url_patterns, p.namespace or namespace)
                if found is not None:
                    return found
            elif isinstance(p, URLPattern) and (f"{namespace}:{p.name}" if namespace else p.name) == name:
                return p.pattern
        return None

    return walk(get_resolver().url_patterns, "")


def test_the_matrix_module_is_the_only_place_that_names_roles_in_views_and_templates():
    """Role checks are asked of the matrix: no view or template compares ``user.role`` itself."""
    from pathlib import Path

    apps_dir = Path(permissions.__file__).resolve().parents[1]
    offenders = []
    for path in apps_dir.rglob("*"):
        if path.suffix not in {".py", ".html"} or "migrations" in path.parts:
            continue
        if path.name in {"views.py"} or path.suffix == ".html":
            text = path.read_text(encoding="utf-8")
            for needle in ("user.role", "Role.", "is_superuser"):
                if needle in text:
                    offenders.append(f"{path.relative_to(apps_dir)}: {needle}")
    assert offenders == []


def test_a_refused_page_says_so_in_chinese(users):
    client = Client()
    client.force_login(users["department"])
    response = client.get(reverse("enterprises:enterprise_list"))
    assert response.status_code == 403
    assert "无权操作" in response.content.decode() and "没有这项操作的权限" in response.content.decode()
