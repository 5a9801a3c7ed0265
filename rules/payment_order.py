"""The payment-order track (支付令, 督促程序): may the bank apply, what it costs, whom it binds.

Preconditions, each with the article that sets it (domain.md section 3):
- CPL 2023 Art. 225: a claim for money (or securities) that has fallen due and is of a fixed
  amount (到期且数额确定), with no other debt dispute between the parties (no open dispute or
  defence on the case), and the order can be served on the debtor.
- SPC CPL interpretation 2022 Art. 427: the court refuses the application when the debtor is not
  within China (不在我国境内) or is missing (下落不明), when the order could only be served by
  public notice (公告送达), or when the creditor has applied for pre-suit preservation (诉前保全).
- Interpretation Art. 430: the procedure ends when the order cannot be served within 30 days
  (the legal-events track counts that milestone).

Fees (诉讼费用交纳办法 Art. 14(3), rules/fees.py): one third of the property-case acceptance fee;
when an objection ends the procedure and the matter turns into a suit (CPL Art. 228), the bank
tops the acceptance fee up: the lawsuit fee less the payment-order fee already paid.

The order does not bind guarantors (interpretation Art. 434): the application names the debtor
only (`respondents`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from rules.fees import CourtFee, FeeKind, court_fee


class Precondition(StrEnum):
    """One condition of the payment-order track (the JSON and CLI spelling is the value)."""

    MONEY_CLAIM = "money_claim"
    MATURED = "matured"
    FIXED_SUM = "fixed_sum"
    NO_OTHER_DISPUTE = "no_other_dispute"
    DEBTOR_IN_CHINA = "debtor_in_china"
    DEBTOR_NOT_MISSING = "debtor_not_missing"
    SERVABLE_WITHOUT_NOTICE = "servable_without_public_notice"
    NO_PRESERVATION = "no_pre_suit_preservation"


ARTICLES: dict[Precondition, str] = {
    Precondition.MONEY_CLAIM: "CPL 2023 Art. 225: a claim for money or securities",
    Precondition.MATURED: "CPL 2023 Art. 225: the debt has fallen due (到期)",
    Precondition.FIXED_SUM: "CPL 2023 Art. 225: the amount is fixed (数额确定)",
    Precondition.NO_OTHER_DISPUTE: "CPL 2023 Art. 225(1): no other debt dispute between the "
    "parties",
    Precondition.DEBTOR_IN_CHINA: "SPC CPL interpretation 2022 Art. 427: the debtor is within "
    "China",
    Precondition.DEBTOR_NOT_MISSING: "SPC CPL interpretation 2022 Art. 427: the debtor is not "
    "missing (下落不明)",
    Precondition.SERVABLE_WITHOUT_NOTICE: "CPL 2023 Art. 225(2); SPC CPL interpretation 2022 "
    "Art. 427: the order can be served without public notice (公告送达)",
    Precondition.NO_PRESERVATION: "SPC CPL interpretation 2022 Art. 427: the creditor has not "
    "applied for pre-suit preservation (诉前保全)",
}


@dataclass(frozen=True)
class PaymentOrderFacts:
    """What the store knows about a case, as the preconditions read it (tasks/legal_next.py
    gathers it). `claim` is the total owed as of `amounts_as_of`; `province` the debtor's."""

    claim: Decimal
    money_claim: bool
    days_past_due: int
    open_disputes: int
    province_in_china: bool | None  # None: no province on file
    whereabouts_known: bool  # some contact reached the debtor (a delivered letter, a call)
    address_on_file: bool
    last_letter_returned: bool  # the latest registered letter came back (退件)
    preservation_applied: bool


@dataclass(frozen=True)
class Check:
    condition: Precondition
    holds: bool
    reason: str

    @property
    def article(self) -> str:
        return ARTICLES[self.condition]

    def as_dict(self) -> dict[str, Any]:
        return {
            "condition": self.condition.value,
            "holds": self.holds,
            "reason": self.reason,
            "article": self.article,
        }


@dataclass(frozen=True)
class Preconditions:
    checks: tuple[Check, ...]

    @property
    def hold(self) -> bool:
        return all(c.holds for c in self.checks)

    @property
    def failing(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.holds)

    def as_dict(self) -> dict[str, Any]:
        return {
            "hold": self.hold,
            "failing": [c.condition.value for c in self.failing],
            "checks": [c.as_dict() for c in self.checks],
        }


def _in_china(f: PaymentOrderFacts) -> Check:
    if f.province_in_china is None:
        return Check(Precondition.DEBTOR_IN_CHINA, False, "no province is on file for the debtor")
    if not f.province_in_china:
        return Check(
            Precondition.DEBTOR_IN_CHINA, False, "the debtor's province is outside mainland China"
        )
    return Check(Precondition.DEBTOR_IN_CHINA, True, "the debtor's province is in mainland China")


def _servable(f: PaymentOrderFacts) -> Check:
    c = Precondition.SERVABLE_WITHOUT_NOTICE
    if not f.address_on_file:
        return Check(c, False, "no address on file: only public notice could serve the order")
    if f.last_letter_returned:
        return Check(c, False, "the latest registered letter to the address came back (退件)")
    return Check(c, True, "the latest registered letter to the address was not returned")


def check_preconditions(f: PaymentOrderFacts) -> Preconditions:
    """Every precondition with whether it holds and why (each failing one is named)."""
    checks = (
        Check(
            Precondition.MONEY_CLAIM, f.money_claim,
            "a card debt is a claim for money" if f.money_claim else "not a claim for money",
        ),
        Check(
            Precondition.MATURED, f.days_past_due > 0,
            f"{f.days_past_due} days past due" if f.days_past_due > 0 else "not yet due",
        ),
        Check(
            Precondition.FIXED_SUM, f.claim > 0,
            f"{f.claim:,.2f} yuan as of the latest balances" if f.claim > 0
            else "nothing is owed",
        ),
        Check(
            Precondition.NO_OTHER_DISPUTE, f.open_disputes == 0,
            "no open dispute or defence" if f.open_disputes == 0
            else f"{f.open_disputes} open dispute(s) or defence(s) on the case",
        ),
        _in_china(f),
        Check(
            Precondition.DEBTOR_NOT_MISSING, f.whereabouts_known,
            "a contact reached the debtor" if f.whereabouts_known
            else "no contact ever reached the debtor (whereabouts unknown)",
        ),
        _servable(f),
        Check(
            Precondition.NO_PRESERVATION, not f.preservation_applied,
            "no pre-suit preservation applied for" if not f.preservation_applied
            else "pre-suit preservation was applied for",
        ),
    )  # fmt: skip
    return Preconditions(checks)


def payment_order_fee(claim: Decimal) -> CourtFee:
    """诉讼费用交纳办法 Art. 14(3): one third of the Art. 13(1) property-case fee."""
    return court_fee(claim, FeeKind.PAYMENT_ORDER)


def suit_top_up(claim: Decimal, paid: Decimal | None = None) -> CourtFee:
    """The acceptance fee to top up when an objection ends the procedure and the bank sues
    (CPL Art. 228): the lawsuit fee less the payment-order fee paid (default: the fee on the
    same claim), never below zero."""
    return court_fee(claim, FeeKind.LAWSUIT_AFTER_PAYMENT_ORDER, paid=paid)


class PartyRole(StrEnum):
    DEBTOR = "debtor"
    GUARANTOR = "guarantor"


def respondents(parties: list[tuple[str, PartyRole]]) -> list[str]:
    """Whom the application names: the debtor only; a payment order does not bind guarantors
    (SPC CPL interpretation 2022 Art. 434), who are sued separately if at all."""
    return [name for name, role in parties if role is PartyRole.DEBTOR]
