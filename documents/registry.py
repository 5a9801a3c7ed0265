"""The known document kinds: one folder per kind under documents/templates/."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from documents.manifest import MANIFEST_FILE, Manifest, load_manifest
from rules.errors import NotFoundError

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
SHARED_DIR = TEMPLATES_DIR / "_shared"


def kind_folders(root: Path = TEMPLATES_DIR) -> list[Path]:
    """Every folder holding a manifest, sorted by name (`_shared` holds none)."""
    return sorted(p.parent for p in root.glob(f"*/{MANIFEST_FILE}"))


def known_kinds(root: Path = TEMPLATES_DIR) -> set[str]:
    """Names of every template kind (the policy validator checks ladder templates against it)."""
    return {folder.name for folder in kind_folders(root)}


@cache
def _manifest(folder: Path) -> Manifest:
    return load_manifest(folder)


def get_manifest(kind: str, root: Path = TEMPLATES_DIR) -> Manifest:
    """The manifest of `kind`; an unknown kind raises NotFoundError (exit 1)."""
    folder = root / kind
    if not kind.isidentifier() or not (folder / MANIFEST_FILE).is_file():
        known = ", ".join(sorted(known_kinds(root))) or "none"
        raise NotFoundError(f"unknown document kind {kind!r} (known: {known})")
    return _manifest(folder)
