"""Acceptance: an enterprise user asking for another enterprise's page, export or edit gets 404; a
town officer sees only their town — over every URL of the project that takes an enterprise id.

The URLs are not listed by hand: the test walks the project's URL resolver and collects every
named pattern under ``enterprises/`` with an enterprise ``pk`` kwarg (the convention stated in
``lingjun/apps/web/urls.py``), so a URL added later, by any app, is checked automatically.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

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
EDIT_URL_NAMES = {"web:enterprise_edit", "web:enterprise_section_edit"}
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
    assert {"web:enterprise_detail", "web:enterprise_export", *EDIT_URL_NAMES} <= names


def _status(client: Any, name: str, extra: dict[str, Any], pk: int, method: str = "get") -> int:
    url = reverse(name, kwargs={"pk": pk, **extra})
    return getattr(client, method)(url).status_code


def _check(client: Any, pks: list[int], visible: set[int], editable: set[int]) -> list[str]:
    """Every enterprise URL for every pool enterprise; returns the mismatches."""
    wrong = []
    for name, extra in enterprise_urls():
        for i, pk in enumerate(pks):
            allowed = i in (editable if name in EDIT_URL_NAMES else visible)
            status = _status(client, name, extra, pk)
            if allowed and status != 200 or not allowed and status != 404:
                wrong.append(f"{name} enterprise #{i}: GET {status}, expected {200 if allowed else 404}")
            if name in EDIT_URL_NAMES and not allowed:
                post = _status(client, name, extra, pk, "post")
                if post != 404:
                    wrong.append(f"{name} enterprise #{i}: POST {post}, expected 404")
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
    client = client_as(make_user(role, **extra))
    assert _check(client, pks, visible, editable) == []


def test_an_enterprise_user_gets_404_for_other_enterprises(pool, pks, make_user, client_as):
    for own in range(3):
        client = client_as(make_user("enterprise", enterprise_uscc=pool[own]))
        assert _check(client, pks, {own}, {own}) == []


def test_a_missing_enterprise_is_the_same_404(pool, pks, staff_client):
    for name, extra in enterprise_urls():
        assert _status(staff_client, name, extra, max(pks) + 1000) == 404


def test_forbidden_and_missing_pages_look_the_same(pool, pks, make_user, client_as):
    client = client_as(make_user("enterprise", enterprise_uscc=pool[0]))
    forbidden = client.get(reverse("web:enterprise_detail", args=[pks[2]]))
    missing = client.get(reverse("web:enterprise_detail", args=[max(pks) + 1000]))
    assert forbidden.status_code == missing.status_code == 404

    def page(response: Any) -> str:  # the CSRF token of the logout form differs on every render
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())

    assert page(forbidden) == page(missing)
    assert "页面不存在" in page(forbidden) and "不在您的管辖范围内" in page(forbidden)
    assert "天津测试科技有限公司3" not in forbidden.content.decode()


def test_town_officer_list_and_export_hold_only_their_town(pool, make_user, client_as):
    client = client_as(make_user("town_officer", town="梅厂镇"))
    page = client.get(reverse("web:enterprise_list")).content.decode()
    assert pool[2] in page and pool[0] not in page and pool[1] not in page
    body = b"".join(client.get(reverse("web:export", args=["jsonl"])).streaming_content).decode()
    assert pool[2] in body and pool[0] not in body and pool[1] not in body
