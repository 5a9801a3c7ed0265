"""Which policy folder: the one rule for the CLI, the flows and every loader given none."""

from __future__ import annotations

from pathlib import Path

from models.db import env_settings, home_dir

SHIPPED_POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"


def resolve_policy_dir(home: Path | None = None) -> Path:
    """The policy folder: $DUECOURSE_POLICY_DIR, else `<home>/policy` when the bank keeps one
    there (`home` defaults to the Duecourse home: $DUECOURSE_HOME, else ./.duecourse), else the
    shipped policy/ folder."""
    env = env_settings().policy_dir
    if env is not None:
        return env.expanduser().resolve()
    kept = (home if home is not None else home_dir()) / "policy"
    return kept if kept.is_dir() else SHIPPED_POLICY_DIR
