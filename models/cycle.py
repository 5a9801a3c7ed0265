"""The daily cycle's record: one row per run, one line per action taken or planned in it.

Every action line has an idempotency key (case, step, policy version, as-of) under a UNIQUE
constraint, so re-running a day, a crash-then-rerun, or two runs at once never duplicate one.
Channel actions (sms, email, mail, call, ...) stay `planned` for the channels to send; what the
cycle does itself (stage moves, owners, milestones, reviews) is recorded `done`.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_column, utcnow
from rules.enums import ActionKind, ActionStatus, Channel, RunStatus


class CycleRun(SQLModel, table=True):
    __tablename__ = "cycle_run"

    id: int | None = Field(default=None, primary_key=True)
    as_of: date = Field(index=True)
    flow: str = Field(
        default="daily_cycle", max_length=32, description="daily_cycle or deadline_check"
    )
    policy_version: str = Field(max_length=64)
    status: RunStatus = Field(
        default=RunStatus.RUNNING, sa_column=enum_column(RunStatus, nullable=False)
    )
    cases: int = Field(default=0, description="open cases evaluated")
    counts: str = Field(default="{}", description="JSON: action kind -> lines written")
    risk_changes: int = 0
    skipped: int = Field(default=0, description="actions already recorded (idempotent skips)")
    capacity_exceeded: bool = False
    warnings: str = Field(default="[]", description="JSON list, calendar warnings included")
    error: str | None = None
    flow_run_id: str | None = Field(default=None, max_length=64)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CycleAction(SQLModel, table=True):
    __tablename__ = "cycle_action"
    # Few indexes: a million lines a day are written. The unique key, a case's lines (case file,
    # and a batch's existing keys: case_id range + as_of), and a day's lines (the channels).
    # The contact dispatcher's lines still to carry out: a partial index stays small however
    # long the history grows (every hourly run reads it).
    __table_args__ = (
        sa.Index("ix_cycle_action_case_as_of", "case_id", "as_of"),
        sa.Index(
            "ix_cycle_action_due",
            "id",
            sqlite_where=sa.text("status IN ('planned', 'deferred')"),
            postgresql_where=sa.text("status IN ('planned', 'deferred')"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="cycle_run.id")
    as_of: date = Field(index=True)
    case_id: int = Field(foreign_key="collection_case.id")
    kind: ActionKind = Field(sa_column=enum_column(ActionKind, nullable=False))
    step: str = Field(max_length=120, description="stage:action key, milestone id, target ...")
    key: str = Field(max_length=200, unique=True, description="case|step|policy version|as-of")
    policy_version: str = Field(max_length=64)
    status: ActionStatus = Field(
        default=ActionStatus.PLANNED, sa_column=enum_column(ActionStatus, nullable=False)
    )
    reason: str = Field(default="")
    channel: Channel | None = Field(default=None, sa_column=enum_column(Channel))
    template: str | None = Field(default=None, max_length=120)
    not_before: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="deferred by the conduct gate until then"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
