"""Court fees per the State Council's 诉讼费用交纳办法 (2006, in force 2007-04-01), Arts. 13-16.

- Lawsuit acceptance fee for property cases (Art. 13(1)), cumulative by tranche: up to 10,000
  yuan a flat 50 yuan; then 2.5% / 2% / 1.5% / 1% / 0.9% / 0.8% / 0.7% / 0.6% / 0.5%.
- Payment order (Art. 14(3)): one third of the property-case fee.
- Preservation (Art. 14(2)): 30 yuan up to 1,000; 1% of the part 1,000-100,000; 0.5% above;
  at most 5,000 yuan.
- Halved (Arts. 15-16) for the simple procedure, or a case settled by mediation or withdrawn:
  this applies to the lawsuit acceptance fee only.

Money is Decimal yuan, each amount rounded ROUND_HALF_UP to the fen. Only the top tranche can
carry fractions of a fen (every tranche edge is a whole yuan and each full tranche's fee is
exact), so the total equals the sum of the rounded breakdown lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

FEN = Decimal("0.01")
ZERO = Decimal("0")


class FeeKind(StrEnum):
    LAWSUIT = "lawsuit"
    PAYMENT_ORDER = "payment-order"
    PRESERVATION = "preservation"


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

RULES: dict[FeeKind, str] = {
    FeeKind.LAWSUIT: "诉讼费用交纳办法 2006 Art. 13(1): property case acceptance fee by tranche",
    FeeKind.PAYMENT_ORDER: "诉讼费用交纳办法 2006 Art. 14(3): payment order, one third of the "
    "property case fee",
    FeeKind.PRESERVATION: "诉讼费用交纳办法 2006 Art. 14(2): preservation, at most 5,000 yuan",
}
HALVED_RULE = "halved per Arts. 15-16 (simple procedure, mediation settlement or withdrawal)"


def to_fen(value: Decimal) -> Decimal:
    try:
        return value.quantize(FEN, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"amount too large to count in fen: {value}") from None


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
class CourtFee:
    amount: Decimal
    kind: FeeKind
    fee: Decimal
    breakdown: tuple[FeeLine, ...]
    halved: bool
    rule: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe: the `legal fee --json` document (amounts as decimal strings)."""
        return {
            "amount": str(self.amount),
            "kind": self.kind.value,
            "fee": str(self.fee),
            "breakdown": [line.as_dict() for line in self.breakdown],
            "halved": self.halved,
            "rule": self.rule,
        }


def _yuan(value: Decimal) -> str:
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def _by_tranche(amount: Decimal, tranches: tuple[Tranche, ...]) -> list[FeeLine]:
    lines: list[FeeLine] = []
    for t in tranches:
        if t.flat is not None:
            label = f"up to {_yuan(t.upper)}: flat" if t.upper is not None else "flat"
            flat_base = to_fen(min(amount, t.upper) if t.upper is not None else amount)
            lines.append(FeeLine(label, flat_base, None, to_fen(t.flat)))
            continue
        if amount <= t.lower:
            break
        top = amount if t.upper is None or amount < t.upper else t.upper
        base = to_fen(top - t.lower)
        assert t.rate is not None
        pct = f"{(t.rate * 100).normalize()}%"
        if t.upper is None:
            label = f"above {_yuan(t.lower)}: {pct}"
        else:
            label = f"{_yuan(t.lower)}-{_yuan(t.upper)}: {pct}"
        lines.append(FeeLine(label, base, t.rate, to_fen(base * t.rate)))
    return lines


def court_fee(
    amount: Decimal, kind: FeeKind | str = FeeKind.LAWSUIT, halved: bool = False
) -> CourtFee:
    """The court fee for a claim (or preserved property) of `amount` yuan, with its breakdown."""
    k = FeeKind(kind)
    if amount < 0:
        raise ValueError(f"amount cannot be negative: {amount}")
    if halved and k is not FeeKind.LAWSUIT:
        raise ValueError("halving (Arts. 15-16) applies to the lawsuit fee only")
    amount = to_fen(amount)
    if k is FeeKind.PRESERVATION:
        lines = _by_tranche(amount, PRESERVATION_TRANCHES)
        subtotal = sum((line.fee for line in lines), ZERO)
        fee = subtotal
        if subtotal > PRESERVATION_CAP:
            fee = PRESERVATION_CAP
            lines.append(FeeLine("cap 5,000", None, None, PRESERVATION_CAP - subtotal))
    else:
        lines = _by_tranche(amount, LAWSUIT_TRANCHES)
        fee = sum((line.fee for line in lines), ZERO)
        if k is FeeKind.PAYMENT_ORDER:
            third = to_fen(fee / 3)
            lines.append(FeeLine("payment order: one third", fee, None, third - fee))
            fee = third
    rule = RULES[k]
    if halved:
        half = to_fen(fee / 2)
        lines.append(FeeLine("halved", fee, None, half - fee))
        fee = half
        rule = f"{rule}; {HALVED_RULE}"
    return CourtFee(amount, k, to_fen(fee), tuple(lines), halved, rule)
