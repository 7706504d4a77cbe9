"""Data flows one way, ui → lessons → agent → tools: the engine imports no gradio or openai, the agent no gradio,
the lessons no gradio."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"tools": {"gradio", "openai", "agent", "ui", "lessons"}, "agent": {"gradio", "ui", "lessons"},
             "lessons": {"gradio", "ui"}}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_packages_import_only_downstream(package: str):
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_no_pyplot_in_the_engine():
    # codegen.py modules (tools/core/ and each family's) write pyplot into the scripts they return
    engine = [path for path in (ROOT / "tools").rglob("*.py") if path.name != "codegen.py"]
    assert {path.parent.name for path in engine} >= {"tools", "core", "views", "analyses"}, "the scan missed packages"
    for path in engine:
        source = path.read_text(encoding="utf-8")
        code_lines = [line for line in source.splitlines() if "import matplotlib.pyplot" in line
                      and not line.strip().startswith(("#", '"', "'"))]
        assert code_lines == [], path
