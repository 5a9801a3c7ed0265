"""The layers of design.md, checked from the repository itself (no file outside it needed): each
top-level package imports only the packages below it, and the pure core (`rules/`) imports no
database, workflow, rendering or file-format library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAY_IMPORT: dict[str, set[str]] = {
    "rules": {"rules"},
    "models": {"models", "rules"},
    "documents": {"documents", "rules"},
    "tasks": {"tasks", "models", "documents", "rules"},
    "flows": {"flows", "tasks", "models", "documents", "rules"},
    "duecourse": {"duecourse", "flows", "tasks", "models", "documents", "rules"},
}
OURS = set(MAY_IMPORT)
# The pure core decides; it does not read or write anything.
NOT_IN_RULES = {
    "sqlalchemy", "sqlmodel", "alembic", "psycopg", "prefect", "weasyprint", "docxtpl",
    "docx", "yaml", "typer", "rich", "os", "pathlib", "subprocess", "socket", "requests",
    "httpx", "smtplib",
}  # fmt: skip


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every absolute import in a file, nested ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def violations(root: Path) -> list[str]:
    out: list[str] = []
    for layer, allowed in MAY_IMPORT.items():
        for path in sorted((root / layer).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for line, package in imports(path):
                where = f"{path.relative_to(root)}:{line}"
                if package in OURS and package not in allowed:
                    out.append(f"{where}: {layer}/ imports {package}/")
                if layer == "rules" and package in NOT_IN_RULES:
                    out.append(f"{where}: the pure core imports {package}")
    return out


def test_no_import_goes_against_the_layers() -> None:
    assert violations(ROOT) == []


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    """The check itself works: a rules/ module importing the store or a file library fails."""
    for layer in MAY_IMPORT:
        (tmp_path / layer).mkdir()
    (tmp_path / "rules" / "bad.py").write_text(
        "from models import Case\nimport yaml\n\ndef f():\n    from tasks.x import y\n",
        encoding="utf-8",
    )
    found = violations(tmp_path)
    assert found == [
        "rules/bad.py:1: rules/ imports models/",
        "rules/bad.py:2: the pure core imports yaml",
        "rules/bad.py:5: rules/ imports tasks/",
    ]


@pytest.mark.parametrize("layer", sorted(MAY_IMPORT))
def test_every_layer_exists(layer: str) -> None:
    assert any((ROOT / layer).rglob("*.py")), layer
