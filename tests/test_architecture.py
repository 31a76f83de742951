"""docs/architecture.md stays true: every module is listed there with its job, and imports only
what its row allows (the layering a newcomer reads is the one the code has)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"


def _table(heading: str) -> dict[str, set[str]]:
    """``module → allowed imports`` from the table under ``heading`` (``—`` is none)."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        allowed = set(re.findall(r"`([^`]+)`", cells[2]))
        rows[cells[0].strip("`")] = allowed
    assert rows, f"no module table under '## {heading}' in {DOC}"
    return rows


def _python_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            parts = node.module.split(".")  # an absolute `from latent_magic._x import …`
            if parts[0] == "latent_magic":
                found.add(parts[1] if len(parts) > 1 else "__init__")
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module)
            else:  # `from . import _x` names a module; `from . import explore`, the package
                for alias in node.names:
                    is_module = (path.parent / f"{alias.name}.py").exists()
                    found.add(alias.name if is_module else "__init__")
    return found


def _js_imports(path: Path) -> set[str]:
    return set(re.findall(r'(?:from|import)\s+"\./(\w+)\.js"', path.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("heading", "folder", "pattern", "imports"),
    [
        ("Python modules", ROOT / "latent_magic", "*.py", _python_imports),
        ("Front-end modules", ROOT / "js", "*.js", _js_imports),
    ],
)
def test_every_module_is_documented_and_imports_only_what_its_row_allows(
    heading, folder, pattern, imports
):
    table = _table(heading)
    files = {p.stem: p for p in folder.glob(pattern)}
    assert set(files) == set(table), (
        f"modules without a row in docs/architecture.md: {sorted(set(files) - set(table))}; "
        f"rows without a module: {sorted(set(table) - set(files))}"
    )
    for name, path in files.items():
        extra = imports(path) - table[name]
        assert not extra, f"{path.name} imports {sorted(extra)}, which its row does not allow"
