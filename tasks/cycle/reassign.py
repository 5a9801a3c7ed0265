"""Owners changed by hand: `assign CASE --to U` and `reassign --from U [--to U]` (leave,
departure), each with its reason in the timeline. Set-based for a whole desk at once."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from models.types import utcnow
from rules import events
from rules.enums import CaseStatus, MilestoneStatus, RiskTier, Role, Stage
from rules.errors import DuecourseError, NotFoundError
from rules.owners import assign_owners
from rules.policy import Policy
from rules.roster import User
from tasks.bulk import MAX_ROW_ID, db_date, db_time, insert_many, placeholder
from tasks.cycle.read import CASE, open_case_loads


def _user(users: list[User], name: str) -> User:
    for u in users:
        if u.name == name:
            return u
    raise NotFoundError(f"unknown user {name!r} (see `duecourse users`)")


def _stage_role(policy: Policy, stage: Stage) -> Role | None:
    return policy.stage_def(stage).owner_role if policy.has_stage(stage) else None


def _apply(
    conn: Connection,
    moves: list[tuple[int, str | None, str]],
    as_of: date,
    reason: str,
    actor: str,
) -> None:
    """Write owner changes (case, old, new): the case, its open milestones, the timeline."""
    if not moves:
        return
    ph = placeholder(conn)
    ts = db_time(conn, utcnow())
    conn.exec_driver_sql(
        f"UPDATE collection_case SET owner = {ph}, version = version + 1, updated_at = {ph} "
        f"WHERE id = {ph}",
        [(new, ts, case_id) for case_id, _old, new in moves],
    )
    conn.exec_driver_sql(
        f"UPDATE milestone SET owner = {ph}, updated_at = {ph} "
        f"WHERE case_id = {ph} AND status = '{MilestoneStatus.OPEN.value}'",
        [(new, ts, case_id) for case_id, _old, new in moves],
    )
    day = db_date(conn, as_of)
    insert_many(
        conn,
        "timeline_event",
        ["case_id", "at", "as_of", "event", "detail", "actor"],
        [
            (case_id, ts, day, events.OWNER, f"{old or '-'} -> {new}: {reason}", actor)
            for case_id, old, new in moves
        ],
    )


def assign_case(
    engine: Engine,
    case_id: int,
    to: str,
    *,
    users: list[User],
    policy: Policy,
    as_of: date,
    reason: str,
    actor: str = "cli",
) -> dict[str, Any]:
    """Give one open case to `to` (who must hold the stage's owner role)."""
    user = _user(users, to)
    if not 0 <= case_id <= MAX_ROW_ID:  # the database would refuse the number
        raise NotFoundError(f"no case {case_id}")
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(CASE.c.owner, CASE.c.stage, CASE.c.status).where(CASE.c.id == case_id)
        ).first()
        if row is None:
            raise NotFoundError(f"no case {case_id}")
        old, stage, status = row
        if status != CaseStatus.OPEN:
            raise DuecourseError(f"case {case_id} is closed; only open cases have owners")
        role = _stage_role(policy, stage)
        if role is not None and user.role != role:
            raise DuecourseError(
                f"{to} is {user.role.value}, but {stage.value} cases are owned by the "
                f"{role.value} role"
            )
        if old == to:
            return {"case_id": case_id, "owner": to, "changed": False}
        _apply(conn, [(case_id, old, to)], as_of, reason, actor)
    return {"case_id": case_id, "from": old, "owner": to, "changed": True, "reason": reason}


def reassign_from(
    engine: Engine,
    from_user: str,
    to: str | None,
    *,
    users: list[User],
    policy: Policy,
    as_of: date,
    reason: str,
    actor: str = "cli",
) -> dict[str, Any]:
    """Move every open case of `from_user` to `to`, or, without `to`, spread them over the
    other users of each case's owner role by load within capacity (high risk first)."""
    target = _user(users, to) if to is not None else None
    if to == from_user:
        raise DuecourseError("--from and --to name the same user")
    with engine.begin() as conn:
        rows = conn.execute(
            sa.select(CASE.c.id, CASE.c.stage, CASE.c.risk_tier)
            .where(CASE.c.status == CaseStatus.OPEN, CASE.c.owner == from_user)
            .order_by(CASE.c.id)
        ).all()
        wanted: list[tuple[int, Role, RiskTier | None]] = []
        for case_id, stage, tier in rows:
            role = _stage_role(policy, stage)
            if role is None:
                continue
            if target is not None and target.role != role:
                raise DuecourseError(
                    f"{target.name} is {target.role.value}, but case {case_id} ({stage.value}) "
                    f"needs the {role.value} role; reassign without --to to balance by role"
                )
            wanted.append((case_id, role, tier))
        exceeded = False
        if target is not None:
            assignments = {case_id: target.name for case_id, _r, _t in wanted}
        else:
            loads = open_case_loads(conn)
            others = [u for u in users if u.name != from_user]
            assignments, exceeded = assign_owners(wanted, others, loads)
        unplaced = [case_id for case_id, _r, _t in wanted if case_id not in assignments]
        if unplaced:
            raise DuecourseError(
                f"nobody else holds the role of {len(unplaced)} case(s) of {from_user} "
                f"(e.g. case {unplaced[0]}); add a user to the roster first"
            )
        _apply(
            conn,
            [(case_id, from_user, new) for case_id, new in assignments.items()],
            as_of,
            reason,
            actor,
        )
    return {
        "from": from_user,
        "moved": len(assignments),
        "to": dict(sorted(Counter(assignments.values()).items())),
        "capacity_exceeded": exceeded,
        "reason": reason,
    }
