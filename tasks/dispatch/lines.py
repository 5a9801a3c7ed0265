"""Which action lines a dispatch run takes, read a batch at a time with what it needs about each
case: the line, the case's state, and the debtor's contact points.

A run takes the channel lines `planned` for its day or the few days before (a day whose dispatch
did not run is caught up; older lines are stale: nobody sends last week's reminder), and lines the
gate `deferred` whose time has come. Lines are read in id order, `limit` at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from models.types import UTCDateTime
from rules.enums import ActionStatus, CaseStatus, Channel, Stage

DISPATCHED = (Channel.SMS, Channel.EMAIL, Channel.APP, Channel.CALL, Channel.VISIT, Channel.MAIL)
CARRY_DAYS = 3  # a planned line not sent within this many days of its plan is stale


@dataclass(frozen=True)
class Line:
    """One action line to carry out, with its case and the debtor's contact points."""

    id: int
    case_id: int
    step: str
    channel: Channel
    template: str | None
    as_of: date
    status: ActionStatus
    not_before: datetime | None
    case_status: CaseStatus
    stage: Stage
    owner: str | None
    phone: str | None
    email: str | None
    address: str | None
    province: str | None
    emergency_phone: str | None = None  # the first valid emergency contact's number

    @property
    def planned_stage(self) -> str:
        """The stage the line was planned in (`formal_demand:collection_letter#1`)."""
        return self.step.split(":", 1)[0]


_SELECT = sa.text(
    "SELECT a.id, a.case_id, a.step, a.channel, a.template, a.as_of, a.status, a.not_before, "
    "c.status, c.stage, c.owner, cu.phone, cu.email, cu.address, cu.province, "
    "(SELECT cp.value FROM contact_point cp WHERE cp.customer_id = cu.id "
    "AND cp.relation = 'emergency' AND cp.kind = 'phone' AND cp.valid ORDER BY cp.id LIMIT 1) "
    "FROM cycle_action a JOIN collection_case c ON c.id = a.case_id "
    "JOIN customer cu ON cu.id = c.customer_id "
    "WHERE a.id > :after AND a.status IN ('planned', 'deferred') "  # ix_cycle_action_due
    "AND a.channel IN :channels AND a.as_of <= :day AND ("
    "(a.status = 'planned' AND a.as_of >= :earliest) "
    "OR (a.status = 'deferred' AND a.not_before <= :now)) "
    "ORDER BY a.id LIMIT :limit"
).bindparams(sa.bindparam("channels", expanding=True), sa.bindparam("now", type_=UTCDateTime()))

_STALE = sa.text(
    "UPDATE cycle_action SET status = 'skipped', reason = :reason, updated_at = :now "
    "WHERE status = 'planned' AND as_of < :earliest AND as_of >= :floor AND channel IN :channels"
).bindparams(sa.bindparam("channels", expanding=True), sa.bindparam("now", type_=UTCDateTime()))


def _date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _moment(value: datetime | str | None) -> datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def read_lines(conn: Connection, *, day: date, now: datetime, after: int, limit: int) -> list[Line]:
    """The next `limit` lines due at `now` with id above `after`."""
    rows = conn.execute(
        _SELECT,
        {
            "after": after,
            "channels": [c.value for c in DISPATCHED],
            "day": day,
            "earliest": day - timedelta(days=CARRY_DAYS),
            "now": now,
            "limit": limit,
        },
    ).all()
    return [
        Line(
            id=r[0],
            case_id=r[1],
            step=r[2],
            channel=Channel(r[3]),
            template=r[4],
            as_of=_date(r[5]),
            status=ActionStatus(r[6]),
            not_before=_moment(r[7]),
            case_status=CaseStatus(r[8]),
            stage=Stage(r[9]),
            owner=r[10],
            phone=r[11],
            email=r[12],
            address=r[13],
            province=r[14],
            emergency_phone=r[15],
        )
        for r in rows
    ]


def skip_stale(conn: Connection, *, day: date, now: datetime) -> int:
    """Lines planned more than CARRY_DAYS before `day` and never carried out: `skipped`, with
    the reason (the last 60 days only: older ones were settled by earlier runs)."""
    earliest = day - timedelta(days=CARRY_DAYS)
    result = conn.execute(
        _STALE,
        {
            "reason": f"stale: not carried out within {CARRY_DAYS} days of its plan",
            "now": now,
            "earliest": earliest,
            "floor": earliest - timedelta(days=60),
            "channels": [c.value for c in DISPATCHED],
        },
    )
    return int(result.rowcount or 0)
