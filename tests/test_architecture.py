"""The architecture's contracts (``[tool.importlinter]`` in pyproject.toml, run by ``make lint``):
they hold for the code, and they fail when someone adds what they forbid.

Each breaking case copies the package to a temporary folder, adds one import there, and runs
``lint-imports`` on the copy with the project's own contracts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(src: Path, config: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT_IMPORTS), str(config), "--no-cache"],
        cwd=src,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("arch") / "src"
    shutil.copytree(ROOT / "src" / "lingjun", dest / "lingjun", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def _with_import(copy: Path, module: str, line: str) -> Path:
    """A fresh copy of ``copy`` where ``module`` (a path under lingjun/) also has ``line``."""
    other = copy.parent / f"src-{abs(hash((module, line)))}"
    shutil.copytree(copy, other)
    target = other / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    return other


def test_the_code_keeps_every_contract(copy: Path):
    result = _lint(copy, copy / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        # a new cycle between two apps: accounts (roles) would depend on evaluation
        (
            "lingjun/apps/accounts/models.py",
            "from lingjun.apps.evaluation import services as _cycle  # noqa",
            "Layers: interfaces, then the apps",
        ),
        # a new cycle between two modules of the dossier format
        (
            "lingjun/dossier/uscc.py",
            "from lingjun.dossier import validate as _cycle  # noqa",
            "No import cycles",
        ),
        # a cycle inside the rules library: the policy model would read the loader again
        (
            "lingjun/rules/policy.py",
            "from lingjun.rules import loader as _cycle  # noqa",
            "No import cycles",
        ),
        # the rules library importing Django
        ("lingjun/rules/errors.py", "import django.db as _django  # noqa", "never import Django"),
        # a selector calling a service of its own app
        (
            "lingjun/apps/enterprises/selectors/pool.py",
            "from lingjun.apps.enterprises import services as _up  # noqa",
            "Inside each app",
        ),
        # one app reaching into another's pages
        (
            "lingjun/apps/evaluation/services.py",
            "from lingjun.apps.enterprises import forms as _internal  # noqa",
            "No app reaches into another app's pages",
        ),
    ],
)
def test_a_forbidden_import_breaks_its_contract(copy: Path, module: str, line: str, contract: str):
    broken = _with_import(copy, module, line)
    result = _lint(broken, broken / "pyproject.toml")
    assert result.returncode != 0
    out = " ".join(result.stdout.split())  # lint-imports wraps long names
    assert "BROKEN" in out
    broken_part = out.split("Broken contracts", 1)[1]
    assert contract in broken_part, out
