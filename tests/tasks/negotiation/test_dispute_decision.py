"""What deciding a dispute does to the case, by kind and outcome: the flags left, the stage it
goes back to (a legal stage it left for negotiation) or stays in, and the closure as withdrawn."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import Case
from rules import events
from rules.enums import DisputeKind, Role, Stage
from rules.negotiation_policy import NegotiationPolicy
from rules.roster import User
from tasks.calendar import load_calendar
from tasks.negotiation.disputes import DisputeSetting, open_dispute, resolve_dispute
from tasks.negotiation.flags import case_flags
from tasks.policy import load_policy, load_roster
from tests.factories import make_case

LEGAL = User(name="demo.sunfa", display_name="孙法", role=Role.LEGAL)
BOSS = User(name="demo.zhoujie", display_name="周杰", role=Role.SUPERVISOR)
DECIDER = {
    DisputeKind.HARDSHIP: BOSS,
    DisputeKind.FORCE_MAJEURE: BOSS,
    DisputeKind.DISPUTED_CHARGES: LEGAL,
    DisputeKind.IDENTITY_THEFT: LEGAL,
}


HELD = {events.HARDSHIP_CLAIMED}
BACK, STAYS = (Stage.LAWYER_LETTER, "open"), (Stage.NEGOTIATION, "open")


@pytest.mark.parametrize(
    ("kind", "upheld", "expected"),
    [
        (DisputeKind.HARDSHIP, True, (HELD, *STAYS)),  # a plan is next
        (DisputeKind.HARDSHIP, False, (set(), *BACK)),
        (DisputeKind.FORCE_MAJEURE, True, (HELD, *STAYS)),  # to negotiation
        (DisputeKind.FORCE_MAJEURE, False, (set(), *BACK)),
        (DisputeKind.DISPUTED_CHARGES, True, (set(), *BACK)),  # collection resumes
        (DisputeKind.IDENTITY_THEFT, True, (set(), Stage.WITHDRAWN, "closed")),
        (DisputeKind.IDENTITY_THEFT, False, (set(), *BACK)),
    ],
)
def test_each_outcome(
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: DisputeKind,
    upheld: bool,
    expected: tuple[set[str], Stage, str],
) -> None:
    """A DPD-200 case that left lawyer_letter for negotiation (as the cycle moves it): when the
    claim leaves no negotiation flag, collection resumes at the legal stage it left."""
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-10")
    flags, stage, status = expected

    setting = DisputeSetting(
        negotiation=NegotiationPolicy(), policy=load_policy(), calendar=load_calendar(None),
        users=load_roster(), documents_dir=tmp_path,
    )  # fmt: skip
    with Session(engine) as s:
        case = make_case(s, dpd=200, stage=Stage.LAWYER_LETTER)
        case_id = int(case.id or 0)
        open_dispute(s, str(case_id), kind, "claim", [], actor="demo.liqiang", setting=setting)
        case.stage, case.return_stage = Stage.NEGOTIATION, Stage.LAWYER_LETTER
        s.add(case)
        s.commit()
        resolve_dispute(s, str(case_id), upheld=upheld, note="decided", user=DECIDER[kind])
        s.commit()
        after = s.get(Case, case_id)
        assert after is not None
        assert (after.stage, after.status) == (stage, status)
        left = case_flags(s, case_id) - {events.PROMISE_TO_PAY, events.PLAN_REQUESTED}
    assert left == flags  # dispute_open and hardship_review always cleared
