"""The bucket scheme and the ladder's entry conditions as SQL text, compiled in one place for the
two set-based engines that ask them: the daily cycle (tasks/cycle/sql/) and the staged intake
(tasks/intake_ladder.py). Pure: policy in, SQL expressions out, with the meaning of
rules/buckets.py `bucket_for` and rules/policy.py `EntryCondition.matches`.

Balances are integer fen in SQL and decimal yuan in the policy: `balance >= min` is
`fen >= ceil(min * 100)`, `balance <= max` is `fen <= floor(max * 100)`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from rules.policy import EntryCondition, Policy


def lit(text: str) -> str:
    """A policy's text as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def bucket_case(policy: Policy, dpd: str) -> str:
    """CASE giving the bucket of the days past due `dpd` (an SQL expression)."""
    ranges = policy.buckets.ranges()
    whens = " ".join(
        f"WHEN {dpd} <= {high} THEN {lit(bucket.value)}"
        for bucket, _, high in ranges
        if high is not None
    )
    last = ranges[-1][0].value
    return f"(CASE {whens} ELSE {lit(last)} END)" if whens else lit(last)


def _among(expr: str, values: Iterable[str]) -> str:
    names = ", ".join(lit(v) for v in values)
    return f"{expr} IN ({names})" if names else "1 = 0"


def entry_sql(
    entry: EntryCondition,
    *,
    bucket: str,
    dpd: str,
    balance_fen: str,
    tier: str | None = None,
    any_flag: Callable[[list[str]], str] | None = None,
) -> str | None:
    """SQL testing a case's facts against `entry`. `tier` (the risk tier) and `any_flag` (SQL
    for "the case carries one of these flags") are given by an engine that knows them; without
    them, a condition asking for a tier or an event can never match (a new case has neither)
    and the answer is None."""
    tests = []
    if entry.risk_tiers is not None:
        if tier is None:
            return None
        tests.append(_among(tier, (t.value for t in entry.risk_tiers)))
    if entry.events is not None:
        if any_flag is None:
            return None
        tests.append(any_flag(list(entry.events)))
    if entry.without_events and any_flag is not None:
        tests.append(f"NOT {any_flag(list(entry.without_events))}")
    if entry.buckets is not None:
        tests.append(_among(bucket, (b.value for b in entry.buckets)))
    tests += _bounds(entry, dpd, balance_fen)
    return " AND ".join(tests) or "1 = 1"


def _bounds(entry: EntryCondition, dpd: str, balance_fen: str) -> list[str]:
    """The DPD and balance bounds (inclusive) as SQL tests."""
    tests = []
    if entry.min_dpd is not None:
        tests.append(f"{dpd} >= {entry.min_dpd}")
    if entry.max_dpd is not None:
        tests.append(f"{dpd} <= {entry.max_dpd}")
    if entry.min_balance is not None:
        tests.append(f"{balance_fen} >= {math.ceil(entry.min_balance * 100)}")
    if entry.max_balance is not None:
        tests.append(f"{balance_fen} <= {math.floor(entry.max_balance * 100)}")
    return tests
