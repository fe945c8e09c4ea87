"""Pages and commands reach the database only through the services; core stays free of Streamlit and the store."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "dashboard"


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function ("from a import b" counts as a and a.b)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def files(*parts: str) -> list[Path]:
    found = []
    for part in parts:
        target = PACKAGE / part
        found += sorted(target.rglob("*.py")) if target.is_dir() else [target]
    return found


def offending(paths: list[Path], forbidden: str) -> list[str]:
    return [f"{p.relative_to(PACKAGE.parent)} imports {name}" for p in paths for name in sorted(imported_modules(p))
            if name == forbidden or name.startswith(forbidden + ".")]


@pytest.mark.parametrize("layer", ["views", "components", "cli", "app.py", "__main__.py"])
def test_pages_and_commands_do_not_import_the_store(layer):
    assert offending(files(layer), "dashboard.store") == []


def test_core_imports_neither_streamlit_nor_the_store_nor_the_services():
    core = files("core")
    assert offending(core, "streamlit") + offending(core, "dashboard.store") + offending(core, "dashboard.services") \
        == []


def test_command_modules_do_not_import_the_package_that_imports_them():
    """dashboard/cli/__init__.py imports every command module; one importing it back would be a circle."""
    modules = [p for p in files("cli") if p.name != "__init__.py"]
    circles = [f"{p.name} imports dashboard.cli" for p in modules if "dashboard.cli" in imported_modules(p)]
    assert circles == []
    assert not (PACKAGE / "cli_import.py").exists() and not (PACKAGE / "cli.py").exists()
