"""Ten days of operations over the shipped policy (policy/ladder.yaml, buckets.yaml, roster.yaml):
each day a snapshot imported, then the daily cycle (`run_day`), with today set to that day.

Eight accounts whose DPD the test writes day by day, so every expectation below is worked out by
hand from the shipped ladder (not by running the same code twice):

| acct | DPD, day 1..10                     | expected path                                        |
|------|------------------------------------|------------------------------------------------------|
| E    | 0 throughout                       | early_warning throughout                             |
| W    | 0, 0, 0, then 1, 2, ...            | early_warning; day 4 soft_reminder (M1)              |
| S    | 25, 26, ... 34                     | soft_reminder; day 7 (DPD 31) formal_demand          |
| F    | 45 ... 54                          | formal_demand throughout                             |
| L    | 88, 89, 90, 91 ...; day 8 on: 20   | formal_demand; day 4 review asked (lawyer_letter     |
|      |                                    | needs legal), approved day 5, day 6 lawyer_letter;   |
|      |                                    | sticky: a payment to DPD 20 on day 8 keeps it there  |
| C    | 15, 16, 17, 18, then 0             | soft_reminder; day 5 closed as cured                 |
| P    | 40, 41, then a zero balance        | formal_demand; day 3 closed as paid                  |
| N    | 20 ... 29, promise_to_pay on day 2 | soft_reminder; day 2 negotiation                     |
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from rules.enums import Stage
from tasks.cycle.core import PolicyBundle, run_day
from tasks.intake import import_snapshot
from tasks.reviews import decide_review
from tests.factories import snapshot_row, write_snapshot
from tests.tasks.cycle_data import event, table

DAYS = [date(2026, 11, 2) + timedelta(days=i) for i in range(10)]  # Monday 2 .. Wednesday 11


def _dpd(acct: str, day: int) -> int:
    """The DPD of `acct` on day `day` (1-based), as the table above says."""
    return {
        "E": 0,
        "W": max(0, day - 3),
        "S": 24 + day,
        "F": 44 + day,
        "L": 87 + day if day < 8 else 20 + day - 8,
        "C": 14 + day if day < 5 else 0,
        "P": 39 + day if day < 3 else 0,
        "N": 19 + day,
    }[acct]


def _row(acct: str, day: int) -> dict[str, str]:
    dpd = str(_dpd(acct, day))  # its due date is the one that DPD counts from on that day
    row = snapshot_row(DAYS[day - 1], account_id=acct, customer_id=f"C{acct}", days_past_due=dpd)
    if acct == "P" and day >= 3:  # paid in full
        row.update(principal="0.00", interest="0.00", fees="0.00", minimum_due="0.00")
    return row


# open cases per stage at the end of each day (hand-computed from the table)
EW, SR, FD, NEG, LL = (
    s.value
    for s in (Stage.EARLY_WARNING, Stage.SOFT_REMINDER, Stage.FORMAL_DEMAND, Stage.NEGOTIATION,
              Stage.LAWYER_LETTER)
)  # fmt: skip
EXPECTED: dict[int, dict[str, int]] = {
    1: {EW: 2, SR: 3, FD: 3},
    2: {EW: 2, SR: 2, FD: 3, NEG: 1},
    3: {EW: 2, SR: 2, FD: 2, NEG: 1},
    4: {EW: 1, SR: 3, FD: 2, NEG: 1},
    5: {EW: 1, SR: 2, FD: 2, NEG: 1},
    6: {EW: 1, SR: 2, FD: 1, NEG: 1, LL: 1},
    7: {EW: 1, SR: 1, FD: 2, NEG: 1, LL: 1},
    8: {EW: 1, SR: 1, FD: 2, NEG: 1, LL: 1},
    9: {EW: 1, SR: 1, FD: 2, NEG: 1, LL: 1},
    10: {EW: 1, SR: 1, FD: 2, NEG: 1, LL: 1},
}
STICKY = {
    s.value for s in (Stage.LAWYER_LETTER, Stage.PAYMENT_ORDER, Stage.LITIGATION, Stage.ENFORCEMENT)
}


def test_ten_days_over_the_shipped_ladder(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DUECOURSE_POLICY_DIR", raising=False)
    shipped = PolicyBundle.load(None)
    legal = next(u for u in shipped.users if u.role.value == "legal")
    history: dict[str, list[str]] = {}
    for n, day in enumerate(DAYS, 1):
        monkeypatch.setenv("DUECOURSE_TODAY", day.isoformat())
        path = write_snapshot(tmp_path / f"{day}.csv", [_row(a, n) for a in "EWSFLCPN"])
        import_snapshot(engine, path, day, quarantine_dir=tmp_path / "q", policy=shipped.policy)
        if n == 1:  # L's collection letter was delivered: it may go legal (ladder: proof first)
            event(engine, _case_of(engine, "L"), "demand_delivered", day)
        if n == 2:
            event(engine, _case_of(engine, "N"), "promise_to_pay", day)  # the debtor calls in
        result = run_day(engine, day, shipped)
        assert result["status"] == "succeeded"
        cases = table(engine, "collection_case")
        open_cases = [c for c in cases if c.status == "open"]
        assert dict(Counter(c.stage for c in open_cases)) == EXPECTED[n], f"day {n}"
        by_account = Counter(c.account_id for c in open_cases)
        assert max(by_account.values()) == 1  # never two open cases (two stages) for an account
        for c in cases:
            path_so_far = history.setdefault(c.account_id, [])
            if path_so_far and path_so_far[-1] in STICKY and c.status == "open":
                assert c.stage in STICKY, f"{c.account_id} left a sticky stage on day {n}"
            path_so_far.append(c.stage)
        _only_current_milestones_open(engine)
        if n == 4:
            (review,) = table(engine, "review")
            assert (review.case_id, review.target_stage, review.status) == (
                _case_of(engine, "L"), LL, "pending",
            )  # fmt: skip
        if n == 5:  # legal approves in the afternoon; day 6's cycle moves the case
            with Session(engine) as s:
                decide_review(s, review.id, user=legal, approve=True, comment=None)
                s.commit()

    assert {a: _compress(p) for a, p in history.items()} == {
        "E": [EW],
        "W": [EW, SR],
        "S": [SR, FD],
        "F": [FD],
        "L": [FD, LL],
        "C": [SR, "cured"],
        "P": [FD, "paid"],
        "N": [SR, NEG],
    }
    closed = {c.account_id: (c.outcome, c.closed_on) for c in table(engine, "collection_case")
              if c.status == "closed"}  # fmt: skip
    assert closed == {"P": ("paid", DAYS[2]), "C": ("cured", DAYS[4])}
    opened = Counter(m.stage for m in table(engine, "milestone"))
    # soft_reminder first_contact: S, C, N (day 1), W (day 4); formal_demand_sent: F, L, P
    # (day 1), S (day 7); negotiation_outcome: N; lawyer_letter: legal_review (with the review,
    # day 4) and lawyer_letter_sent (on entry, day 6); early_warning has none
    assert dict(opened) == {SR: 4, FD: 4, NEG: 1, LL: 2}
    l_ms = {m.kind: m for m in table(engine, "milestone") if m.case_id == _case_of(engine, "L")}
    assert (l_ms["legal_review"].status, l_ms["legal_review"].closed_on) == ("met", DAYS[5])
    assert (l_ms["lawyer_letter_sent"].entry_on, l_ms["lawyer_letter_sent"].status) == (
        DAYS[5], "open",
    )  # fmt: skip
    assert l_ms["formal_demand_sent"].status == "waived"
    runs = [(r.as_of, r.status) for r in table(engine, "cycle_run")]
    assert runs == [(d, "succeeded") for d in DAYS]


def _case_of(engine: Engine, account: str) -> int:
    (case_id,) = [c.id for c in table(engine, "collection_case") if c.account_id == account]
    return int(case_id)


def _compress(stages: list[str]) -> list[str]:
    out: list[str] = []
    for s in stages:
        if not out or out[-1] != s:
            out.append(s)
    return out


def _only_current_milestones_open(engine: Engine) -> None:
    """An open case's open milestones belong to its current stage entry, except the one that
    measures a pending review (it belongs to the review's target stage); a closed case has none."""
    cases = {c.id: c for c in table(engine, "collection_case")}
    pending = {
        (r.case_id, r.target_stage) for r in table(engine, "review") if r.status == "pending"
    }
    for m in table(engine, "milestone"):
        if m.status != "open":
            continue
        case = cases[m.case_id]
        assert case.status == "open", f"open milestone {m.kind} on closed case {case.account_id}"
        current = (m.stage, m.entry_on) == (case.stage, case.stage_entered_on)
        assert current or (m.case_id, m.stage) in pending, f"{case.account_id}: {m.kind} open"


LEGAL_FLOOR = Decimal("3000")  # policy/ladder.yaml lawyer_letter entry min_balance


def _balance(row: dict[str, str]) -> Decimal:
    return sum((Decimal(row[k]) for k in ("principal", "interest", "fees")), Decimal("0"))


def _band(dpd: int) -> str:
    """The stage a case with no flags and no approved review sits in at this DPD, by the shipped
    buckets and ladder: M0 early warning, M1 soft reminder, M2-M3 formal demand, and past 90 it
    waits in formal demand for the legal review that lawyer_letter needs."""
    return EW if dpd == 0 else SR if dpd <= 30 else FD


def test_ten_days_of_a_generated_portfolio_follow_the_buckets(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from duecourse.synthetic import COLUMNS, synthetic_rows

    monkeypatch.delenv("DUECOURSE_POLICY_DIR", raising=False)
    shipped = PolicyBundle.load(None)
    base = [dict(zip(COLUMNS, r, strict=True)) for r in synthetic_rows(300, 11, DAYS[0])]
    owing = [r for r in base if any(r[k] != "0.00" for k in ("principal", "interest", "fees"))]
    seen: dict[str, set[str]] = {EW: set(), SR: set(), FD: set(), "review": set()}
    for n, day in enumerate(DAYS, 1):
        monkeypatch.setenv("DUECOURSE_TODAY", day.isoformat())
        rows = [{**r, "days_past_due": str(_grown(r, n))} for r in base]
        path = write_snapshot(tmp_path / f"{day}.csv", rows)
        import_snapshot(engine, path, day, quarantine_dir=tmp_path / "q", policy=shipped.policy)
        if n == 1:  # every case's written demand delivered: going legal needs one
            for c in table(engine, "collection_case"):
                event(engine, c.id, "demand_delivered", day)
        assert run_day(engine, day, shipped)["status"] == "succeeded"
        expected = Counter(_band(_grown(r, n)) for r in owing)
        cases = table(engine, "collection_case")
        assert all(c.status == "open" for c in cases) and len(cases) == len(owing)
        assert dict(Counter(c.stage for c in cases)) == dict(expected), f"day {n}"
        for r in owing:
            dpd = _grown(r, n)
            seen[_band(dpd)].add(r["account_id"])
            if dpd > 90 and _balance(r) >= LEGAL_FLOOR:
                seen["review"].add(r["account_id"])
        pending = [r for r in table(engine, "review") if r.status == "pending"]
        assert len(pending) == len(seen["review"])  # one legal review per case past 90, no more
        _only_current_milestones_open(engine)
    opened = Counter(m.stage for m in table(engine, "milestone"))
    assert dict(opened) == {
        SR: len(seen[SR]),  # one stay each: DPD only grows
        FD: len(seen[FD]),
        LL: len(seen["review"]),  # legal_review, opened with each review
    }
    assert len(seen["review"]) > 0 and seen[SR] & seen[FD]  # the portfolio crosses both lines


def _grown(row: dict[str, str], day: int) -> int:
    """A generated account's DPD on day `day`: overdue ones one day more each day."""
    dpd = int(row["days_past_due"])
    return dpd + day - 1 if dpd else 0
