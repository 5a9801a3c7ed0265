"""A small store whose KPIs are counted by hand (tests/tasks/test_report_kpis.py says how).

Period 2026-11-01..03. Snapshots (bucket, balance in yuan):

    account  10-31    11-01        11-02       11-03
    RA       M0 1     M1 1000      M1 -        M2 800
    RB       -        M1 300       M0 -        (absent)
    RC       -        M2 2000      M3 -        M3 2100.50
    RD       -        (absent)     M1 -        M1 -
    RE       -        M4 500       (absent)    M4 500

Cases (c1..c9), milestones and reviews: see `build`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import BalanceSnapshot, Milestone, Review
from rules.enums import (
    Bucket,
    CaseStatus,
    MilestoneStatus,
    Outcome,
    ReviewStatus,
    Role,
    Stage,
)
from rules.roster import User
from tests.factories import make_case

START, END = date(2026, 11, 1), date(2026, 11, 3)
D = {n: date(2026, 11, n) for n in range(1, 6)}
OCT = {n: date(2026, 10, n) for n in range(1, 32)}
SEP1 = date(2026, 9, 1)

USERS = [
    User(name="w1", display_name="W One", role=Role.COLLECTOR, team="T1", capacity=1),
    User(name="w2", display_name="W Two", role=Role.COLLECTOR, team="T1", capacity=5),
    User(name="legal1", display_name="L One", role=Role.LEGAL, team="L", capacity=1),
    User(name="sup", display_name="S One", role=Role.SUPERVISOR, team="S", capacity=0),
]

# account -> [(day, bucket, balance yuan)]
SNAPSHOTS: dict[str, list[tuple[date, Bucket, str]]] = {
    "RA": [(OCT[31], Bucket.M0, "1.00"), (D[1], Bucket.M1, "1000.00"),
           (D[2], Bucket.M1, "900.00"), (D[3], Bucket.M2, "800.00")],
    "RB": [(D[1], Bucket.M1, "300.00"), (D[2], Bucket.M0, "300.00")],
    "RC": [(D[1], Bucket.M2, "2000.00"), (D[2], Bucket.M3, "2050.00"),
           (D[3], Bucket.M3, "2100.50")],
    "RD": [(D[2], Bucket.M1, "700.00"), (D[3], Bucket.M1, "700.00")],
    "RE": [(D[1], Bucket.M4, "500.00"), (D[3], Bucket.M4, "500.00")],
}  # fmt: skip


def _case(s: Session, account: str | None, **kw: object) -> int:
    """A case made by the factory, then given the fields the test needs."""
    extra = {k: kw.pop(k) for k in list(kw) if k not in ("stage", "owner")}
    case = make_case(s, account_id=account, as_of=extra.pop("opened_on"), **kw)  # type: ignore[arg-type]
    for field, value in extra.items():
        setattr(case, field, value)
    s.add(case)
    s.flush()
    assert case.id is not None
    return case.id


def _closed(outcome: Outcome, on: date) -> dict[str, object]:
    return {"status": CaseStatus.CLOSED, "outcome": outcome, "closed_on": on}


def build(engine: Engine) -> dict[str, int]:
    """The store described above; case ids by name."""
    with Session(engine) as s:
        ids = {
            "c1": _case(s, "RA", opened_on=OCT[20], stage=Stage.SOFT_REMINDER, owner="w1",
                        bucket=Bucket.M2),
            "c2": _case(s, "RB", opened_on=OCT[25], **_closed(Outcome.CURED, D[2])),
            "c3": _case(s, "RC", opened_on=OCT[1], **_closed(Outcome.PAID, OCT[15])),
            "c4": _case(s, "RD", opened_on=D[2], stage=Stage.LAWYER_LETTER, owner="legal1",
                        bucket=Bucket.M1),
            "c5": _case(s, "RE", opened_on=OCT[1], stage=Stage.PAYMENT_ORDER, owner="legal1",
                        bucket=Bucket.M4, stage_entered_on=SEP1),
            "c6": _case(s, None, opened_on=OCT[1], **_closed(Outcome.CURED, D[5])),
            "c7": _case(s, None, opened_on=D[4], owner="w1", bucket=Bucket.M1),
            "c8": _case(s, None, opened_on=OCT[26], owner="ghost", bucket=Bucket.M3),
            "c9": _case(s, None, opened_on=OCT[27], bucket=Bucket.M1),
        }  # fmt: skip
        for account, rows in SNAPSHOTS.items():
            for day, bucket, balance in rows:
                s.add(BalanceSnapshot(
                    account_id=account, as_of=day, principal=Decimal(balance),
                    interest=Decimal("0"), fees=Decimal("0"), minimum_due=Decimal("0"),
                    days_past_due=0, bucket=bucket,
                ))  # fmt: skip
        milestones = [
            ("w1", MilestoneStatus.MET, D[1]), ("w1", MilestoneStatus.MET, D[2]),
            ("w1", MilestoneStatus.MISSED, D[3]), ("w2", MilestoneStatus.MISSED, D[2]),
            ("legal1", MilestoneStatus.MET, D[3]), (None, MilestoneStatus.MISSED, D[1]),
            ("ghost", MilestoneStatus.MET, D[2]),
            # not counted: closed before the period, waived, still open
            ("w1", MilestoneStatus.MET, OCT[31]), ("w1", MilestoneStatus.WAIVED, D[2]),
            ("w2", MilestoneStatus.OPEN, None),
        ]  # fmt: skip
        for n, (owner, status, closed) in enumerate(milestones):
            s.add(Milestone(
                case_id=ids["c1"], kind=f"k{n}", stage=Stage.SOFT_REMINDER, entry_on=OCT[20],
                opened_on=OCT[20], due=D[1], status=status, owner=owner,
                owner_role=Role.COLLECTOR, closed_on=closed, policy_version="v1",
            ))  # fmt: skip
        for n, (target, decided) in enumerate([
            (Stage.LITIGATION, ReviewStatus.PENDING), (Stage.LAWYER_LETTER, ReviewStatus.PENDING),
            (Stage.LAWYER_LETTER, ReviewStatus.APPROVED),
        ]):  # fmt: skip
            s.add(Review(
                case_id=ids["c5"], target_stage=target, required_role=Role.LEGAL, status=decided,
                opened_on=D[2], key=f"review-{n}", policy_version="v1",
            ))  # fmt: skip
        s.commit()
    return ids
