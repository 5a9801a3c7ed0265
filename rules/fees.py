"""Court fees per the State Council's 诉讼费用交纳办法 (2006, in force 2007-04-01), Arts. 13-16.

- Lawsuit acceptance fee for property cases (Art. 13(1)), cumulative by tranche: up to 10,000
  yuan a flat 50 yuan; then 2.5% / 2% / 1.5% / 1% / 0.9% / 0.8% / 0.7% / 0.6% / 0.5%.
- Payment order (Art. 14(3)): one third of the property-case fee.
- Preservation (Art. 14(2)): 30 yuan up to 1,000; 1% of the part 1,000-100,000; 0.5% above;
  at most 5,000 yuan.
- Enforcement (申请执行费, Art. 14(1)): with an amount, cumulative by tranche like Art. 13: up
  to 10,000 yuan a flat 50 yuan; then 1.5% to 500,000, 1% to 5M, 0.5% to 10M, 0.1% above.
  Without an amount the law gives a range, 50-500 yuan a case, and the court fixes the figure:
  we output the range, never a guess. Not prepaid: paid after enforcement (Art. 20) and borne by
  the person subject to enforcement (Art. 38).
- Lawsuit after a payment order (补交案件受理费): when the payment order lapses on the debtor's
  objection and the matter turns into litigation (CPL 2023 Art. 228), the creditor tops up the
  case acceptance fee: the lawsuit fee less the payment-order fee already paid (SPC
  interpretation of the CPL, Art. 195 (R)). The payment-order fee that the applicant bears when
  the procedure ends on an objection may instead be added to the claims of a separate suit
  (Art. 36 of the 办法 (R)).
- Halved (Arts. 15-16) for the simple procedure, or a case settled by mediation or withdrawn:
  this applies to the lawsuit acceptance fee only (also before the top-up after a payment order).

(R): article numbers read in reproductions of the texts (court and law-firm websites), not in
the official gazette; re-read before relying on them. They correct an earlier recollection that
put the top-up in 办法 Art. 36 and the applicant's burden in Art. 37 (Art. 37 is 公示催告).
Art. 14(1) is reproduced verbatim by court websites; Arts. 20, 36 and 38 by law-firm sites.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from rules.amounts import quantize_fen

ZERO = Decimal("0")


class FeeKind(StrEnum):
    LAWSUIT = "lawsuit"
    PAYMENT_ORDER = "payment-order"
    PRESERVATION = "preservation"
    ENFORCEMENT = "enforcement"
    LAWSUIT_AFTER_PAYMENT_ORDER = "lawsuit-after-payment-order"


@dataclass(frozen=True)
class Tranche:
    """Claims above `lower` up to `upper` (None: no upper bound) pay `rate` on that part, or the
    flat `flat` fee for the first tranche."""

    lower: Decimal
    upper: Decimal | None
    rate: Decimal | None = None
    flat: Decimal | None = None


def _d(value: str) -> Decimal:
    return Decimal(value)


LAWSUIT_TRANCHES: tuple[Tranche, ...] = (
    Tranche(_d("0"), _d("10000"), flat=_d("50")),
    Tranche(_d("10000"), _d("100000"), rate=_d("0.025")),
    Tranche(_d("100000"), _d("200000"), rate=_d("0.02")),
    Tranche(_d("200000"), _d("500000"), rate=_d("0.015")),
    Tranche(_d("500000"), _d("1000000"), rate=_d("0.01")),
    Tranche(_d("1000000"), _d("2000000"), rate=_d("0.009")),
    Tranche(_d("2000000"), _d("5000000"), rate=_d("0.008")),
    Tranche(_d("5000000"), _d("10000000"), rate=_d("0.007")),
    Tranche(_d("10000000"), _d("20000000"), rate=_d("0.006")),
    Tranche(_d("20000000"), None, rate=_d("0.005")),
)

PRESERVATION_TRANCHES: tuple[Tranche, ...] = (
    Tranche(_d("0"), _d("1000"), flat=_d("30")),
    Tranche(_d("1000"), _d("100000"), rate=_d("0.01")),
    Tranche(_d("100000"), None, rate=_d("0.005")),
)
PRESERVATION_CAP = _d("5000")

# Art. 14(1)2: enforcement with an amount, cumulative by tranche.
ENFORCEMENT_TRANCHES: tuple[Tranche, ...] = (
    Tranche(_d("0"), _d("10000"), flat=_d("50")),
    Tranche(_d("10000"), _d("500000"), rate=_d("0.015")),
    Tranche(_d("500000"), _d("5000000"), rate=_d("0.01")),
    Tranche(_d("5000000"), _d("10000000"), rate=_d("0.005")),
    Tranche(_d("10000000"), None, rate=_d("0.001")),
)
# Art. 14(1)1: enforcement without an amount: 50-500 yuan a case, the court fixes the figure.
ENFORCEMENT_NO_AMOUNT_RANGE = (_d("50"), _d("500"))
# Art. 14(2): preservation not involving an amount of property: 30 yuan a case.
PRESERVATION_NO_AMOUNT = _d("30")

RULES: dict[FeeKind, str] = {
    FeeKind.LAWSUIT: "诉讼费用交纳办法 2006 Art. 13(1): property case acceptance fee by tranche",
    FeeKind.PAYMENT_ORDER: "诉讼费用交纳办法 2006 Art. 14(3): payment order, one third of the "
    "property case fee",
    FeeKind.PRESERVATION: "诉讼费用交纳办法 2006 Art. 14(2): preservation, at most 5,000 yuan",
    FeeKind.ENFORCEMENT: "诉讼费用交纳办法 2006 Art. 14(1): enforcement application fee by tranche",
    FeeKind.LAWSUIT_AFTER_PAYMENT_ORDER: "top-up when a lapsed payment order turns into a "
    "lawsuit (SPC CPL interpretation Art. 195 (R)): the Art. 13(1) lawsuit fee less the "
    "Art. 14(3) payment-order fee already paid",
}
NO_AMOUNT_RULES: dict[FeeKind, str] = {
    FeeKind.ENFORCEMENT: "诉讼费用交纳办法 2006 Art. 14(1)1: enforcement without an amount, "
    "50-500 yuan a case",
    FeeKind.PRESERVATION: "诉讼费用交纳办法 2006 Art. 14(2): preservation not involving an "
    "amount of property, 30 yuan a case",
}
NOTES: dict[FeeKind, tuple[str, ...]] = {
    FeeKind.ENFORCEMENT: (
        "not prepaid by the applicant: paid after enforcement (Art. 20 (R)) and borne by the "
        "person subject to enforcement (Art. 38 (R))",
    ),
    FeeKind.LAWSUIT_AFTER_PAYMENT_ORDER: (
        "applies when the payment order lapses on the debtor's objection and the matter turns "
        "into litigation (CPL Art. 228)",
        "a payment order revoked (撤销) and a new suit: the full lawsuit fee, nothing credited "
        "(same interpretation article)",
        "the debtor's objection ended the procedure and the creditor sues separately instead: "
        "it bore the payment-order fee and may add it to its claims (诉讼费用交纳办法 Art. 36 (R))",
    ),
}
NO_AMOUNT_NOTES: dict[FeeKind, tuple[str, ...]] = {
    FeeKind.ENFORCEMENT: (
        "no enforcement amount: the law gives 50-500 yuan a case and the court (or the "
        "province's standard) fixes the figure; no single fee is computed",
        *NOTES[FeeKind.ENFORCEMENT],
    ),
}
HALVED_RULE = "halved per Arts. 15-16 (simple procedure, mediation settlement or withdrawal)"


@dataclass(frozen=True)
class FeeLine:
    """One line of the computation: a tranche, or an adjustment (one third, cap, halving)."""

    label: str
    base: Decimal | None
    rate: Decimal | None
    fee: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "base": str(self.base) if self.base is not None else None,
            "rate": str(self.rate) if self.rate is not None else None,
            "fee": str(self.fee),
        }


@dataclass(frozen=True)
class TopUp:
    """A lapsed payment order turned lawsuit: the lawsuit fee, the payment-order fee already
    paid, and the balance the creditor pays now (never below zero; a refund is the court's)."""

    lawsuit_fee: Decimal
    payment_order_fee_paid: Decimal
    balance: Decimal

    def as_dict(self) -> dict[str, str]:
        return {
            "lawsuit_fee": str(self.lawsuit_fee),
            "payment_order_fee_paid": str(self.payment_order_fee_paid),
            "balance": str(self.balance),
        }


@dataclass(frozen=True)
class CourtFee:
    """`fee` is None only where the law leaves the figure to the court (enforcement without an
    amount): then `fee_range` holds the statutory range and `notes` says so."""

    amount: Decimal | None
    kind: FeeKind
    fee: Decimal | None
    breakdown: tuple[FeeLine, ...]
    halved: bool
    rule: str
    fee_range: tuple[Decimal, Decimal] | None = None
    notes: tuple[str, ...] = ()
    top_up: TopUp | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe: the `legal fee --json` document (amounts as decimal strings)."""
        return {
            "amount": str(self.amount) if self.amount is not None else None,
            "kind": self.kind.value,
            "fee": str(self.fee) if self.fee is not None else None,
            "fee_range": (
                {"min": str(self.fee_range[0]), "max": str(self.fee_range[1])}
                if self.fee_range is not None
                else None
            ),
            "breakdown": [line.as_dict() for line in self.breakdown],
            "halved": self.halved,
            "rule": self.rule,
            "notes": list(self.notes),
            "top_up": self.top_up.as_dict() if self.top_up is not None else None,
        }


def _yuan(value: Decimal) -> str:
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def _by_tranche(amount: Decimal, tranches: tuple[Tranche, ...]) -> list[FeeLine]:
    lines: list[FeeLine] = []
    for t in tranches:
        if t.flat is not None:
            label = f"up to {_yuan(t.upper)}: flat" if t.upper is not None else "flat"
            flat_base = quantize_fen(min(amount, t.upper) if t.upper is not None else amount)
            lines.append(FeeLine(label, flat_base, None, quantize_fen(t.flat)))
            continue
        if amount <= t.lower:
            break
        top = amount if t.upper is None or amount < t.upper else t.upper
        base = quantize_fen(top - t.lower)
        assert t.rate is not None
        pct = f"{(t.rate * 100).normalize()}%"
        if t.upper is None:
            label = f"above {_yuan(t.lower)}: {pct}"
        else:
            label = f"{_yuan(t.lower)}-{_yuan(t.upper)}: {pct}"
        lines.append(FeeLine(label, base, t.rate, quantize_fen(base * t.rate)))
    return lines


def _no_amount_fee(k: FeeKind) -> CourtFee:
    """Enforcement or preservation where no amount is involved (Art. 14(1)1, 14(2))."""
    if k is FeeKind.ENFORCEMENT:
        low, high = ENFORCEMENT_NO_AMOUNT_RANGE
        return CourtFee(
            None, k, None, (), False, NO_AMOUNT_RULES[k],
            fee_range=(quantize_fen(low), quantize_fen(high)), notes=NO_AMOUNT_NOTES[k],
        )  # fmt: skip
    if k is FeeKind.PRESERVATION:
        fee = quantize_fen(PRESERVATION_NO_AMOUNT)
        line = FeeLine("no amount of property: flat", None, None, fee)
        return CourtFee(None, k, fee, (line,), False, NO_AMOUNT_RULES[k])
    raise ValueError(f"the {k.value} fee needs an amount")


def _lawsuit_fee(amount: Decimal) -> tuple[list[FeeLine], Decimal]:
    lines = _by_tranche(amount, LAWSUIT_TRANCHES)
    return lines, sum((line.fee for line in lines), ZERO)


def court_fee(
    amount: Decimal | None,
    kind: FeeKind | str = FeeKind.LAWSUIT,
    halved: bool = False,
    *,
    paid: Decimal | None = None,
) -> CourtFee:
    """The court fee for a claim (or preserved property, or enforced amount) of `amount` yuan,
    with its breakdown. `amount` None: enforcement or preservation involving no amount.
    `paid`: for a lawsuit after a payment order, the payment-order fee already paid (default:
    the Art. 14(3) fee on the same amount)."""
    k = FeeKind(kind)
    _check_options(k, amount, halved, paid)
    if amount is None:
        return _no_amount_fee(k)
    amount = quantize_fen(amount)
    lines, fee = _base_fee(k, amount)
    rule = RULES[k]
    if halved:
        half = quantize_fen(fee / 2)
        lines.append(FeeLine("halved", fee, None, half - fee))
        fee = half
        rule = f"{rule}; {HALVED_RULE}"
    top_up: TopUp | None = None
    if k is FeeKind.LAWSUIT_AFTER_PAYMENT_ORDER:
        lines, fee, top_up = _top_up(amount, lines, fee, paid)
    return CourtFee(
        amount, k, quantize_fen(fee), tuple(lines), halved, rule,
        notes=NOTES.get(k, ()), top_up=top_up,
    )  # fmt: skip


def _check_options(
    k: FeeKind, amount: Decimal | None, halved: bool, paid: Decimal | None
) -> None:
    lawsuits = (FeeKind.LAWSUIT, FeeKind.LAWSUIT_AFTER_PAYMENT_ORDER)
    if halved and (k not in lawsuits or amount is None):
        raise ValueError("halving (Arts. 15-16) applies to the lawsuit fee only")
    if paid is not None and k is not FeeKind.LAWSUIT_AFTER_PAYMENT_ORDER:
        raise ValueError(f"the payment-order fee paid counts only for {_TOP_UP}")
    if amount is not None and amount <= 0:
        raise ValueError(f"a claim must be a positive amount: {amount}")


def _base_fee(k: FeeKind, amount: Decimal) -> tuple[list[FeeLine], Decimal]:
    """The fee by tranche for the kind, before halving and top-up (Arts. 13-14)."""
    if k is FeeKind.PRESERVATION:
        lines = _by_tranche(amount, PRESERVATION_TRANCHES)
        subtotal = sum((line.fee for line in lines), ZERO)
        if subtotal <= PRESERVATION_CAP:
            return lines, subtotal
        lines.append(FeeLine("cap 5,000", None, None, PRESERVATION_CAP - subtotal))
        return lines, PRESERVATION_CAP
    if k is FeeKind.ENFORCEMENT:
        lines = _by_tranche(amount, ENFORCEMENT_TRANCHES)
        return lines, sum((line.fee for line in lines), ZERO)
    lines, fee = _lawsuit_fee(amount)
    if k is FeeKind.PAYMENT_ORDER:
        third = quantize_fen(fee / 3)
        lines.append(FeeLine("payment order: one third", fee, None, third - fee))
        fee = third
    return lines, fee


_TOP_UP = FeeKind.LAWSUIT_AFTER_PAYMENT_ORDER.value


def _top_up(
    amount: Decimal, lines: list[FeeLine], lawsuit_fee: Decimal, paid: Decimal | None
) -> tuple[list[FeeLine], Decimal, TopUp]:
    """SPC CPL interpretation Art. 195 (R): the creditor tops up (补交) the case acceptance fee,
    i.e. pays the lawsuit fee less the payment-order fee already paid. A balance below zero is
    shown as nothing to pay: whether anything is refunded is for the court."""
    if paid is None:
        paid = court_fee(amount, FeeKind.PAYMENT_ORDER).fee
        assert paid is not None
        label = "less payment-order fee paid"
    else:
        if paid < 0:
            raise ValueError(f"the payment-order fee paid cannot be negative: {paid}")
        paid = quantize_fen(paid)
        label = "less payment-order fee (--paid)"
    lines.append(FeeLine(label, None, None, -paid))
    balance = lawsuit_fee - paid
    if balance < 0:
        lines.append(FeeLine("no balance below zero", None, None, -balance))
        balance = ZERO
    return lines, balance, TopUp(quantize_fen(lawsuit_fee), paid, quantize_fen(balance))
