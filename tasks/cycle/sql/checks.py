"""The open milestones of the batch's cases checked, set-based (`mc`), with the meaning of
rules/milestone_checks.check_milestone and rules/transitions.py:

- a milestone of a stage entry that has ended is waived (one measuring a review excepted);
- met when an event of its `met_by` was recorded from its opening day to today (the first);
- else missed when its due day is over; `escalate` names the least-loaded supervisor,
  `advance` the stage it moves the case to, `reassign` waits for the owners (tasks/cycle/sql/
  owners.py);
- else alerted once the alert day (`lead` working days before the due day) has come;
- a milestone measuring a review that is no longer pending, unless met, is waived.
The rows' final status and reason are written to `milestone` after the owners step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rules import events as ev
from rules.enums import ActionKind, Channel, Role
from rules.milestone_checks import ESCALATE_STEP, ESCALATED_TO, SUBJECT_MILESTONE_KINDS
from rules.owners import least_loaded

if TYPE_CHECKING:
    from tasks.cycle.sql.engine import SqlBatch


def check(b: SqlBatch) -> None:
    d, day = b.d, b.day
    d.temp_table(
        "mc",
        "id INTEGER PRIMARY KEY, case_id INTEGER, kind TEXT, stage TEXT, entry_on DATE, "
        "opened_on DATE, due DATE, owner TEXT, on_miss TEXT, alerted_on DATE, of_review INTEGER, "
        "lead INTEGER, verdict TEXT, met_id INTEGER, met_event TEXT, met_on DATE, follow TEXT, "
        "status TEXT, reason TEXT, alert INTEGER DEFAULT 0",
    )
    d.run(
        "INSERT INTO mc (id, case_id, kind, stage, entry_on, opened_on, due, owner, on_miss, "
        "alerted_on, of_review, lead) SELECT m.id, m.case_id, m.kind, m.stage, m.entry_on, "
        "m.opened_on, m.due, m.owner, m.on_miss, m.alerted_on, COALESCE(pm.of_review, 0), "
        f"COALESCE(pm.lead, {b.ctx.alert_working_days}) FROM milestone m "
        "JOIN w ON w.id = m.case_id "
        "LEFT JOIN pm ON pm.stage = m.stage AND pm.kind = m.kind AND pm.first = 1 "
        f"WHERE m.status = 'open' AND m.opened_on < {day} AND m.legal_event_id IS NULL"
    )
    d.run("CREATE INDEX IF NOT EXISTS mc_case ON mc (case_id, verdict)")
    d.analyze("mc")
    subject = d.in_list(sorted(SUBJECT_MILESTONE_KINDS))  # a dispute's: outlives the stage
    d.run(
        f"UPDATE mc SET verdict = 'waive_entry' WHERE of_review = 0 AND kind NOT IN {subject} "
        "AND EXISTS (SELECT 1 FROM w "
        "WHERE w.id = mc.case_id AND (w.stage <> mc.stage OR w.entered <> mc.entry_on))"
    )
    d.run(
        "UPDATE mc SET met_id = (SELECT e.id FROM ev e JOIN pmb ON pmb.event = e.event "
        "WHERE pmb.stage = mc.stage AND pmb.kind = mc.kind AND e.case_id = mc.case_id "
        "AND e.on_day >= mc.opened_on ORDER BY e.on_day, e.id LIMIT 1) WHERE verdict IS NULL"
    )
    d.run(
        "UPDATE mc SET verdict = 'met', met_event = (SELECT e.event FROM ev e WHERE e.id = "
        "mc.met_id), met_on = (SELECT e.on_day FROM ev e WHERE e.id = mc.met_id) "
        "WHERE met_id IS NOT NULL"
    )
    d.run(f"UPDATE mc SET verdict = 'missed' WHERE verdict IS NULL AND due < {day}")
    d.run(
        "UPDATE mc SET verdict = 'alert', alert = 1 WHERE verdict IS NULL AND alerted_on IS NULL "
        "AND EXISTS (SELECT 1 FROM ok WHERE ok.lead = mc.lead AND ok.due = mc.due)"
    )
    d.run(
        "UPDATE mc SET verdict = 'waive_review', alert = 0 WHERE of_review = 1 "
        "AND (verdict IS NULL OR verdict <> 'met') AND NOT EXISTS (SELECT 1 FROM rv "
        "WHERE rv.case_id = mc.case_id AND rv.target = mc.stage AND rv.pending = 1)"
    )
    d.run("UPDATE mc SET verdict = 'none' WHERE verdict IS NULL")
    _follow(b)


def _follow(b: SqlBatch) -> None:
    """What a miss leads to (escalate, advance; reassign later), and the case's advance."""
    d = b.d
    boss = least_loaded(b.ctx.users, Role.SUPERVISOR, b.ctx.loads, None)
    escalated = d.lit(f"{ESCALATED_TO}{boss}" if boss else "no supervisor in the roster")
    d.run(
        f"UPDATE w SET adv = {b.tables.advance()} WHERE EXISTS (SELECT 1 FROM mc WHERE "
        "mc.case_id = w.id AND mc.verdict = 'missed' AND mc.on_miss = 'advance')"
    )
    d.run(
        f"UPDATE mc SET follow = CASE mc.on_miss WHEN 'escalate' THEN {escalated} "
        "WHEN 'advance' THEN COALESCE((SELECT 'advance to ' || w.adv FROM w "
        "WHERE w.id = mc.case_id AND w.adv IS NOT NULL), '') ELSE '' END "
        "WHERE verdict = 'missed' AND on_miss <> 'reassign'"
    )


def what(d_text: str) -> str:
    """'<kind> due <date> missed' over the `mc` row."""
    return f"mc.kind || ' due ' || {d_text} || ' missed'"


def record(b: SqlBatch) -> None:
    """Actions and timeline rows of the checks (the waivers of moves included), and each
    row's final status and reason in `mc`."""
    d = b.d
    due = d.date_text("mc.due")
    missed = what(due)
    reason = (
        "CASE mc.verdict "
        f"WHEN 'waive_entry' THEN 'stage entry ended (' || mc.stage || ' since ' || "
        f"{d.date_text('mc.entry_on')} || ')' "
        "WHEN 'waive_review' THEN 'review of the move to ' || mc.stage || ' no longer pending' "
        f"WHEN 'met' THEN mc.met_event || ' on ' || {d.date_text('mc.met_on')} "
        f"WHEN 'missed' THEN {missed} || CASE WHEN mc.follow <> '' THEN '; ' || mc.follow "
        "ELSE '' END END"
    )
    d.run(
        "UPDATE mc SET status = CASE verdict WHEN 'met' THEN 'met' WHEN 'missed' THEN 'missed' "
        "WHEN 'waive_entry' THEN 'waived' WHEN 'waive_review' THEN 'waived' END, "
        f"reason = {reason} "
        "WHERE verdict <> 'none' AND NOT (verdict = 'missed' AND on_miss = 'reassign')"
    )
    # A move waives what is still open of the stage entry it leaves (a dispute's outlives it).
    subject = d.in_list(sorted(SUBJECT_MILESTONE_KINDS))
    d.run(
        "UPDATE mc SET status = 'waived', reason = 'left ' || (SELECT w.stage || ' for ' || "
        "w.new_stage FROM w WHERE w.id = mc.case_id) WHERE verdict IN ('none', 'alert') "
        f"AND mc.kind NOT IN {subject} "
        "AND EXISTS (SELECT 1 FROM w WHERE w.id = mc.case_id AND w.new_stage IS NOT NULL "
        "AND w.stage = mc.stage AND w.entered = mc.entry_on)"
    )
    step = "CAST(mc.id AS TEXT)"
    b.action_from(
        "mc",
        ActionKind.MILESTONE_WAIVED,
        f"'waive:' || {step}",
        "mc.reason",
        "mc.status = 'waived'",
    )
    b.action_from(
        "mc",
        ActionKind.MILESTONE_MET,
        f"'met:' || {step}",
        "mc.kind || ': ' || mc.reason",
        "mc.verdict = 'met'",
    )
    b.action_from(
        "mc",
        ActionKind.ESCALATED,
        f"{b.d.lit(ESCALATE_STEP)} || {step}",
        f"{missed} || '; ' || mc.follow",
        "mc.verdict = 'missed' AND mc.on_miss = 'escalate'",
    )
    b.action_from(
        "mc",
        ActionKind.MILESTONE_ALERT,
        f"'alert:' || {step}",
        f"mc.kind || ' due ' || {due} || ' (' || COALESCE(mc.owner, 'no owner') || ')'",
        "mc.alert = 1",
        channel=Channel.INTERNAL,
    )


def record_misses(b: SqlBatch) -> None:
    """The misses (reassign's included, once their reason is complete): action, timeline."""
    b.action_from(
        "mc",
        ActionKind.MILESTONE_MISSED,
        "'missed:' || CAST(mc.id AS TEXT)",
        "mc.reason",
        "mc.verdict = 'missed'",
    )
    b.timeline_from("mc", ev.MILESTONE_MISSED, "mc.reason", "mc.verdict = 'missed'")
    for case_id, kind, due, owner in b.d.rows(
        "SELECT case_id, kind, due, owner FROM mc WHERE verdict = 'missed' ORDER BY case_id, id"
    ):
        b.totals.missed.append(
            {"case_id": case_id, "kind": kind, "due": str(due)[:10], "owner": owner}
        )


def write(b: SqlBatch) -> None:
    """Every checked milestone's change, in one statement (still open ones only)."""
    d = b.d
    alerted = f"CASE WHEN mc.alert = 1 THEN {b.day} ELSE milestone.alerted_on END"
    closed = f"CASE WHEN mc.status IS NULL THEN NULL ELSE {b.day} END"
    d.run(
        "UPDATE milestone SET status = COALESCE(mc.status, milestone.status), "
        f"closed_on = {closed}, reason = COALESCE(mc.reason, milestone.reason), "
        f"alerted_on = {alerted}, updated_at = {b.ts} FROM mc WHERE milestone.id = mc.id "
        "AND milestone.status = 'open' AND (mc.status IS NOT NULL OR mc.alert = 1)"
    )
