"""The bank's details (`<policy>/bank.yaml`) as a typed, validated model.

Every letter and message prints them (templates read `bank.*` from `Bank.template_map()`). The
model is frozen and forbids unknown keys, so a typo fails loudly with the field named. The
letter settings live here too: the mail's transit time, each letter's deadline, what cures the
default, and the bank's billing cycle (past it, a letter no longer speaks of "本期" figures).

`demo_values` names every field that still carries a value the product ships for its demo (the
all-zero account, example.com, 400-000-0000, 021-00000000, the 演示 names): with `demo: false`
such a letter would go out to a real customer with invented payment details, so rendering is
refused (`refuse_demo_values`).
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rules.errors import DuecourseError, InputError
from tasks.yaml_file import load_model

BANK_FILE = "bank.yaml"
DEFAULT_DEADLINE_DAYS = 10
DEFAULT_MAIL_TRANSIT_DAYS = 3
DEFAULT_BILLING_CYCLE_DAYS = 30


class CureRule(StrEnum):
    """What payment stops the collection a letter demands."""

    MINIMUM_DUE = "minimum_due"  # paying the (overdue) minimum due brings the account current
    FULL_BALANCE = "full_balance"  # only the whole balance stated in the letter


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Repayment(_Frozen):
    account_name: str
    account_number: str
    bank_branch: str
    channels: tuple[str, ...] = Field(min_length=1)


class Dispute(_Frozen):
    address: str
    email: str


class LetterSettings(_Frozen):
    # days the debtor is given once the letter has arrived (counted after the transit days)
    deadline_days: int = Field(default=DEFAULT_DEADLINE_DAYS, ge=0, le=366)
    cure: CureRule = CureRule.MINIMUM_DUE


class Letters(_Frozen):
    collection_letter: LetterSettings = LetterSettings()


class Bank(_Frozen):
    demo: bool = False
    name: str
    short_name: str
    address: str
    postcode: str
    hotline: str
    phone: str
    service_hours: str
    website: str
    repayment: Repayment
    dispute: Dispute
    seal_text: str
    # a registered letter takes days to arrive: the deadline is counted from its delivery
    mail_transit_days: int = Field(default=DEFAULT_MAIL_TRANSIT_DAYS, ge=0, le=60)
    # an account more than one cycle past due has no "本期" bill or minimum any more
    billing_cycle_days: int = Field(default=DEFAULT_BILLING_CYCLE_DAYS, ge=1, le=366)
    letters: Letters = Letters()
    # the conduct rule pack every contact is checked against: policy/conduct/<name>.yaml
    # (tasks/conduct.py); cn is China's, us-regf proves a pack is data
    conduct_pack: str = Field(default="cn", pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")

    def template_map(self) -> dict[str, Any]:
        """What templates see as `bank` (JSON-safe; stored with each document's data). The
        conduct pack is no letter's business (and leaves stored document data as it was)."""
        return self.model_dump(mode="json", exclude={"conduct_pack"})


def load_bank(policy_dir: Path) -> Bank:
    """`<policy_dir>/bank.yaml`, validated by the one YAML loader: a bad file is one line,
    `file:line: message` (YamlFileError, exit 2), with how many more problems it has."""
    return load_model(policy_dir / BANK_FILE, Bank)


def parse_bank(raw: dict[str, Any], where: str = BANK_FILE) -> Bank:
    """The bank's details from data already read (no lines to point at: the field is named)."""
    try:
        return Bank.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise InputError(f"{where}: {field}: {first['msg']}") from None


# Values the shipped demo bank.yaml carries; none of them may reach a real customer.
_DEMO_TEXT = ("example.com", "演示", "400-000-0000", "021-00000000")
_ALL_ZERO = re.compile(r"^[0\s-]+$")


def _strings(value: Any, path: str) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [
            pair for k, v in value.items() for pair in _strings(v, f"{path}.{k}" if path else k)
        ]
    if isinstance(value, list | tuple):
        return [pair for i, v in enumerate(value) for pair in _strings(v, f"{path}[{i}]")]
    return [(path, value)] if isinstance(value, str) else []


def demo_values(bank: Bank) -> list[str]:
    """The fields (dotted paths) whose value is still one of the shipped demo values."""
    found = []
    for path, value in _strings(bank.template_map(), ""):
        text = value.strip()
        if any(marker in text for marker in _DEMO_TEXT) or (
            _ALL_ZERO.match(text) and any(c == "0" for c in text)
        ):
            found.append(path)
    return found


def refuse_demo_values(bank: Bank) -> None:
    """With `demo: false`, a demo value still in bank.yaml refuses rendering, the field named."""
    if bank.demo:
        return
    fields = demo_values(bank)
    if fields:
        more = f" (and {len(fields) - 1} more)" if len(fields) > 1 else ""
        raise DuecourseError(
            f"{BANK_FILE}: {fields[0]} is still the demo value{more}; "
            "replace it before sending letters"
        )
