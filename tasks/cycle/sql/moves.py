"""The day's move, review request and planned actions of every case in the batch, in the order
rules/transitions.py declares: the ladder, then a missed milestone's advance, then an approved
transition, else the ladder's review request and the current stage's actions due today."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rules import events as ev
from rules.enums import ActionKind, ActionStatus
from rules.milestone_checks import SUBJECT_MILESTONE_KINDS

if TYPE_CHECKING:
    from tasks.cycle.sql.engine import SqlBatch

_APPROVED = (
    "EXISTS (SELECT 1 FROM rv WHERE rv.case_id = w.id AND rv.target = {col} AND rv.approved = 1)"
)
_REVIEWED = "{col} IN (SELECT stage FROM ps WHERE review IS NOT NULL)"
_ROLE = "(SELECT review FROM ps WHERE ps.stage = {col})"


def ladder(b: SqlBatch) -> None:
    """`want` (set with the risk, tasks/cycle/sql/work.score) kept only where the ladder may
    move the case; then `lmove`, or `lreview` when the target awaits approval."""
    d = b.d
    d.run(
        "UPDATE w SET want = NULL WHERE want IS NOT NULL AND stage IN (SELECT stage FROM ps) "
        "AND NOT EXISTS (SELECT 1 FROM mv WHERE mv.cur = w.stage AND mv.tgt = w.want)"
    )
    approved = _APPROVED.format(col="w.want")
    d.run(
        f"UPDATE w SET lreview = want WHERE want IS NOT NULL AND {_REVIEWED.format(col='w.want')} "
        f"AND NOT {approved}"
    )
    d.run("UPDATE w SET lmove = want WHERE want IS NOT NULL AND lreview IS NULL")


def decide(b: SqlBatch) -> None:
    d, day = b.d, b.day

    def moved(col: str) -> str:
        return f"new_stage = {col}, plan = 0, stage_f = {col}, entered_f = {day}"

    d.run(f"UPDATE w SET {moved('lmove')}, why_move = 'ladder' WHERE lmove IS NOT NULL")
    needs_review = f"{_REVIEWED.format(col='w.adv')} AND NOT {_APPROVED.format(col='w.adv')}"
    d.run(
        f"UPDATE w SET req = adv, req_role = {_ROLE.format(col='w.adv')}, plan = 0 "
        f"WHERE new_stage IS NULL AND adv IS NOT NULL AND {needs_review}"
    )
    d.run(
        f"UPDATE w SET {moved('adv')}, why_move = 'milestone missed' "
        "WHERE new_stage IS NULL AND adv IS NOT NULL AND req IS NULL"
    )
    d.run(
        "UPDATE w SET apto = (SELECT MIN(rv.target) FROM rv JOIN ex ON ex.cur = w.stage "
        "AND ex.tgt = rv.target WHERE rv.case_id = w.id AND rv.approved = 1 "
        "AND rv.approved_since >= w.entered) WHERE new_stage IS NULL AND adv IS NULL "
        "AND w.id IN (SELECT case_id FROM rv WHERE approved = 1)"
    )
    d.run(
        f"UPDATE w SET {moved('apto')}, why_move = 'review approved' "
        "WHERE new_stage IS NULL AND apto IS NOT NULL"
    )
    d.run(
        f"UPDATE w SET req = lreview, req_role = {_ROLE.format(col='w.lreview')} "
        "WHERE lreview IS NOT NULL AND new_stage IS NULL AND adv IS NULL"
    )
    # Not asked again while one is pending, nor during a stay in which it was rejected.
    d.run(
        "UPDATE w SET req = NULL WHERE req IS NOT NULL AND EXISTS (SELECT 1 FROM rv "
        "WHERE rv.case_id = w.id AND rv.target = w.req AND (rv.pending = 1 "
        "OR rv.rejected_since >= w.entered))"
    )
    skipped = d.run(
        "UPDATE w SET req = NULL WHERE req IS NOT NULL AND EXISTS (SELECT 1 FROM cycle_action a "
        f"WHERE a.as_of = {day} AND a.case_id = w.id AND a.step = 'review:' || w.req)"
    )
    b.totals.skipped += skipped


def record(b: SqlBatch) -> None:
    """Moves, review requests and the actions due (planned for the channels)."""
    d, day = b.d, b.day
    moved = "w.new_stage IS NOT NULL"
    b.action_from(
        "w",
        ActionKind.STAGE_MOVE,
        "'stage:' || w.new_stage",
        "w.stage || ' -> ' || w.new_stage",
        moved,
    )
    b.timeline_from(
        "w", ev.STAGE, "w.stage || ' -> ' || w.new_stage || ' (' || w.why_move || ')'", moved
    )
    asked = "'entering ' || w.req || ' needs ' || w.req_role || ' approval'"
    d.run(
        "INSERT INTO review (case_id, target_stage, required_role, status, opened_on, key, "
        f"policy_version, created_at) SELECT w.id, w.req, w.req_role, 'pending', {day}, "
        f"{b.key_of('w.id', chr(39) + 'review:' + chr(39) + ' || w.req')}, {b.version}, {b.ts} "
        "FROM w WHERE w.req IS NOT NULL ON CONFLICT DO NOTHING"
    )
    b.action_from("w", ActionKind.REVIEW_OPENED, "'review:' || w.req", asked, "w.req IS NOT NULL")
    b.timeline_from(
        "w", ev.REVIEW_REQUESTED, f"'review requested: ' || {asked}", "w.req IS NOT NULL"
    )
    days = f"CASE WHEN {moved} THEN 0 ELSE {d.days_between(day, 'w.entered')} END"
    delta = f"({days} - pa.off)"
    n = (
        f"CASE WHEN {delta} = 0 THEN 1 WHEN {delta} > 0 AND pa.rep IS NOT NULL "
        f"AND {delta} % pa.rep = 0 AND {delta} / pa.rep < pa.mx THEN {delta} / pa.rep + 1 END"
    )
    d.temp_table(
        "due",
        "case_id INTEGER, stage TEXT, kind TEXT, akey TEXT, channel TEXT, "
        "template TEXT, days INTEGER, n INTEGER, ord INTEGER",
    )
    d.run(
        "INSERT INTO due SELECT w.id, pa.stage, pa.kind, pa.akey, pa.channel, pa.template, "
        f"{days}, {n}, pa.ord FROM w JOIN pa ON pa.stage = w.stage_f "
        f"WHERE (w.plan = 1 OR {moved}) AND {n} IS NOT NULL"
    )
    b.action_from(
        "due",
        None,
        "due.stage || ':' || due.akey || '#' || CAST(due.n AS TEXT)",
        "due.stage || ' day ' || CAST(due.days AS TEXT) || ', occurrence ' || CAST(due.n AS TEXT)",
        "1 = 1",
        status=ActionStatus.PLANNED,
        kind_col="due.kind",
        channel_col="due.channel",
        template_col="due.template",
    )


def needed_milestones(b: SqlBatch) -> None:
    """`nm`: the milestones to open today: the stage entered today's, those measuring a review
    requested today, and the current entry's when it has none yet (a case new to the cycle)."""
    d, day = b.d, b.day
    d.temp_table(
        "nm",
        "case_id INTEGER, kind TEXT, stage TEXT, entry_on DATE, owner_role TEXT, on_miss TEXT, "
        "ord INTEGER, due DATE, due_latest DATE, rule TEXT, owner TEXT",
    )
    cols = "case_id, kind, stage, entry_on, owner_role, on_miss, ord"
    pick = "pm.kind, pm.stage"
    d.run(
        f"INSERT INTO nm ({cols}) SELECT w.id, {pick}, {day}, pm.owner_role, pm.on_miss, pm.ord "
        "FROM w JOIN pm ON pm.stage = w.new_stage AND pm.of_review = 0"
    )
    d.run(
        f"INSERT INTO nm ({cols}) SELECT w.id, {pick}, {day}, pm.owner_role, pm.on_miss, pm.ord "
        "FROM w JOIN pm ON pm.stage = w.req AND pm.of_review = 1"
    )
    d.run(
        f"INSERT INTO nm ({cols}) SELECT w.id, {pick}, w.entered, pm.owner_role, pm.on_miss, "
        "pm.ord FROM w JOIN pm ON pm.stage = w.stage AND pm.of_review = 0 "
        "WHERE w.new_stage IS NULL AND NOT EXISTS (SELECT 1 FROM milestone m "
        f"WHERE m.kind NOT IN {d.in_list(sorted(SUBJECT_MILESTONE_KINDS))} "
        "AND m.case_id = w.id AND m.stage = w.stage AND m.entry_on = w.entered "
        "AND m.legal_event_id IS NULL)"
    )
    d.analyze("nm")
