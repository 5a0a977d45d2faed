"""Offline intranet: no template, stylesheet or script of the platform refers to a remote address."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

import lingjun

SRC = Path(lingjun.__file__).resolve().parent
#: XML namespace names are identifiers, never fetched
NAMESPACES = {
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/2000/xmlns/",
    "http://www.w3.org/XML/1998/namespace",
}
#: addresses a vendored file only names in its licence header (a comment), never fetches
LICENCE_MENTIONS = {
    "http://www.apache.org/licenses/LICENSE-2.0",
    "https://github.com/ecomfe/zrender/blob/master/LICENSE",
}
REMOTE = re.compile(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s\"'<>)]*")
#: protocol-relative or absolute addresses where a browser would fetch something
FETCHED = re.compile(
    r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import\s+["'](?:https?:)?//""",
    re.I,
)
SUFFIXES = {".html", ".css", ".js", ".svg", ".txt"}


def asset_files() -> list[Path]:
    files = [
        p for p in SRC.rglob("*") if p.suffix in SUFFIXES and ("templates" in p.parts or "static" in p.parts)
    ]
    return sorted(files)


def test_the_scan_sees_our_templates_and_assets():
    names = {p.name for p in asset_files()}
    assert {"base.html", "enterprise_detail.html", "lingjun.css", "htmx.min.js", "favicon.svg"} <= names


@pytest.mark.parametrize("path", asset_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_remote_address(path: Path):
    text = path.read_text(encoding="utf-8", errors="replace")
    assert not FETCHED.findall(text), f"{path}: refers to a remote resource"
    if "vendor" in path.parts and path.name.startswith(("LICENSE", "NOTICE")):
        return  # a licence text names its sources; nothing there is loaded
    remote = [
        m
        for m in (m.group(0) for m in REMOTE.finditer(text))
        if m.startswith("http") and m not in NAMESPACES | LICENCE_MENTIONS
    ]
    assert remote == [], f"{path}: remote addresses {remote[:3]}"


def test_echarts_is_vendored_with_its_licence():
    vendor = SRC / "apps" / "plan" / "static" / "vendor" / "echarts"
    assert (vendor / "echarts.min.js").stat().st_size > 500_000
    assert "Apache License" in (vendor / "LICENSE.txt").read_text(encoding="utf-8")
    assert "Apache ECharts" in (vendor / "NOTICE.txt").read_text(encoding="utf-8")


def test_htmx_is_vendored_with_its_licence():
    vendor = SRC / "apps" / "web" / "static" / "vendor" / "htmx"
    assert (vendor / "htmx.min.js").stat().st_size > 30_000
    assert "Zero-Clause BSD" in (vendor / "LICENSE.txt").read_text(encoding="utf-8")


@pytest.mark.django_db
def test_rendered_pages_load_nothing_remote(pool, pks, staff_client: Client):
    for url in (
        reverse("web:home"),
        reverse("enterprises:enterprise_list"),
        reverse("enterprises:enterprise_detail", args=[pks[0]]),
        reverse("enterprises:enterprise_edit", args=[pks[0]]),
        reverse("enterprises:transfer"),
        reverse("web:login"),
    ):
        page = staff_client.get(url).content.decode()
        assert not FETCHED.findall(page), url


def test_the_detector_catches_remote_references():
    for bad in (
        '<script src="https://cdn.example.com/htmx.js">',
        "<link href='//fonts.example.org/a.css'>",
        "background: url(https://example.com/a.png)",
        '@import "https://example.com/x.css";',
    ):
        assert FETCHED.findall(bad), bad
    assert not FETCHED.findall('<script src="/static/vendor/htmx/htmx.min.js">')
