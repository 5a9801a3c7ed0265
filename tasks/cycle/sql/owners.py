"""Owners for the batch, set-based where it counts: the cases needing an owner are ranked per
role in SQL (window function: highest risk first, then id), the role's users are handed out in
that order by rules.owners.hand_out (share of capacity; one short list per role, not per case),
and one UPDATE ... FROM gives every case its owner. Then a missed milestone's `reassign`
(rare: a few rows) and the owners of the day's new milestones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rules import events as ev
from rules.enums import ActionKind, Role
from rules.owners import hand_out, least_loaded

if TYPE_CHECKING:
    from tasks.cycle.sql.engine import SqlBatch

_RANK = "CASE w.tier WHEN 'high' THEN 0 WHEN 'medium' THEN 1 WHEN 'low' THEN 2 ELSE 3 END"


def _move_load(loads: dict[str, int], old: str | None, new: str, n: int = 1) -> None:
    if old is not None and old in loads:
        loads[old] = max(0, loads[old] - n)
    loads[new] = loads.get(new, 0) + n


def assign(b: SqlBatch) -> None:
    d, ctx = b.d, b.ctx
    d.temp_table("need", "case_id INTEGER PRIMARY KEY, role TEXT, rk INTEGER")
    d.run(
        "INSERT INTO need SELECT w.id, ps.role, ROW_NUMBER() OVER (PARTITION BY ps.role "
        f"ORDER BY {_RANK}, w.id) FROM w JOIN ps ON ps.stage = w.stage_f "
        "WHERE ps.role IS NOT NULL AND (w.owner0 IS NULL OR NOT EXISTS (SELECT 1 FROM ro "
        "WHERE ro.name = w.owner0 AND ro.role = ps.role))"
    )
    counts = d.rows("SELECT role, COUNT(*) FROM need GROUP BY role ORDER BY role")
    d.temp_table("slot", "role TEXT, rk INTEGER, name TEXT")
    unstaffed: list[str] = []
    for role, n in counts:
        names, over = hand_out(ctx.users, Role(role), ctx.loads, int(n))
        if not names:
            unstaffed.append(role)
            continue
        b.totals.capacity_exceeded = b.totals.capacity_exceeded or over
        d.fill("slot", ("role", "rk", "name"), [(role, i, name) for i, name in enumerate(names, 1)])
    if unstaffed:
        b.totals.warn(f"no user in the roster for role(s) {', '.join(sorted(unstaffed))}")
    d.run("CREATE INDEX IF NOT EXISTS slot_rk ON slot (role, rk)")
    d.analyze("need", "slot")
    d.run(
        "UPDATE w SET owner = (SELECT slot.name FROM need JOIN slot ON slot.role = need.role "
        "AND slot.rk = need.rk WHERE need.case_id = w.id) WHERE w.id IN (SELECT need.case_id "
        "FROM need JOIN slot ON slot.role = need.role AND slot.rk = need.rk)"
    )
    got = (
        "w.id IN (SELECT need.case_id FROM need JOIN slot ON slot.role = need.role "
        "AND slot.rk = need.rk)"
    )
    for old, new, n in d.rows(
        f"SELECT w.owner0, w.owner, COUNT(*) FROM w WHERE {got} GROUP BY w.owner0, w.owner"
    ):
        _move_load(ctx.loads, old, new, int(n))
    role = "(SELECT role FROM need WHERE need.case_id = w.id)"
    b.action_from(
        "w",
        ActionKind.OWNER_ASSIGNED,
        "'owner:' || w.stage_f || ':' || w.owner",
        f"COALESCE(w.owner0, '-') || ' -> ' || w.owner || ' (' || {role} || ')'",
        got,
    )
    b.timeline_from(
        "w",
        ev.OWNER,
        "w.owner0 || ' -> ' || w.owner || ' (role for ' || w.stage_f || ')'",
        f"{got} AND w.owner0 IS NOT NULL",
    )


def reassign(b: SqlBatch) -> None:
    """A missed milestone's `reassign`, in case then milestone order: the least-loaded other
    user of the stage's role (rules.transitions: after the batch's assignments)."""
    d, ctx = b.d, b.ctx
    rows = d.rows(
        "SELECT mc.id, mc.case_id, mc.kind, mc.due, w.owner0, w.owner, ps.role FROM mc "
        "JOIN w ON w.id = mc.case_id LEFT JOIN ps ON ps.stage = w.stage_f "
        "WHERE mc.verdict = 'missed' AND mc.on_miss = 'reassign' ORDER BY mc.case_id, mc.id"
    )
    owners: dict[int, str | None] = {}
    for mid, case_id, kind, due, owner0, owner, role in rows:
        current = owners.get(case_id, owner)
        what = f"{kind} due {str(due)[:10]} missed"
        new = least_loaded(ctx.users, Role(role), ctx.loads, current) if role else None
        if new is not None:
            _move_load(ctx.loads, current, new)
            owners[case_id] = new
            follow = f"reassigned {owner0 or '-'} -> {new}"
            b.timeline_rows.append((case_id, ev.OWNER, f"{follow} ({what})"))
        else:
            follow = "nobody else to reassign to"
        b.action_rows.append(
            (case_id, ActionKind.REASSIGNED.value, f"reassign:{mid}", f"{what}; {follow}")
        )
        d.run(
            f"UPDATE mc SET status = 'missed', reason = {d.lit(f'{what}; {follow}')} "
            f"WHERE id = {int(mid)}"
        )
    for case_id, name in owners.items():
        d.run(f"UPDATE w SET owner = {d.lit(name)} WHERE id = {int(case_id)}")


def milestone_owners(b: SqlBatch) -> None:
    """The case's owner when its stage's role is the milestone's, else the least-loaded user of
    the milestone's role (as the batch's assignments left the loads)."""
    d, ctx = b.d, b.ctx
    roles = [r for (r,) in d.rows("SELECT DISTINCT owner_role FROM nm ORDER BY owner_role")]
    pick = " ".join(
        f"WHEN {d.lit(r)} THEN {d.lit(least_loaded(ctx.users, Role(r), ctx.loads, None))}"
        for r in roles
    )
    fallback = f"CASE nm.owner_role {pick} END" if pick else "NULL"
    d.run(
        "UPDATE nm SET owner = COALESCE((SELECT w.owner FROM w JOIN ps ON ps.stage = w.stage_f "
        f"WHERE w.id = nm.case_id AND ps.role = nm.owner_role), {fallback})"
    )
