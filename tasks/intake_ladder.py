"""The policy's bucket scheme and the ladder's entry conditions, compiled into SQL CASE
expressions for the staged intake (the same rules as `Buckets.bucket_for` and
rules/case_rules.py `opening_stage`, asked once per stage rather than once per row).

A new case has no risk tier and no recorded event yet, so an entry condition that asks for
either never matches it; the rest (buckets, DPD and balance bounds) become SQL. Balances are
integer fen in SQL and decimal yuan in the policy: `balance >= min` is `fen >= ceil(min * 100)`.
"""

from __future__ import annotations

import math

from rules.case_rules import opening_stage_for_target
from rules.policy import EntryCondition, Policy


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def bucket_case(policy: Policy, dpd: str) -> str:
    """CASE giving the bucket of the days past due `dpd` (an SQL expression)."""
    ranges = policy.buckets.ranges()
    whens = " ".join(
        f"WHEN {dpd} <= {high} THEN {_lit(bucket.value)}"
        for bucket, _, high in ranges
        if high is not None
    )
    last = ranges[-1][0].value
    return f"(CASE {whens} ELSE {_lit(last)} END)" if whens else _lit(last)


def entry_sql(entry: EntryCondition, bucket: str, dpd: str, balance_fen: str) -> str | None:
    """SQL testing a new case's facts against `entry`; None when it can never match one."""
    if entry.risk_tiers is not None or entry.events is not None:
        return None
    tests = []
    if entry.buckets is not None:
        names = ", ".join(_lit(b.value) for b in entry.buckets)
        tests.append(f"{bucket} IN ({names})" if names else "1 = 0")
    if entry.min_dpd is not None:
        tests.append(f"{dpd} >= {entry.min_dpd}")
    if entry.max_dpd is not None:
        tests.append(f"{dpd} <= {entry.max_dpd}")
    if entry.min_balance is not None:
        tests.append(f"{balance_fen} >= {math.ceil(entry.min_balance * 100)}")
    if entry.max_balance is not None:
        tests.append(f"{balance_fen} <= {math.floor(entry.max_balance * 100)}")
    return " AND ".join(tests) or "1 = 1"


def opening_case(policy: Policy, bucket: str, dpd: str, balance_fen: str) -> str:
    """CASE giving the stage a new case opens in: the first entry stage (ladder order) whose
    condition matches, mapped through `opening_stage_for_target`."""
    whens = []
    for stage in policy.entry_stages():
        assert stage.entry is not None
        test = entry_sql(stage.entry, bucket, dpd, balance_fen)
        if test is not None:
            opens = opening_stage_for_target(policy, stage.stage).value
            whens.append(f"WHEN {test} THEN {_lit(opens)}")
    otherwise = _lit(opening_stage_for_target(policy, None).value)
    return f"(CASE {' '.join(whens)} ELSE {otherwise} END)" if whens else otherwise
