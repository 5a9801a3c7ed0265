"""A small ladder, roster and helpers for the daily cycle's tests (independent of the shipped
policy, so its edits do not move these tests)."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
import yaml
from pydantic import TypeAdapter
from sqlalchemy.engine import Engine

from rules.buckets import DEFAULT_SCHEME
from rules.policy import Policy, RiskPolicy, StageDef
from rules.roster import User
from tasks.calendar import load_calendar
from tasks.cycle.core import PolicyBundle

LADDER = """
- stage: soft_reminder
  owner_role: collector
  entry: {min_dpd: 1, max_dpd: 30, without_events: [promise_to_pay]}
  actions:
    - {key: call, channel: call, offset_days: 0, repeat_every_days: 2, max_times: 2}
    - {key: sms, channel: sms, template: reminder_sms, offset_days: 1}
  milestones:
    - {kind: first_contact, offset: 3, unit: working, owner_role: collector,
       on_miss: escalate, met_by: [contact_made]}
  next: [formal_demand, negotiation, lawyer_letter, cured]
- stage: formal_demand
  owner_role: collector
  entry: {min_dpd: 31, max_dpd: 90, without_events: [promise_to_pay]}
  actions:
    - {key: letter, channel: mail, template: collection_letter, offset_days: 0}
  milestones:
    - {kind: demand_sent, offset: 2, unit: calendar, owner_role: collector,
       on_miss: reassign, met_by: [letter_sent]}
  next: [negotiation, lawyer_letter, soft_reminder, cured]
- stage: negotiation
  owner_role: collector
  entry: {min_dpd: 1, max_dpd: 90, events: [promise_to_pay]}
  milestones:
    - {kind: plan_agreed, offset: 1, unit: calendar, owner_role: collector,
       on_miss: advance, met_by: [plan_proposed]}
  next: [soft_reminder, formal_demand, lawyer_letter, cured]
- stage: lawyer_letter
  owner_role: legal
  entry: {min_dpd: 91}
  review: legal
  sticky: true
  actions:
    - {key: prepare, channel: internal, offset_days: 0}
  milestones:
    - {kind: objection_window, statutory_event: payment-order-served, owner_role: legal,
       on_miss: none, met_by: [objection_filed]}
  next: [payment_order, cured]
- stage: payment_order
  owner_role: legal
  next: [cured]
- stage: cured
"""

RISK = {
    "tiers": {"high": 50, "medium": 20},
    "rules": [
        {"field": "balance", "op": ">=", "value": 100000, "points": 50,
         "reason": "balance {value:,.0f} ≥ {threshold:,.0f}"},
        {"field": "dpd", "op": ">", "value": 30, "points": 20,
         "reason": "DPD {value} > {threshold}"},
    ],
}  # fmt: skip

ROSTER = [
    User(name="ann", display_name="Ann", role="collector", capacity=2),
    User(name="bob", display_name="Bob", role="collector", capacity=2),
    User(name="sue", display_name="Sue", role="supervisor", capacity=10),
    User(name="lee", display_name="Lee", role="legal", capacity=10),
]  # type: ignore[arg-type]

MONDAY = date(2026, 11, 2)


def policy(ladder: str = LADDER) -> Policy:
    stages = TypeAdapter(list[StageDef]).validate_python(yaml.safe_load(ladder))
    return Policy.build(stages, RiskPolicy.model_validate(RISK), DEFAULT_SCHEME, "test ladder")


def bundle() -> PolicyBundle:
    return PolicyBundle(policy(), load_calendar(None), list(ROSTER))


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params))


def event(engine: Engine, case_id: int, name: str, on: date) -> None:
    """Record a timeline event (a contact, a letter sent, a flag) as later issues will."""
    from sqlmodel import Session

    from models import TimelineEvent

    with Session(engine) as s:
        s.add(TimelineEvent(case_id=case_id, as_of=on, event=name, detail="test"))
        s.commit()


def table(engine: Engine, name: str) -> list[Any]:
    """Every row of a table, with its column types applied (dates as dates on SQLite too)."""
    from sqlmodel import SQLModel

    t = SQLModel.metadata.tables[name]
    with engine.connect() as conn:
        return list(conn.execute(sa.select(t).order_by(*t.primary_key.columns)))
