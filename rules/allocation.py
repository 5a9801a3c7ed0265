"""Allocating a payment to what the debtor owes: fees, interest, principal, in a policy's order.

Which head a payment pays first is the bank's policy (`policy/payments.yaml`, default fees,
interest, principal), not a rule of law. Amounts are integer fen here, so nothing is lost to
rounding: the heads and the overpayment always add up to the payment exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, field_validator


class Head(StrEnum):
    """What a payment may pay off."""

    FEES = "fees"
    INTEREST = "interest"
    PRINCIPAL = "principal"


class PaymentSource(StrEnum):
    """Where a payment was recorded from: typed with `duecourse pay`, or a bank's file."""

    CLI = "cli"
    FILE = "file"


DEFAULT_ORDER: tuple[Head, ...] = (Head.FEES, Head.INTEREST, Head.PRINCIPAL)


class PaymentPolicy(BaseModel):
    """`policy/payments.yaml`: the allocation order, a permutation of the three heads."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    allocation_order: tuple[Head, ...] = DEFAULT_ORDER

    @field_validator("allocation_order")
    @classmethod
    def _permutation(cls, order: tuple[Head, ...]) -> tuple[Head, ...]:
        """Every head exactly once: a head left out would never be paid off."""
        if sorted(order) != sorted(DEFAULT_ORDER):
            wanted = ", ".join(h.value for h in DEFAULT_ORDER)
            raise ValueError(f"must name each of {wanted} exactly once")
        return order


@dataclass(frozen=True)
class Allocation:
    """A payment split over the heads, in fen; `overpaid` is what is left beyond all of them."""

    fees: int
    interest: int
    principal: int
    overpaid: int

    @property
    def total(self) -> int:
        return self.fees + self.interest + self.principal + self.overpaid

    def head(self, head: Head) -> int:
        return {Head.FEES: self.fees, Head.INTEREST: self.interest, Head.PRINCIPAL: self.principal}[
            head
        ]


def allocate(amount: int, outstanding: Mapping[Head, int], order: Sequence[Head]) -> Allocation:
    """Split `amount` fen over the heads in `order`, each up to what is outstanding on it (a
    negative or missing outstanding counts as nothing); the rest is an overpayment."""
    if amount < 0:
        raise ValueError(f"a payment cannot be negative: {amount} fen")
    if sorted(order) != sorted(DEFAULT_ORDER):
        raise ValueError("the allocation order must name each head exactly once")
    left = amount
    paid: dict[Head, int] = {}
    for head in order:
        take = min(left, max(outstanding.get(head, 0), 0))
        paid[head] = take
        left -= take
    return Allocation(paid[Head.FEES], paid[Head.INTEREST], paid[Head.PRINCIPAL], left)
