"""Acceptance: an enterprise user asking for another enterprise's page, export or edit gets 404; a
town officer sees only their town — over every URL of the project that takes an enterprise id.

The URLs are not listed by hand: the test walks the project's URL resolver and collects every
named pattern under ``enterprises/`` with an enterprise ``pk`` kwarg (the convention stated in
``lingjun/apps/enterprises/urls.py``), so a URL added later, by any app, is checked automatically.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from lingjun.apps.accounts.permissions import can

pytestmark = pytest.mark.django_db


def _sample_run_pk() -> int:
    """A finished evaluation run to address (without results: its explanation page says so)."""
    from lingjun.apps.evaluation.models import EvaluationRun

    run = EvaluationRun.objects.create(
        policies=["tianjin.chuying.2021"], year=2025, as_of=date(2025, 6, 30), status="done"
    )
    return run.pk


#: values for the other kwargs of enterprise URLs; a new kwarg must get a sample value here (a
#: callable is called once per walk, e.g. to create the record the kwarg names)
SAMPLE_KWARGS: dict[str, Any] = {"section": "ip", "run_pk": _sample_run_pk}
#: URLs that change a dossier: only the district bureau and the enterprise itself may open them
EDIT_URL_NAMES = {"enterprises:enterprise_edit", "enterprises:enterprise_section_edit"}
#: namespaces whose pages are not enterprise pages of the web app (the Django admin checks is_staff)
SKIPPED_NAMESPACES = {"admin"}


def _walk(patterns: list[Any], namespace: str, route: str) -> list[tuple[str, str, list[str]]]:
    found = []
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace in SKIPPED_NAMESPACES:
                continue
            ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
            found += _walk(p.url_patterns, ns, route + str(p.pattern))
        elif isinstance(p, URLPattern) and p.name:
            full = route + str(p.pattern)
            kwargs = list(getattr(p.pattern, "converters", {}))
            if "pk" in kwargs and "enterprises/" in full:
                found.append((f"{namespace}:{p.name}" if namespace else p.name, full, kwargs))
    return found


def enterprise_urls() -> list[tuple[str, dict[str, Any]]]:
    """(URL name, extra kwargs) of every project URL that addresses one enterprise by ``pk``."""
    urls = []
    for name, route, kwargs in _walk(get_resolver().url_patterns, "", ""):
        extra = {}
        for kwarg in kwargs:
            if kwarg == "pk":
                continue
            if kwarg not in SAMPLE_KWARGS:
                pytest.fail(f"URL {name} ({route}) has kwarg {kwarg!r}: add a sample value to SAMPLE_KWARGS")
            sample = SAMPLE_KWARGS[kwarg]
            extra[kwarg] = sample() if callable(sample) else sample
        urls.append((name, extra))
    return urls


def test_the_walk_finds_every_known_enterprise_url():
    names = {name for name, _extra in enterprise_urls()}
    assert {"enterprises:enterprise_detail", "enterprises:enterprise_export", *EDIT_URL_NAMES} <= names


def _status(client: Any, name: str, extra: dict[str, Any], pk: int, method: str = "get") -> int:
    url = reverse(name, kwargs={"pk": pk, **extra})
    return getattr(client, method)(url).status_code


def _action(name: str, method: str = "GET") -> str:
    view = resolve_view(name)
    return view.permission_actions[method]


def _post_only(name: str) -> bool:
    """A form's target without a page of its own (e.g. creating a plan from the enterprise page)."""
    return "GET" not in resolve_view(name).permission_actions


def resolve_view(name: str) -> Any:
    pattern = next(p for p in _patterns() if p[0] == name)
    return pattern[1]


def _patterns() -> list[tuple[str, Any]]:
    found = []

    def walk(patterns: list[Any], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name:
                found.append((f"{namespace}:{p.name}" if namespace else p.name, p.callback))

    walk(get_resolver().url_patterns, "")
    return found


def _check(client: Any, pks: list[int], visible: set[int], editable: set[int]) -> list[str]:
    """Every enterprise URL for every pool enterprise; returns the mismatches.

    In scope: 200. Out of scope: 404, as if the enterprise did not exist. A role the permission
    matrix gives no scope at all for the page's action: 403 (it is refused whatever the enterprise).
    """
    wrong = []
    user = client.session_user
    for name, extra in enterprise_urls():
        if _post_only(name):
            # out of scope it is the same 404 (or 403) as a page; in scope its own tests check it
            for i, pk in enumerate(pks):
                if i in visible and can(user, _action(name, "POST")):
                    continue
                expected = 403 if not can(user, _action(name, "POST")) else 404
                post = _status(client, name, extra, pk, "post")
                if post != expected:
                    wrong.append(f"{name} enterprise #{i}: POST {post}, expected {expected}")
            continue
        for i, pk in enumerate(pks):
            allowed = i in (editable if name in EDIT_URL_NAMES else visible)
            refused = not can(user, _action(name))
            expected = 403 if refused else 200 if allowed else 404
            status = _status(client, name, extra, pk)
            if status != expected:
                wrong.append(f"{name} enterprise #{i}: GET {status}, expected {expected}")
            if name in EDIT_URL_NAMES and not allowed:
                post = _status(client, name, extra, pk, "post")
                if post != expected:
                    wrong.append(f"{name} enterprise #{i}: POST {post}, expected {expected}")
    return wrong


@pytest.mark.parametrize(
    ("role", "extra", "visible", "editable"),
    [
        ("district_admin", {}, {0, 1, 2}, {0, 1, 2}),
        ("district_staff", {}, {0, 1, 2}, {0, 1, 2}),
        ("evaluator", {}, {0, 1, 2}, set()),
        ("finance", {"department": "区财政局"}, {0, 1, 2}, set()),
        ("town_officer", {"town": "梅厂镇"}, {2}, set()),
        ("town_officer", {"town": "杨村街道"}, {0, 1}, set()),
        ("town_officer", {"park": "武清区开发区"}, {1}, set()),
        ("department", {"department": "区工业和信息化局"}, set(), set()),
    ],
)
def test_each_role_reaches_exactly_its_jurisdiction(
    pool, pks, make_user, client_as, role, extra, visible, editable
):
    user = make_user(role, **extra)
    client = client_as(user)
    client.session_user = user
    assert _check(client, pks, visible, editable) == []


def test_an_enterprise_user_gets_404_for_other_enterprises(pool, pks, make_user, client_as):
    for own in range(3):
        user = make_user("enterprise", enterprise_uscc=pool[own])
        client = client_as(user)
        client.session_user = user
        assert _check(client, pks, {own}, {own}) == []


def test_a_missing_enterprise_is_the_same_404(pool, pks, staff_client):
    for name, extra in enterprise_urls():
        method = "post" if _post_only(name) else "get"
        assert _status(staff_client, name, extra, max(pks) + 1000, method) == 404, name


def test_forbidden_and_missing_pages_look_the_same(pool, pks, make_user, client_as):
    client = client_as(make_user("enterprise", enterprise_uscc=pool[0]))
    forbidden = client.get(reverse("enterprises:enterprise_detail", args=[pks[2]]))
    missing = client.get(reverse("enterprises:enterprise_detail", args=[max(pks) + 1000]))
    assert forbidden.status_code == missing.status_code == 404

    def page(response: Any) -> str:  # the CSRF token of the logout form differs on every render
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())

    assert page(forbidden) == page(missing)
    assert "页面不存在" in page(forbidden) and "不在您的管辖范围内" in page(forbidden)
    assert "天津测试科技有限公司3" not in forbidden.content.decode()


def test_town_officer_list_and_export_hold_only_their_town(pool, make_user, client_as):
    client = client_as(make_user("town_officer", town="梅厂镇"))
    page = client.get(reverse("enterprises:enterprise_list")).content.decode()
    assert pool[2] in page and pool[0] not in page and pool[1] not in page
    body = b"".join(client.get(reverse("enterprises:export", args=["jsonl"])).streaming_content).decode()
    assert pool[2] in body and pool[0] not in body and pool[1] not in body
