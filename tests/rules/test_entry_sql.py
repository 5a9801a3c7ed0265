"""rules/entry_sql.py: the SQL an entry condition compiles to decides as EntryCondition.matches
does, over a grid of facts (evaluated by SQLite in memory: the text is the same on PostgreSQL)."""

from __future__ import annotations

import itertools
import sqlite3
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from rules.entry_sql import bucket_case, entry_sql
from rules.enums import Bucket, RiskTier
from rules.policy import EntryCondition
from tasks.policy import load_policy


@dataclass(frozen=True)
class Facts:
    bucket: Bucket
    dpd: int
    balance: Decimal
    risk_tier: RiskTier | None
    events: frozenset[str] = field(default_factory=frozenset)


CONDITIONS = [
    EntryCondition(buckets=[Bucket.M1], without_events=["promise_to_pay"]),
    EntryCondition(min_dpd=1, max_dpd=90, events=["promise_to_pay", "hardship_claimed"]),
    EntryCondition(min_balance=Decimal("1000.005"), max_balance=Decimal("5000")),
    EntryCondition(risk_tiers=[RiskTier.HIGH], min_dpd=31),
    EntryCondition(buckets=[], events=[]),
    EntryCondition(),
]
FLAGS = ["promise_to_pay", "hardship_claimed"]


def _sql_matches(entry: EntryCondition, f: Facts) -> bool:
    def any_flag(names: list[str]) -> str:
        tests = [f"fl{FLAGS.index(n)} = 1" for n in names if n in FLAGS]
        return "(" + " OR ".join(tests) + ")" if tests else "1 = 0"

    test = entry_sql(entry, bucket="b", dpd="d", balance_fen="f", tier="t", any_flag=any_flag)
    assert test is not None
    row = (f.bucket.value, f.dpd, int(f.balance * 100), f.risk_tier.value if f.risk_tier else None)
    flags = tuple(int(n in f.events) for n in FLAGS)
    con = sqlite3.connect(":memory:")
    sql = (
        f"SELECT CASE WHEN {test} THEN 1 ELSE 0 END FROM (SELECT ? b, ? d, ? f, ? t, ? fl0, ? fl1)"
    )
    return bool(con.execute(sql, (*row, *flags)).fetchone()[0])


@pytest.mark.parametrize("entry", CONDITIONS)
def test_entry_sql_decides_as_the_policy_does(entry: EntryCondition) -> None:
    grid = itertools.product(
        [Bucket.M0, Bucket.M1, Bucket.M4],
        [0, 1, 31, 90, 91],
        [Decimal("1000.00"), Decimal("1000.01"), Decimal("5000.00"), Decimal("5000.01")],
        [None, RiskTier.HIGH, RiskTier.LOW],
        [frozenset(), frozenset({"promise_to_pay"}), frozenset({"hardship_claimed"})],
    )
    for bucket, dpd, balance, tier, events in grid:
        f = Facts(bucket, dpd, balance, tier, events)
        assert _sql_matches(entry, f) == entry.matches(f), (entry, f)


def test_a_new_case_cannot_meet_a_condition_on_tier_or_events() -> None:
    def new_case(entry: EntryCondition) -> str | None:
        return entry_sql(entry, bucket="b", dpd="d", balance_fen="f")

    assert new_case(EntryCondition(risk_tiers=[RiskTier.HIGH])) is None
    assert new_case(EntryCondition(events=["promise_to_pay"])) is None
    assert new_case(EntryCondition(without_events=["promise_to_pay"])) == "1 = 1"


def test_bucket_case_follows_the_scheme() -> None:
    p = load_policy(None)
    con = sqlite3.connect(":memory:")
    for dpd in (0, 1, 30, 31, 90, 91, 180, 181, 999):
        got = con.execute(f"SELECT {bucket_case(p, 'x')} FROM (SELECT ? AS x)", (dpd,)).fetchone()
        assert got is not None
        assert got[0] == p.buckets.bucket_for(dpd).value
