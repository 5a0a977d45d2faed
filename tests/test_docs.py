"""Docs are tested: every CLI command and every environment variable is documented."""

from __future__ import annotations

import re
from pathlib import Path

from lingjun.cli import app

ROOT = Path(__file__).resolve().parent.parent


def _sources() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "src" / "lingjun").rglob("*.py"))


def test_every_cli_command_is_documented():
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    names = [c.name or c.callback.__name__ for c in app.registered_commands]  # type: ignore[union-attr]
    assert names, "no commands registered"
    for name in names:
        assert f"## `lingjun {name}" in doc, f"docs/cli.md lacks a section for `lingjun {name}`"


def test_every_environment_variable_is_documented():
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    used = set(re.findall(r"[\"'](LINGJUN_[A-Z_]+|DATABASE_URL)[\"']", _sources()))
    assert used, "found no environment variables: the pattern is broken"
    for name in sorted(used):
        assert f"`{name}`" in doc, f"docs/configuration.md does not document {name}"


def test_readme_quick_start_is_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make demo", "make test"]


def test_the_permission_matrix_in_the_docs_is_the_code_s():
    from lingjun.apps.accounts.permissions import matrix_markdown

    doc = (ROOT / "docs" / "permissions.md").read_text(encoding="utf-8")
    assert matrix_markdown() in doc, "docs/permissions.md: paste the table of matrix_markdown() again"


def test_every_text_length_is_documented():
    from lingjun.dossier.schema import SECTIONS

    text = (ROOT / "docs" / "dossier-format.md").read_text(encoding="utf-8")
    for section in SECTIONS:
        for spec in section.fields:
            if spec.type == "str" and not (section.key != "enterprise" and spec.name == "uscc"):
                row = f"| {section.sheet} | `{spec.name}` | {spec.label} | {spec.max_length} |"
                assert row in text, row
