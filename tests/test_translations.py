"""The English catalog: complete, compiled, in step with the code, and keeping every placeholder."""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "lingjun"
MESSAGES = Path("locale", "en", "LC_MESSAGES")
CATALOG = PACKAGE / MESSAGES / "django.po"
#: %(name)s, %s, %d, {name} and HTML tags such as <strong id="elapsed">: a translation keeps them all
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%[sdfr%]|\{\w*\}|</?\w+[^>]*>")


def read_po(path: Path) -> list[dict]:
    """The live entries of a .po file (header and obsolete ``#~`` entries left out), each with its
    ``msgctxt``, ``msgid``, ``msgid_plural``, ``msgstr`` (a list, one per plural form) and ``fuzzy``."""
    entries: list[dict] = []
    entry: dict = {}
    field = ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line:
            if entry.get("msgid", [""])[0]:
                entries.append(entry)
            entry, field = {}, ""
        elif line.startswith("#,"):
            entry["fuzzy"] = "fuzzy" in (flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[field][-1] += ast.literal_eval(line)
        else:
            field, _, value = line.partition(" ")
            key = "msgstr" if field.startswith("msgstr") else field
            entry.setdefault(key, []).append(ast.literal_eval(value))
            field = key
    return [
        {
            "msgctxt": e.get("msgctxt", [None])[0],
            "msgid": e["msgid"][0],
            "msgid_plural": e.get("msgid_plural", [None])[0],
            "msgstr": e.get("msgstr", [""]),
            "fuzzy": e.get("fuzzy", False),
        }
        for e in entries
    ]


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = read_po(CATALOG)
    assert len(entries) > 100
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in entries if e["fuzzy"]]
    assert untranslated == [], f"untranslated in {CATALOG.name}"
    assert fuzzy == [], f"fuzzy in {CATALOG.name}: check the guess and remove the flag"


def test_the_compiled_catalog_matches_the_po_file():
    """A stale django.mo (run compilemessages) serves the wrong or the Chinese text."""
    with open(CATALOG.with_suffix(".mo"), "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for e in read_po(CATALOG):
        if e["fuzzy"]:
            continue
        ctxt, msgid, plural = e["msgctxt"], e["msgid"], e["msgid_plural"]
        if plural is None:
            got = [compiled.pgettext(ctxt, msgid) if ctxt else compiled.gettext(msgid)]
        else:
            got = [
                compiled.npgettext(ctxt, msgid, plural, n) if ctxt else compiled.ngettext(msgid, plural, n)
                for n in (1, 2)
            ]
        assert got == e["msgstr"], msgid


def test_every_marked_string_in_the_code_is_in_the_catalog(tmp_path: Path):
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.skip("GNU gettext (xgettext, msgmerge) is not installed: scripts/system-deps.sh")
    copy = tmp_path / "lingjun"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "django.po", "django.mo"))
    env = {
        **os.environ,
        "PYTHONPATH": str(tmp_path),
        "LINGJUN_HOME": str(tmp_path / "home"),
        "DJANGO_SETTINGS_MODULE": "lingjun.settings",
    }
    command = [sys.executable, "-m", "django", "makemessages", "-l", "en", "--no-obsolete"]
    subprocess.run(command, cwd=copy, env=env, check=True, capture_output=True, timeout=120)
    in_code = {(e["msgctxt"], e["msgid"]) for e in read_po(copy / MESSAGES / "django.po")}
    in_catalog = {(e["msgctxt"], e["msgid"]) for e in read_po(CATALOG)}
    assert in_code, "makemessages found no strings in the copy"
    assert sorted(in_code - in_catalog) == [], "run makemessages -l en and translate the new strings"


def test_translations_keep_the_placeholders_of_the_source():
    for e in read_po(CATALOG):
        for form, text in enumerate(e["msgstr"]):
            source = e["msgid"] if form == 0 or e["msgid_plural"] is None else e["msgid_plural"]
            if text:
                assert Counter(PLACEHOLDER.findall(text)) == Counter(PLACEHOLDER.findall(source)), text
