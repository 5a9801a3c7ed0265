"""The cycle's tables keep their promises at the database: one action line per idempotency key,
one milestone per (case, stage entry, kind), one pending review per case and target stage."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from models import CycleAction, CycleRun, Milestone, Review
from rules.enums import (
    ActionKind,
    ActionStatus,
    Channel,
    MilestoneStatus,
    ReviewStatus,
    Role,
    Stage,
)
from tests.factories import make_case

DAY = date(2026, 11, 2)


def test_an_action_key_is_recorded_once(session: Session) -> None:
    case = make_case(session)
    run = CycleRun(as_of=DAY, policy_version="v1")
    session.add(run)
    session.flush()
    assert case.id is not None and run.id is not None

    def line() -> CycleAction:
        return CycleAction(
            run_id=run.id or 0, as_of=DAY, case_id=case.id or 0, kind=ActionKind.SMS,
            step="soft_reminder:sms#1", key="1|soft_reminder:sms#1|v1|2026-11-02",
            policy_version="v1", channel=Channel.SMS, template="reminder_sms",
        )  # fmt: skip

    session.add(line())
    session.commit()
    stored = session.get(CycleAction, 1)
    assert stored is not None
    assert (stored.kind, stored.status, stored.channel) == (
        ActionKind.SMS,
        ActionStatus.PLANNED,
        Channel.SMS,
    )
    session.add(line())
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()


def test_one_milestone_per_stage_entry_and_kind(session: Session) -> None:
    case = make_case(session)

    def milestone(entry: date) -> Milestone:
        return Milestone(
            case_id=case.id or 0, kind="first_contact", stage=Stage.SOFT_REMINDER,
            entry_on=entry, opened_on=entry, due=entry, owner_role=Role.COLLECTOR,
            policy_version="v1",
        )  # fmt: skip

    session.add(milestone(DAY))
    session.add(milestone(date(2026, 12, 1)))  # a later entry opens its own
    session.commit()
    assert session.get(Milestone, 1).status == MilestoneStatus.OPEN  # type: ignore[union-attr]
    session.add(milestone(DAY))
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()


def test_one_pending_review_per_case_and_target(session: Session) -> None:
    case = make_case(session)

    def review(key: str, status: ReviewStatus = ReviewStatus.PENDING) -> Review:
        return Review(
            case_id=case.id or 0, target_stage=Stage.LAWYER_LETTER, required_role=Role.LEGAL,
            opened_on=DAY, key=key, policy_version="v1", status=status,
        )  # fmt: skip

    session.add(review("k1", ReviewStatus.REJECTED))
    session.add(review("k2"))
    session.commit()
    session.add(review("k3"))
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()
