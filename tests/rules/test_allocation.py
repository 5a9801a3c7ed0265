"""Allocating a payment to the heads, to the fen, in the policy's order."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from rules.allocation import DEFAULT_ORDER, Allocation, Head, PaymentPolicy, allocate

ORDERS = [tuple(p) for p in itertools.permutations(DEFAULT_ORDER)]


def test_default_order_pays_fees_then_interest_then_principal() -> None:
    owed = {Head.FEES: 5000, Head.INTEREST: 80000, Head.PRINCIPAL: 2000000}
    assert allocate(85001, owed, DEFAULT_ORDER) == Allocation(5000, 80000, 1, 0)


def test_another_order_is_respected() -> None:
    owed = {Head.FEES: 5000, Head.INTEREST: 80000, Head.PRINCIPAL: 2000000}
    order = (Head.PRINCIPAL, Head.INTEREST, Head.FEES)
    assert allocate(2000099, owed, order) == Allocation(0, 99, 2000000, 0)


def test_beyond_every_head_is_an_overpayment() -> None:
    owed = {Head.FEES: 1, Head.INTEREST: 2, Head.PRINCIPAL: 3}
    assert allocate(10, owed, DEFAULT_ORDER) == Allocation(1, 2, 3, 4)


def test_a_negative_head_counts_as_nothing() -> None:
    owed = {Head.FEES: -500, Head.INTEREST: 100, Head.PRINCIPAL: 100}
    assert allocate(150, owed, DEFAULT_ORDER) == Allocation(0, 100, 50, 0)


def test_refused_order_and_amount() -> None:
    with pytest.raises(ValueError):
        allocate(1, {}, (Head.FEES, Head.FEES, Head.PRINCIPAL))
    with pytest.raises(ValueError):
        allocate(-1, {}, DEFAULT_ORDER)


def test_policy_must_be_a_permutation() -> None:
    assert PaymentPolicy().allocation_order == DEFAULT_ORDER
    with pytest.raises(ValidationError, match="exactly once"):
        PaymentPolicy.model_validate({"allocation_order": ["fees", "interest"]})
    with pytest.raises(ValidationError):
        PaymentPolicy.model_validate({"allocation_order": ["fees", "interest", "capital"]})


@given(
    amount=st.integers(min_value=0, max_value=10**12),
    fees=st.integers(min_value=0, max_value=10**9),
    interest=st.integers(min_value=0, max_value=10**9),
    principal=st.integers(min_value=0, max_value=10**11),
    order=st.sampled_from(ORDERS),
)
def test_allocation_properties(
    amount: int, fees: int, interest: int, principal: int, order: tuple[Head, ...]
) -> None:
    owed = {Head.FEES: fees, Head.INTEREST: interest, Head.PRINCIPAL: principal}
    alloc = allocate(amount, owed, order)
    assert alloc.total == amount  # not a fen lost or made
    assert all(0 <= alloc.head(h) <= owed[h] for h in Head)
    assert alloc.overpaid >= 0
    # order respected: a later head gets something only once every earlier head is paid off
    for i, head in enumerate(order):
        if alloc.head(head) > 0:
            assert all(alloc.head(e) == owed[e] for e in order[:i])
    if alloc.overpaid:
        assert all(alloc.head(h) == owed[h] for h in Head)
