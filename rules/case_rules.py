"""When intake opens and closes cases. Stated in the README ("Case rules")."""

from __future__ import annotations

from rules.enums import Bucket, Outcome, Stage

_INITIAL: dict[Bucket, Stage] = {
    Bucket.M0: Stage.EARLY_WARNING,
    Bucket.M1: Stage.SOFT_REMINDER,
}


def initial_stage(bucket: Bucket) -> Stage:
    """The stage a new case opens in. M0 is early warning, M1 soft reminders, anything later a
    formal demand; the daily cycle moves it further (legal stages need a review first)."""
    return _INITIAL.get(bucket, Stage.FORMAL_DEMAND)


def closing_outcome(*, max_dpd: int, dpd: int, balance_fen: int) -> Outcome | None:
    """Why an open case closes on a new snapshot row, or None if it stays open.

    - paid: the balance (principal + interest + fees) is zero;
    - cured: the account had been past due while the case was open and is now at DPD 0
      (nothing overdue). An early-warning case that never went past due stays open at DPD 0.
    """
    if balance_fen <= 0:
        return Outcome.PAID
    if dpd == 0 and max_dpd > 0:
        return Outcome.CURED
    return None


def opens_case(*, is_new_account: bool, dpd: int, balance_fen: int) -> bool:
    """Whether a row with no open case for its account opens one: a new account with something
    owed does (DPD 0 as early warning); a known account whose last case closed reopens only when
    it is past due again."""
    if balance_fen <= 0:
        return False
    return is_new_account or dpd > 0
