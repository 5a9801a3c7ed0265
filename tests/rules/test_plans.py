"""rules/plans.py: schedules that add up to the fen, the 5-year limit and the policy's limits."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.allocation import Head
from rules.enums import PlanKind
from rules.errors import InputError
from rules.negotiation_policy import PlanPolicy
from rules.plans import Schedule, build_schedule

TODAY = date(2026, 11, 2)
OWED = {Head.FEES: 5_000, Head.INTEREST: 80_000, Head.PRINCIPAL: 2_000_000}  # 20,850.00 yuan
POLICY = PlanPolicy()


def schedule(
    kind: PlanKind = PlanKind.INSTALLMENTS,
    months: int | None = 12,
    *,
    first_due: date = date(2026, 12, 1),
    today: date = TODAY,
    waive_fees: bool = False,
    owed: dict[Head, int] | None = None,
    policy: PlanPolicy = POLICY,
) -> Schedule:
    return build_schedule(
        owed or OWED, kind=kind, months=months, first_due=first_due, today=today,
        waive_fees=waive_fees, policy=policy,
    )  # fmt: skip


def test_equal_instalments_spread_the_remainder_fen_over_the_first() -> None:
    plan = schedule(months=9)
    amounts = [i.amount for i in plan.installments]
    assert sum(amounts) == plan.total == 2_085_000
    assert amounts[:6] == [231_667] * 6 and amounts[6:] == [231_666] * 3
    assert [i.seq for i in plan.installments] == list(range(1, 10))


def test_due_days_keep_the_day_and_clamp_to_the_months_last_day() -> None:
    plan = schedule(months=4, first_due=date(2026, 12, 31), today=date(2026, 12, 20))
    dues = [i.due_on for i in plan.installments]
    assert dues == [date(2026, 12, 31), date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]


def test_72_months_refused_naming_the_five_year_limit() -> None:
    with pytest.raises(InputError) as err:
        schedule(months=72)
    assert "5-year limit" in str(err.value) and "Art. 70" in str(err.value)
    assert len(schedule(months=60).installments) == 60


def test_a_lower_policy_limit_is_named_as_the_banks() -> None:
    with pytest.raises(InputError, match=r"bank's limit of 36 .*max_installments"):
        schedule(months=48, policy=PlanPolicy(max_installments=36))


def test_deferral_pays_everything_after_the_months_deferred() -> None:
    plan = schedule(PlanKind.DEFERRAL, 3, first_due=date(2026, 11, 30))
    assert [(i.due_on, i.amount) for i in plan.installments] == [(date(2027, 2, 28), 2_085_000)]
    assert plan.months == 3
    with pytest.raises(InputError, match="deferral runs at most 6 months"):
        schedule(PlanKind.DEFERRAL, 7)


def test_minimum_payment_plan_pays_the_rest_in_the_last() -> None:
    plan = schedule(PlanKind.MINIMUM_PAYMENT, 4)
    amounts = [i.amount for i in plan.installments]
    assert amounts == [208_500] * 3 + [2_085_000 - 3 * 208_500]
    assert len(schedule(PlanKind.MINIMUM_PAYMENT, None).installments) == 10  # 10% a month
    odd = schedule(PlanKind.MINIMUM_PAYMENT, None, owed={Head.PRINCIPAL: 2_447_671})
    assert [i.amount for i in odd.installments] == [244_767] * 9 + [244_768]  # no 1-fen tail
    with pytest.raises(InputError, match="already pay it all; at most 10 months"):
        schedule(PlanKind.MINIMUM_PAYMENT, 11)


def test_fee_waiver_and_waive_fees_leave_the_fees_out() -> None:
    waiver = schedule(PlanKind.FEE_WAIVER, None)
    assert (waiver.waived_fees, waiver.total, len(waiver.installments)) == (5_000, 2_080_000, 1)
    waived = schedule(months=10, waive_fees=True)
    assert waived.total == 2_080_000 and sum(i.amount for i in waived.installments) == 2_080_000


def test_an_instalment_below_the_minimum_is_refused_except_the_last() -> None:
    small = {Head.PRINCIPAL: 100_000}  # 1,000 yuan
    with pytest.raises(InputError, match=r"83\.33 yuan are below the minimum .* at most 10"):
        schedule(months=12, owed=small)
    assert len(schedule(months=10, owed=small).installments) == 10
    tiny = schedule(PlanKind.FEE_WAIVER, 1, owed={Head.PRINCIPAL: 5_000})  # 50 yuan: the last
    assert tiny.installments[0].amount == 5_000


@pytest.mark.parametrize(
    ("first_due", "message"),
    [(TODAY - timedelta(days=1), "in the past"), (TODAY + timedelta(days=46), "45 days away")],
)
def test_first_due_in_the_past_or_too_far_is_refused(first_due: date, message: str) -> None:
    with pytest.raises(InputError, match=message):
        schedule(first_due=first_due)


def test_nothing_owed_and_months_missing_are_refused() -> None:
    with pytest.raises(InputError, match="nothing left to pay"):
        schedule(owed={Head.FEES: 300}, waive_fees=True)
    with pytest.raises(InputError, match="needs the number of months"):
        schedule(months=None)


def test_accrual_comes_from_the_policy() -> None:
    plan = schedule(policy=PlanPolicy(accrues_interest=True))
    assert (plan.accrues_interest, plan.accrues_fees) == (True, False)


NO_FLOOR = PlanPolicy(min_installment=Decimal(0))


@settings(max_examples=300, deadline=None)
@given(
    heads=st.tuples(  # fees, interest, principal: 1 fen to 10 million yuan in all
        st.integers(0, 100_000_000), st.integers(0, 100_000_000), st.integers(1, 800_000_000)
    ),
    kind=st.sampled_from(list(PlanKind)),
    months=st.integers(1, 60),
    offset=st.integers(0, 45),
    waive=st.booleans(),
)
def test_any_schedule_adds_up_to_the_fen(
    heads: tuple[int, int, int], kind: PlanKind, months: int, offset: int, waive: bool
) -> None:
    fees, interest, principal = heads
    owed = {Head.FEES: fees, Head.INTEREST: interest, Head.PRINCIPAL: principal}
    total = principal + interest + (0 if waive or kind is PlanKind.FEE_WAIVER else fees)
    if kind is PlanKind.DEFERRAL:
        months = min(months, NO_FLOOR.max_deferral_months)
    try:
        plan = schedule(
            kind, months, first_due=TODAY + timedelta(days=offset), waive_fees=waive,
            owed=owed, policy=NO_FLOOR,
        )  # fmt: skip
    except InputError as exc:
        # only a split into more instalments than there are fen, or more minimum payments
        # than it takes, is refused
        assert ("cannot be split" in str(exc) and total < months) or "pay it all" in str(exc)
        return
    amounts = [i.amount for i in plan.installments]
    assert sum(amounts) == plan.total == total
    assert plan.balance == fees + interest + principal
    assert len(amounts) == (1 if kind is PlanKind.DEFERRAL else months)
    assert all(a > 0 for a in amounts)
    dues = [i.due_on for i in plan.installments]
    assert all(a < b for a, b in itertools.pairwise(dues))
    assert dues[0] >= TODAY + timedelta(days=offset)
    if kind in (PlanKind.INSTALLMENTS, PlanKind.FEE_WAIVER):
        assert max(amounts) - min(amounts) <= 1
