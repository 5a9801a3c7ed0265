"""The next legal step after a lawyer's letter: none while anything stands, else a payment order
where its preconditions hold, else a suit with the failing preconditions as reasons."""

from __future__ import annotations

import dataclasses
from datetime import date

from rules.next_step import LetterState, NextStep, next_legal_step
from tests.rules.test_payment_order import GOOD

AS_OF = date(2026, 12, 1)
PASSED = LetterState(date(2026, 11, 20), False, False, False, 0)


def test_payment_order_when_the_deadline_passed_and_preconditions_hold() -> None:
    answer = next_legal_step(PASSED, GOOD, AS_OF)
    assert answer.step is NextStep.PAYMENT_ORDER
    assert "2026-11-20 passed unpaid" in answer.reasons[0]
    assert answer.as_dict()["preconditions"]["hold"] is True


def test_suit_when_a_precondition_fails_names_it() -> None:
    answer = next_legal_step(PASSED, dataclasses.replace(GOOD, last_letter_returned=True), AS_OF)
    assert answer.step is NextStep.SUIT
    assert any(r.startswith("servable_without_public_notice:") for r in answer.reasons)


def test_nothing_yet_while_the_deadline_runs_or_a_plan_promise_or_dispute_stands() -> None:
    cases = {
        "has not passed": dataclasses.replace(PASSED, letter_deadline=AS_OF),
        "no lawyer's letter": dataclasses.replace(PASSED, letter_deadline=None),
        "payment was received": dataclasses.replace(PASSED, paid_since_letter=True),
        "repayment plan": dataclasses.replace(PASSED, plan_current=True),
        "promise to pay": dataclasses.replace(PASSED, open_promise=True),
        "dispute": dataclasses.replace(PASSED, open_disputes=1),
    }
    for words, state in cases.items():
        answer = next_legal_step(state, GOOD, AS_OF)
        assert answer.step is NextStep.NONE and answer.preconditions is None
        assert any(words in r for r in answer.reasons), (words, answer.reasons)
