"""Text kinds (SMS and email bodies): one Jinja2 file per part, rendered without HTML escaping."""

from __future__ import annotations

from typing import Any

from documents.environment import text_env
from documents.manifest import Manifest


def render_text(manifest: Manifest, context: dict[str, Any]) -> dict[str, str]:
    """Each part of the kind (e.g. subject, body) rendered and stripped of outer whitespace."""
    env = text_env()
    return {
        part: env.get_template(f"{manifest.kind}/{manifest.part_path(part).name}")
        .render(context)
        .strip()
        for part in manifest.parts
    }


def as_file(parts: dict[str, str]) -> str:
    """One text file: a single `body` as is; several parts each under a `[part]` line."""
    if list(parts) == ["body"]:
        return parts["body"] + "\n"
    return "".join(f"[{name}]\n{text}\n\n" for name, text in parts.items()).rstrip("\n") + "\n"
