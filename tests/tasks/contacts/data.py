"""Helpers for the call/visit queue and contact-log tests: waiting action lines, milestones,
logged contacts and the shipped CN conduct pack with the shipped calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from models import Contact, CycleAction, CycleRun, Milestone
from rules.enums import (
    ActionKind,
    ActionStatus,
    CallOutcome,
    Channel,
    ContactStatus,
    MilestoneStatus,
    Role,
    Stage,
)
from rules.roster import User
from tasks.calendar import load_calendar
from tasks.conduct import load_conduct_pack
from tasks.contacts.queue import Conduct

SHANGHAI = ZoneInfo("Asia/Shanghai")
TUESDAY = date(2026, 11, 3)
ANN = User(name="ann", display_name="Ann", role=Role.COLLECTOR, capacity=10)
BOB = User(name="bob", display_name="Bob", role=Role.COLLECTOR, capacity=10)
SUE = User(name="sue", display_name="Sue", role=Role.SUPERVISOR, capacity=10)


def cn() -> Conduct:
    """The shipped default pack (cn) and calendar."""
    return Conduct(pack=load_conduct_pack(None), calendar=load_calendar(None))


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=SHANGHAI)


def waiting_line(
    session: Session,
    case_id: int,
    day: date,
    *,
    channel: Channel = Channel.CALL,
    status: ActionStatus = ActionStatus.QUEUED,
    not_before: datetime | None = None,
    step: str = "soft_reminder:first_call#1",
) -> CycleAction:
    """A call/visit line as the dispatcher leaves it in the owner's queue."""
    run = session.exec(select(CycleRun).where(CycleRun.as_of == day)).first()
    if run is None:
        run = CycleRun(as_of=day, policy_version="test")
        session.add(run)
        session.flush()
    line = CycleAction(
        run_id=int(run.id or 0),
        as_of=day,
        case_id=case_id,
        kind=ActionKind.for_channel(channel),
        step=step,
        key=f"{case_id}|{step}|{channel.value}|test|{day.isoformat()}",
        policy_version="test",
        status=status,
        channel=channel,
        not_before=not_before,
    )
    session.add(line)
    session.flush()
    return line


def open_milestone(session: Session, case_id: int, kind: str, due: date) -> None:
    session.add(
        Milestone(
            case_id=case_id,
            kind=kind,
            stage=Stage.SOFT_REMINDER,
            entry_on=TUESDAY,
            opened_on=TUESDAY,
            due=due,
            owner_role=Role.COLLECTOR,
            status=MilestoneStatus.OPEN,
            policy_version="test",
        )
    )
    session.flush()


def made_call(
    session: Session, case_id: int, at: datetime, outcome: CallOutcome, n: int = 0
) -> None:
    """A call already on record (as a log or the dispatcher would have written it)."""
    session.add(
        Contact(
            key=f"{case_id}|test|call|{at.isoformat()}|{n}",
            case_id=case_id,
            as_of=at.astimezone(SHANGHAI).date(),
            at=at.astimezone(UTC),
            channel=Channel.CALL,
            status=ContactStatus.LOGGED,
            outcome=outcome,
        )
    )
    session.flush()
