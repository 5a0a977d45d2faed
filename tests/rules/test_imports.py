"""``lingjun.rules`` has no import cycle between its modules (the import-linter contracts of
``make lint`` rely on it), never imports Django, and every module imports on its own.

Every import counts, as import-linter's graph counts it: at module level, inside functions and
under ``if TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import lingjun.rules

PACKAGE = Path(lingjun.rules.__file__).parent
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def imported(module: str) -> set[str]:
    """The modules of ``lingjun.rules`` that ``module`` imports (anywhere in its file)."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "lingjun.rules":  # from lingjun.rules import expr (or the package)
                out |= {a.name if a.name in MODULES else "__init__" for a in node.names}
            elif node.module.startswith("lingjun.rules."):
                out.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[2] for a in node.names if a.name.startswith("lingjun.rules.")}
    return out - {module}


def graph() -> dict[str, set[str]]:
    return {m: imported(m) for m in MODULES}


def cycle(g: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``g`` (as a path that returns to its start), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for dep in sorted(g.get(m, ())):
            if state.get(dep) == 1:
                return [*path[path.index(dep) :], dep]
            if dep not in state and (found := visit(dep)):
                return found
        path.pop()
        state[m] = 2
        return None

    for m in sorted(g):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None


def test_the_library_has_no_import_cycle() -> None:
    g = graph()
    assert "plan" in g and "spec" in g
    assert cycle(g) is None, " → ".join(cycle(g) or [])


def test_no_module_imports_the_package_itself() -> None:
    """``from lingjun.rules import X`` inside the library would make every module depend on all."""
    assert {m for m, deps in graph().items() if "__init__" in deps} == set()


def test_the_library_never_imports_django() -> None:
    for m in [*MODULES, "__init__"]:
        text = (PACKAGE / f"{m}.py").read_text(encoding="utf-8")
        tree = ast.parse(text)
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [n for n in names if n.split(".")[0] == "django"], m


@pytest.mark.parametrize("module", MODULES)
def test_every_module_imports(module: str) -> None:
    importlib.import_module(f"lingjun.rules.{module}")
