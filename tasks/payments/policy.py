"""Loading the payments policy: `<policy>/payments.yaml`, else the shipped one, else the default
order (fees, interest, principal). Read by the one YAML loader, so a bad file is
`file:line: message` (YamlFileError, exit 2): an order that is not a permutation of the heads
is refused there, not when the first payment is allocated."""

from __future__ import annotations

from pathlib import Path

from rules.allocation import PaymentPolicy
from tasks.policy_dir import SHIPPED_POLICY_DIR, resolve_policy_dir
from tasks.yaml_file import load_model

PAYMENTS_FILE = "payments.yaml"


def payments_file(policy_dir: Path | None = None) -> Path | None:
    """The payments.yaml in use: the policy folder's (of a single policy file), else shipped."""
    source = (policy_dir or resolve_policy_dir()).resolve()
    folder = source if source.is_dir() else source.parent
    for candidate in (folder / PAYMENTS_FILE, SHIPPED_POLICY_DIR / PAYMENTS_FILE):
        if candidate.is_file():
            return candidate
    return None


def load_payment_policy(policy_dir: Path | None = None) -> PaymentPolicy:
    """The payments policy in use (see the module's doc)."""
    path = payments_file(policy_dir)
    return PaymentPolicy() if path is None else load_model(path, PaymentPolicy)
