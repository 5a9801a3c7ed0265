"""A repayment plan's schedule (个性化分期还款), built from what the case owes and the policy.

Everything is integer fen: the instalments add up to the amount the plan covers exactly (the
remainder fen of an equal split go to the first instalments), so no fen is lost or invented.
Instalments fall due monthly on the day of the first one (the month's last day when it has no
such day, as rules/periods.add_months counts months).

The kinds (rules.enums.PlanKind):
- installments: N equal monthly instalments of the total;
- deferral: nothing for N months (N <= the policy's max_deferral_months), then the whole total
  in one instalment due N months after the first due day;
- minimum-payment: N monthly instalments, the first N-1 of the policy's minimum percentage of
  the total, the last the remainder (which must be more than nothing);
- fee-waiver: the fees waived, the rest in N equal instalments.
`waive_fees` waives the fees for any kind.

The one limit the law sets: a personalised instalment plan runs at most 5 years (2011 rules
Art. 70: 个性化分期还款不超过5年), i.e. 60 monthly instalments; the bank's policy may set a lower
one, a minimum instalment (the last one excepted) and how soon the first instalment falls due.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from rules.allocation import Head
from rules.amounts import fen_to_yuan, format_yuan, yuan_to_fen
from rules.enums import PlanKind
from rules.errors import InputError
from rules.negotiation_policy import STATUTORY_MAX_INSTALLMENTS, PlanPolicy
from rules.periods import add_months

FIVE_YEARS = (
    f"the 5-year limit of {STATUTORY_MAX_INSTALLMENTS} monthly instalments "
    "(2011 rules Art. 70: 个性化分期还款不超过5年)"
)


@dataclass(frozen=True)
class Installment:
    """One instalment: its number (1 for the first), due day and amount in fen."""

    seq: int
    due_on: date
    amount: int


@dataclass(frozen=True)
class Schedule:
    """A plan's structure and its instalments; amounts in fen."""

    kind: PlanKind
    months: int  # instalments, or the months deferred for a deferral
    balance: int  # what the case owed (all heads)
    waived_fees: int
    total: int  # what the schedule collects: balance less the waived fees
    installments: tuple[Installment, ...]
    accrues_interest: bool
    accrues_fees: bool

    @property
    def first_due(self) -> date:
        return self.installments[0].due_on

    @property
    def last_due(self) -> date:
        return self.installments[-1].due_on


def default_months(kind: PlanKind, total: int, policy: PlanPolicy) -> int | None:
    """The months a kind takes when none are given: a fee waiver is paid at once, a
    minimum-payment plan runs as many months as whole minimum payments fit in the total (the
    last one pays the rest, never a few fen on their own); the others need --months."""
    if kind is PlanKind.FEE_WAIVER:
        return 1
    if kind is PlanKind.MINIMUM_PAYMENT and total > 0:
        return max(total // _minimum_payment(total, policy), 1)
    return None


def build_schedule(
    owed: Mapping[Head, int],
    *,
    kind: PlanKind,
    months: int | None,
    first_due: date,
    today: date,
    waive_fees: bool,
    policy: PlanPolicy,
) -> Schedule:
    """The plan's schedule; InputError (one line) when the terms break the law or the policy."""
    fees, interest, principal = (max(owed.get(h, 0), 0) for h in Head)
    balance = fees + interest + principal
    waived = fees if (waive_fees or kind is PlanKind.FEE_WAIVER) else 0
    total = balance - waived
    if total <= 0:
        raise InputError(f"nothing left to pay by instalments ({_yuan(balance)} owed)")
    n = months if months is not None else default_months(kind, total, policy)
    if n is None:
        raise InputError(f"--months: a {kind.value} plan needs the number of months")
    _check_months(kind, n, policy)
    _check_first_due(first_due, today, policy)
    amounts, dues = _amounts(kind, n, total, policy), _due_days(kind, n, first_due)
    _check_minimum(kind, n, amounts, policy)
    return Schedule(
        kind=kind,
        months=n,
        balance=balance,
        waived_fees=waived,
        total=total,
        installments=tuple(
            Installment(seq, due, amount)
            for seq, (due, amount) in enumerate(zip(dues, amounts, strict=True), 1)
        ),
        accrues_interest=policy.accrues_interest,
        accrues_fees=policy.accrues_fees,
    )


def _check_months(kind: PlanKind, n: int, policy: PlanPolicy) -> None:
    if n < 1:
        raise InputError(f"--months {n}: a plan runs at least 1 month")
    if kind is PlanKind.DEFERRAL:
        if n > policy.max_deferral_months:
            raise InputError(
                f"--months {n}: a deferral runs at most {policy.max_deferral_months} months "
                "(policy negotiation.yaml plan.max_deferral_months)"
            )
        return
    if n > STATUTORY_MAX_INSTALLMENTS:
        raise InputError(f"--months {n}: {n} monthly instalments is over {FIVE_YEARS}")
    if n > policy.max_installments:
        raise InputError(
            f"--months {n}: over the bank's limit of {policy.max_installments} instalments "
            "(policy negotiation.yaml plan.max_installments)"
        )


def _check_first_due(first_due: date, today: date, policy: PlanPolicy) -> None:
    if first_due < today:
        raise InputError(f"--first-due {first_due} is in the past (today is {today})")
    latest = today + timedelta(days=policy.first_due_within_days)
    if first_due > latest:
        raise InputError(
            f"--first-due {first_due} is more than {policy.first_due_within_days} days away "
            f"(at the latest {latest}: policy negotiation.yaml plan.first_due_within_days)"
        )


def _minimum_payment(total: int, policy: PlanPolicy) -> int:
    """The policy's percentage of the total, rounded down to the fen, at least 1 fen."""
    share = Decimal(total) * policy.minimum_payment_percent / 100
    return max(int(share.to_integral_value(rounding=ROUND_DOWN)), 1)


def _amounts(kind: PlanKind, n: int, total: int, policy: PlanPolicy) -> list[int]:
    if kind is PlanKind.DEFERRAL:
        return [total]
    if kind is PlanKind.MINIMUM_PAYMENT:
        minimum = _minimum_payment(total, policy)
        last = total - minimum * (n - 1)
        if last <= 0:
            most = -(-total // minimum)
            raise InputError(
                f"--months {n}: {n - 1} minimum payments of {_yuan(minimum)} "
                f"({policy.minimum_payment_percent}% of {_yuan(total)}) already pay it all; "
                f"at most {most} months"
            )
        return [minimum] * (n - 1) + [last]
    if total < n:
        raise InputError(f"--months {n}: {_yuan(total)} cannot be split into {n} instalments")
    base, extra = divmod(total, n)
    return [base + 1 if i < extra else base for i in range(n)]


def _due_days(kind: PlanKind, n: int, first_due: date) -> list[date]:
    if kind is PlanKind.DEFERRAL:
        return [add_months(first_due, n)]
    return [add_months(first_due, k) for k in range(n)]


def _check_minimum(kind: PlanKind, n: int, amounts: list[int], policy: PlanPolicy) -> None:
    """Every instalment but the last at least the policy's minimum instalment."""
    floor = yuan_to_fen(policy.min_installment)
    short = [a for a in amounts[:-1] if a < floor]
    if not short:
        return
    hint = ""
    if kind is not PlanKind.MINIMUM_PAYMENT:
        most = max(sum(amounts) // floor, 1) if floor else n
        hint = f"; at most {most} months"
    raise InputError(
        f"--months {n}: instalments of {_yuan(min(short))} are below the minimum instalment "
        f"of {_yuan(floor)} (policy negotiation.yaml plan.min_installment){hint}"
    )


def _yuan(fen: int) -> str:
    return f"{format_yuan(fen_to_yuan(fen))} yuan"
