"""Loading the negotiation policy: `<policy>/negotiation.yaml`, else the shipped one, else the
defaults. Read by the one YAML loader, so a bad file is `file:line: message` (exit 2)."""

from __future__ import annotations

from pathlib import Path

from rules.negotiation_policy import NegotiationPolicy
from tasks.policy_dir import SHIPPED_POLICY_DIR, resolve_policy_dir
from tasks.yaml_file import load_model

NEGOTIATION_FILE = "negotiation.yaml"


def negotiation_file(policy_dir: Path | None = None) -> Path | None:
    """The negotiation.yaml in use: the policy folder's (of a single policy file), else shipped."""
    source = (policy_dir or resolve_policy_dir()).resolve()
    folder = source if source.is_dir() else source.parent
    for candidate in (folder / NEGOTIATION_FILE, SHIPPED_POLICY_DIR / NEGOTIATION_FILE):
        if candidate.is_file():
            return candidate
    return None


def load_negotiation_policy(policy_dir: Path | None = None) -> NegotiationPolicy:
    """The negotiation policy in use (see the module's doc)."""
    path = negotiation_file(policy_dir)
    return NegotiationPolicy() if path is None else load_model(path, NegotiationPolicy)
