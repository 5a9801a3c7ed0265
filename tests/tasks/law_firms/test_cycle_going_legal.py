"""Going legal needs proof (issue 19 item 2), with the shipped ladder, on both cycle engines: a
DPD-120 case with a balance over the floor but no delivered written demand gets no
lawyer's-letter review; once a demand is delivered (`demand_delivered`, what `mail delivered`
records for a demand), the next cycle opens one. A balance under the floor never does."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import Review, TimelineEvent
from rules import events
from rules.enums import ReviewStatus, Stage
from tasks.calendar import load_calendar
from tasks.cycle.core import PolicyBundle, run_day
from tasks.policy import load_policy, load_roster
from tests.factories import make_case

POLICY = Path(__file__).resolve().parents[3] / "policy"
DAY1, DAY2 = date(2026, 11, 2), date(2026, 11, 3)


def _bundle() -> PolicyBundle:
    return PolicyBundle(load_policy(POLICY), load_calendar(POLICY), load_roster(POLICY))


def _reviews(engine: Engine) -> dict[int, list[tuple[Stage | None, ReviewStatus]]]:
    with Session(engine) as s:
        out: dict[int, list[tuple[Stage | None, ReviewStatus]]] = {}
        for r in s.exec(select(Review).order_by(Review.id)):  # type: ignore[arg-type]
            out.setdefault(r.case_id, []).append((r.target_stage, r.status))
        return out


@pytest.mark.parametrize("cycle_engine", ["sql", "python"])
def test_a_lawyers_letter_review_waits_for_a_delivered_demand(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, cycle_engine: str
) -> None:
    monkeypatch.setenv("DUECOURSE_CYCLE_ENGINE", cycle_engine)
    with Session(engine) as s:
        proof = make_case(s, dpd=120, as_of=DAY1)  # 20,850 owed
        small = make_case(s, dpd=120, as_of=DAY1, principal="1500.00", interest="0", fees="0")
        s.commit()
        proof_id, small_id = proof.id, small.id
    assert proof_id is not None and small_id is not None
    monkeypatch.setenv("DUECOURSE_TODAY", DAY1.isoformat())
    run_day(engine, DAY1, _bundle())
    assert _reviews(engine) == {}  # DPD 120 alone is not enough
    with Session(engine) as s:  # the collection letters are delivered (with proof)
        for case_id in (proof_id, small_id):
            s.add(
                TimelineEvent(
                    case_id=case_id,
                    as_of=DAY1,
                    event=events.DEMAND_DELIVERED,
                    detail="letter CL-2026-000001 delivered 2026-11-02: an effective demand",
                )
            )
        s.commit()
    monkeypatch.setenv("DUECOURSE_TODAY", DAY2.isoformat())
    run_day(engine, DAY2, _bundle())
    # the case over the floor is asked about; 1,500 yuan stays in collection
    assert _reviews(engine) == {proof_id: [(Stage.LAWYER_LETTER, ReviewStatus.PENDING)]}
