"""Which legal step follows a lawyer's letter whose deadline passed unpaid.

Issue 19 item 4: once the lawyer's letter's payment deadline has passed with nothing paid since
the letter, and no repayment plan, open promise or open dispute on the case, the next step is a
payment order (支付令) where its preconditions hold (rules/payment_order.py: CPL 2023 Art. 225,
SPC CPL interpretation 2022 Art. 427), else a suit (民事起诉, CPL 2023 Art. 124). Before that
there is no next step, and the answer says what is still waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from rules.payment_order import PaymentOrderFacts, Preconditions, check_preconditions


class NextStep(StrEnum):
    PAYMENT_ORDER = "payment_order"
    SUIT = "suit"
    NONE = "none"  # not yet: the letter's deadline, a plan, a promise or a dispute stands


@dataclass(frozen=True)
class LetterState:
    """The case's latest lawyer's letter and what happened since it."""

    letter_deadline: date | None  # None: no lawyer's letter on file
    paid_since_letter: bool
    plan_current: bool  # a proposed or current repayment plan
    open_promise: bool
    open_disputes: int


@dataclass(frozen=True)
class NextStepAnswer:
    step: NextStep
    reasons: tuple[str, ...]
    preconditions: Preconditions | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "step": self.step.value,
            "reasons": list(self.reasons),
            "preconditions": self.preconditions.as_dict() if self.preconditions else None,
        }


def _waiting(s: LetterState, as_of: date) -> list[str]:
    waiting = []
    if s.letter_deadline is None:
        waiting.append("no lawyer's letter on file")
    elif s.letter_deadline >= as_of:
        waiting.append(f"the lawyer's letter's deadline {s.letter_deadline} has not passed")
    if s.paid_since_letter:
        waiting.append("a payment was received since the lawyer's letter")
    if s.plan_current:
        waiting.append("a repayment plan is proposed or current")
    if s.open_promise:
        waiting.append("a promise to pay is open")
    if s.open_disputes:
        waiting.append("a dispute or defence is open")
    return waiting


def next_legal_step(s: LetterState, facts: PaymentOrderFacts, as_of: date) -> NextStepAnswer:
    """Payment order where its preconditions hold, else a suit, with the reasons; `none` with
    what is still waiting while the letter's deadline, a payment, plan, promise or dispute
    stands."""
    waiting = _waiting(s, as_of)
    if waiting:
        return NextStepAnswer(NextStep.NONE, tuple(waiting), None)
    pre = check_preconditions(facts)
    passed = f"the lawyer's letter's deadline {s.letter_deadline} passed unpaid"
    if pre.hold:
        return NextStepAnswer(
            NextStep.PAYMENT_ORDER,
            (passed, "every payment-order precondition holds (CPL 2023 Art. 225, SPC CPL "
             "interpretation 2022 Art. 427)"),
            pre,
        )  # fmt: skip
    failing = [f"{c.condition.value}: {c.reason}" for c in pre.failing]
    return NextStepAnswer(
        NextStep.SUIT, (passed, "a payment order is not available", *failing), pre
    )
