"""Cases with planned channel lines, as the daily cycle leaves them, and the dispatcher's context
on the shipped policy (cn pack, shipped calendar and bank) with the senders a test chooses."""

from __future__ import annotations

import itertools
import time as _time
from collections.abc import Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import CardAccount, Case, Contact, Customer, CycleAction, CycleRun
from rules.enums import ActionKind, ActionStatus, CaseStatus, Channel, ContactStatus, Stage
from tasks.channels.base import Sender
from tasks.dispatch.batch import DispatchContext
from tasks.dispatch.run import make_context
from tests.factories import make_case
from tests.tasks.channels.sms_provider import Provider

POLICY = Path(__file__).resolve().parents[3] / "policy"
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 2)  # a Monday, a working day
REMINDER = "soft_reminder:reminder_sms#1"
PREDUE = "early_warning:predue_sms#1"
_n = itertools.count(1)


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=SHANGHAI)


def overdue_case(
    s: Session, *, stage: Stage = Stage.SOFT_REMINDER, owner: str | None = "ann", day: date = DAY
) -> int:
    """An open M1 case (DPD 10) whose figures are known on `day`."""
    return int(make_case(s, dpd=10, stage=stage, owner=owner, as_of=day).id or 0)


def predue_case(s: Session, *, day: date = DAY) -> int:
    """An M0 case (DPD 0) whose bill falls due in 10 days: a pre-due text can name the date."""
    case = make_case(s, dpd=0, stage=Stage.EARLY_WARNING, as_of=day)
    account = s.get(CardAccount, case.account_id)
    assert account is not None
    account.due_date = date.fromordinal(day.toordinal() + 10)
    s.add(account)
    s.flush()
    return int(case.id or 0)


def line(
    s: Session,
    case_id: int,
    *,
    channel: Channel = Channel.SMS,
    step: str = REMINDER,
    template: str | None = "reminder_sms",
    day: date = DAY,
    status: ActionStatus = ActionStatus.PLANNED,
    not_before: datetime | None = None,
) -> int:
    """A channel line as run-day writes it (`planned` for `day`); its id."""
    run = s.exec(select(CycleRun).where(CycleRun.as_of == day)).first()
    if run is None:
        run = CycleRun(as_of=day, policy_version="test")
        s.add(run)
        s.flush()
    action = CycleAction(
        run_id=int(run.id or 0),
        as_of=day,
        case_id=case_id,
        kind=ActionKind.for_channel(channel),
        step=step,
        key=f"{case_id}|{step}|test|{day.isoformat()}|{next(_n)}",
        policy_version="test",
        status=status,
        channel=channel,
        template=template,
        not_before=not_before,
    )
    s.add(action)
    s.flush()
    return int(action.id or 0)


def context(
    engine: Engine,
    senders: Mapping[Channel, Sender],
    *,
    day: date = DAY,
    at: time | None = time(10, 0),
) -> DispatchContext:
    return make_context(engine, day, policy_dir=POLICY, senders=senders, at=at)


def lines_of(engine: Engine) -> dict[int, tuple[str, str, datetime | None]]:
    """Line id -> (status, reason, not_before)."""
    with Session(engine) as s:
        rows = s.exec(select(CycleAction)).all()
        return {int(r.id or 0): (r.status.value, r.reason, r.not_before) for r in rows}


def contacts_of(engine: Engine) -> list[Contact]:
    with Session(engine, expire_on_commit=False) as s:
        return list(s.exec(select(Contact).order_by(sa.asc(Contact.id))).all())  # type: ignore[arg-type]


def close_case(s: Session, case_id: int) -> None:
    case = s.get(Case, case_id)
    assert case is not None
    case.status = CaseStatus.CLOSED
    s.add(case)
    s.flush()


def set_stage(s: Session, case_id: int, stage: Stage) -> None:
    case = s.get(Case, case_id)
    assert case is not None
    case.stage = stage
    s.add(case)
    s.flush()


def drop_phone(s: Session, case_id: int) -> None:
    case = s.get(Case, case_id)
    assert case is not None
    customer = s.get(Customer, case.customer_id)
    assert customer is not None
    customer.phone = None
    s.add(customer)
    s.flush()


def left_sending(
    s: Session,
    case_id: int,
    line_id: int,
    *,
    channel: Channel = Channel.SMS,
    step: str = REMINDER,
    template: str = "reminder_sms",
) -> str:
    """A contact an earlier run committed `sending` and then died: the line is still planned.
    Its key (the one the dispatcher gives the line)."""
    from tasks.contacts.record import contact_key

    key = contact_key(case_id, step, channel, DAY)
    s.add(
        Contact(
            key=key,
            case_id=case_id,
            action_id=line_id,
            as_of=DAY,
            at=local(DAY, 9, 30),
            channel=channel,
            template=template,
            status=ContactStatus.SENDING,
            actor="dispatch",
        )
    )
    s.flush()
    return key


def accept_then_time_out_once(provider: Provider, delay: float) -> None:
    """The provider's first request is accepted (the texts count as sent), then answered
    `delay` seconds later: too late for a client with a shorter timeout."""
    answer = provider.answer
    delays = [delay]

    def slow_once(headers: Any, body: bytes) -> tuple[int, bytes]:
        wait = delays.pop() if delays else 0.0
        result = answer(headers, body)
        _time.sleep(wait)
        return result

    provider.answer = slow_once  # type: ignore[method-assign]
