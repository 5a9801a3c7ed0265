"""One batch of the daily cycle, set-based: the policy compiled to SQL statements over the
batch's id range, run in the batch's transaction (tasks/cycle/core.process_batch).

The steps (each a few statements over scratch tables, whatever the number of cases):
facts and risk (`work.py`), milestone checks (`checks.py`), moves, reviews and planned actions
(`moves.py`), owners (`owners.py`), then every write: action lines and timeline rows with
`INSERT ... SELECT` (a step already recorded today, under any policy version, is skipped: the
idempotency of tasks/cycle/plan.Recorder), milestones, reviews and the cases with `UPDATE ...
FROM`. Python computes only what SQL cannot say: due dates from the business calendar, once per
(milestone, entry day), and the order the role's users take new cases in.

The per-case reference evaluator (tasks/cycle/evaluate.py) decides the same; the property test
tests/tasks/cycle_oracle proves it on random policies and portfolios on both databases.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Connection

from models.types import utcnow
from rules import events as ev
from rules.enums import ActionKind, ActionStatus, Channel
from rules.milestone_checks import DueDates
from rules.policy import Policy
from tasks.audit import record_many, stage_change
from tasks.bulk import db_time
from tasks.cycle import context
from tasks.cycle.context import CycleContext, RunTotals
from tasks.cycle.sql import checks, moves, owners, work
from tasks.cycle.sql.dialect import Dialect
from tasks.cycle.sql.policy_tables import PolicyTables
from tasks.cycle.sql.risk_sql import RiskSql, Unsupported

SCRATCH = (
    "fl",
    "w",
    "ev",
    "rv",
    "mc",
    "nm",
    "need",
    "slot",
    "due",
    "wa",
    "wt",
    "dd",
    "ps",
    "pm",
    "pmb",
    "pa",
    "mv",
    "ex",
    "ro",
    "ok",
)


def sql_unsupported(policy: Policy) -> str | None:
    """Why the policy cannot be compiled to SQL (a risk reason format the compiler does not
    know), or None. The cycle then decides with the reference evaluator."""
    from sqlalchemy.dialects import sqlite

    class _Probe:  # the compiler only needs the dialect's name
        dialect = sqlite.dialect()

    try:
        RiskSql(policy.risk, Dialect(_Probe()))  # type: ignore[arg-type]
    except Unsupported as exc:
        return str(exc)
    return None


class SqlBatch:
    """The statements of one batch (lo <= case id <= hi) and what they counted."""

    def __init__(self, ctx: CycleContext, conn: Connection, lo: int, hi: int, dues: DueDates):
        self.ctx, self.conn, self.lo, self.hi, self.dues = ctx, conn, int(lo), int(hi), dues
        self.d = Dialect(conn)
        self.day = self.d.day(ctx.as_of)
        stamp = db_time(conn, utcnow())
        self.ts = self.d.lit(str(stamp)) if self.d.sqlite else f"TIMESTAMPTZ '{stamp.isoformat()}'"  # type: ignore[union-attr]
        self.version = self.d.lit(ctx.version)
        self.risk = RiskSql(ctx.policy.risk, self.d)
        self.tables = PolicyTables(ctx, self.d, dues)
        self.totals = RunTotals()
        self.action_rows: list[tuple[int, str, str, str]] = []  # from Python: reassignments
        self.timeline_rows: list[tuple[int, str, str]] = []

    # -- the steps -----------------------------------------------------------------------------

    def run(self) -> RunTotals:
        d = self.d
        d.scratch_cache()
        self.tables.create()
        d.temp_table(
            "wa",
            "case_id INTEGER, kind TEXT, step TEXT, reason TEXT, status TEXT, "
            "channel TEXT, template TEXT, dup INTEGER DEFAULT 0",
        )
        d.temp_table("wt", "case_id INTEGER, event TEXT, detail TEXT")
        work.create_work(self)
        work.score(self)
        checks.check(self)
        moves.ladder(self)
        moves.decide(self)
        checks.record(self)
        moves.record(self)
        moves.needed_milestones(self)
        owners.assign(self)
        owners.reassign(self)
        checks.record_misses(self)
        checks.write(self)
        owners.milestone_owners(self)
        self.open_milestones()
        self.risk_lines()
        self.write()
        d.drop_temp(SCRATCH)
        return self.totals

    # -- rows to write -------------------------------------------------------------------------

    def key_of(self, case_col: str, step: str) -> str:
        """SQL of tasks.cycle.context.action_key: case|step|policy version|as-of."""
        prefix = self.d.lit(self.ctx.version[: context.KEY_VERSION_CHARS])
        day = self.d.lit(self.ctx.as_of.isoformat())
        return f"CAST({case_col} AS TEXT) || '|' || {step} || '|' || {prefix} || '|' || {day}"

    def action_from(
        self,
        source: str,
        kind: ActionKind | None,
        step: str,
        reason: str,
        where: str,
        *,
        status: ActionStatus = ActionStatus.DONE,
        channel: Channel | None = None,
        kind_col: str | None = None,
        channel_col: str | None = None,
        template_col: str | None = None,
    ) -> None:
        d = self.d
        case = "case_id" if source not in ("w",) else "id"
        kind_sql = kind_col or d.lit(kind.value if kind else None)
        channel_sql = channel_col or d.lit(channel.value if channel else None)
        d.run(
            "INSERT INTO wa (case_id, kind, step, reason, status, channel, template) "
            f"SELECT {source}.{case}, {kind_sql}, {step}, {reason}, {d.lit(status.value)}, "
            f"{channel_sql}, {template_col or 'NULL'} FROM {source} WHERE {where}"
        )

    def timeline_from(self, source: str, event: str, detail: str, where: str) -> None:
        case = "case_id" if source != "w" else "id"
        self.d.run(
            f"INSERT INTO wt (case_id, event, detail) SELECT {source}.{case}, "
            f"{self.d.lit(event)}, {detail} FROM {source} WHERE {where}"
        )

    def open_milestones(self) -> None:
        d = self.d
        pairs = d.rows("SELECT DISTINCT stage, kind, entry_on FROM nm")
        defs = {
            (s.stage.value, m.kind): m
            for s in self.ctx.policy.stages
            for m in reversed(s.milestones)
        }
        d.temp_table(
            "dd", "stage TEXT, kind TEXT, entry_on DATE, due DATE, due_latest DATE, rule TEXT"
        )
        rows = []
        for stage, kind, entry_on in pairs:
            day = entry_on if isinstance(entry_on, date) else date.fromisoformat(str(entry_on))
            due, latest, rule = self.dues.due(defs[(stage, kind)], day)
            rows.append((stage, kind, entry_on, self._date(due), self._date(latest), rule))
        d.fill("dd", ("stage", "kind", "entry_on", "due", "due_latest", "rule"), rows)
        d.run(
            "INSERT INTO milestone (case_id, kind, stage, entry_on, opened_on, due, due_latest, "
            "status, owner, owner_role, on_miss, rule, policy_version, created_at, updated_at) "
            f"SELECT nm.case_id, nm.kind, nm.stage, nm.entry_on, {self.day}, dd.due, "
            f"dd.due_latest, 'open', nm.owner, nm.owner_role, nm.on_miss, dd.rule, {self.version}, "
            f"{self.ts}, {self.ts} FROM nm JOIN dd ON dd.stage = nm.stage AND dd.kind = nm.kind "
            "AND dd.entry_on = nm.entry_on WHERE 1 = 1 ORDER BY nm.case_id, nm.ord "
            "ON CONFLICT DO NOTHING"
        )
        opened = (
            f"'milestone:' || nm.stage || ':' || nm.kind || ':' || {d.date_text('nm.entry_on')}"
        )
        d.run(
            "INSERT INTO wa (case_id, kind, step, reason, status) SELECT nm.case_id, "
            f"{d.lit(ActionKind.MILESTONE_OPENED.value)}, {opened}, nm.kind || ' due ' || "
            f"{d.date_text('dd.due')}, 'done' FROM nm JOIN dd ON dd.stage = nm.stage "
            "AND dd.kind = nm.kind AND dd.entry_on = nm.entry_on"
        )

    def _date(self, value: date) -> date | str:
        return value.isoformat() if self.d.sqlite else value

    def risk_lines(self) -> None:
        changed = "w.tier0 IS NOT NULL AND w.tier0 <> w.tier"
        why = self.risk.reasons_text()  # worded only for the cases whose tier changed
        self.timeline_from(
            "w",
            ev.RISK,
            f"w.tier0 || ' -> ' || w.tier || ': ' || CASE WHEN ({why}) = '' "
            f"THEN 'no risk rule applies' ELSE ({why}) END",
            changed,
        )
        (n,) = self.d.rows("SELECT COUNT(*) FROM w WHERE w.tier0 IS NULL OR w.tier0 <> w.tier")[0]
        self.totals.risk_changes += int(n)

    # -- writes --------------------------------------------------------------------------------

    def write(self) -> None:
        d, day, ts = self.d, self.day, self.ts
        if self.action_rows:
            d.fill("wa", ("case_id", "kind", "step", "reason"), self.action_rows)
            d.run("UPDATE wa SET status = 'done' WHERE status IS NULL")
        if self.timeline_rows:
            d.fill("wt", ("case_id", "event", "detail"), self.timeline_rows)
        d.run(
            "UPDATE wa SET dup = 1 WHERE EXISTS (SELECT 1 FROM cycle_action a WHERE a.as_of = "
            f"{day} AND a.case_id = wa.case_id AND a.step = substr(wa.step, 1, 120))"
        )
        for kind, dup, n in d.rows("SELECT kind, dup, COUNT(*) FROM wa GROUP BY kind, dup"):
            if dup:
                self.totals.skipped += int(n)
            else:
                self.totals.actions[str(kind)] += int(n)
        d.run(
            "INSERT INTO cycle_action (run_id, as_of, case_id, kind, step, key, policy_version, "
            "status, reason, channel, template, created_at, updated_at) "
            f"SELECT {self.ctx.run_id}, {day}, wa.case_id, wa.kind, substr(wa.step, 1, 120), "
            f"{self.key_of('wa.case_id', 'wa.step')}, {self.version}, wa.status, wa.reason, "
            f"wa.channel, wa.template, {ts}, {ts} FROM wa WHERE wa.dup = 0 "
            "ORDER BY wa.case_id ON CONFLICT DO NOTHING"
        )
        d.run(
            "INSERT INTO timeline_event (case_id, as_of, event, detail, actor, at) "
            f"SELECT wt.case_id, {day}, wt.event, wt.detail, 'daily_cycle', {ts} FROM wt "
            "ORDER BY wt.case_id"
        )
        differs = " OR ".join(
            self.d.differs(a, b)
            for a, b in (
                ("w.stage_f", "w.stage"),
                ("w.entered_f", "w.entered"),
                ("w.bucket", "w.bucket0"),
                ("w.owner", "w.owner0"),
                ("w.tier", "w.tier0"),
                ("w.reasons", "w.reasons0"),
            )
        )
        d.run(
            "UPDATE collection_case SET stage = w.stage_f, stage_entered_on = w.entered_f, "
            "bucket = w.bucket, owner = w.owner, risk_tier = w.tier, risk_reasons = w.reasons, "
            f"version = collection_case.version + 1, updated_at = {ts} FROM w "
            f"WHERE collection_case.id = w.id AND ({differs})"
        )
        (n,) = d.rows("SELECT COUNT(*) FROM w")[0]
        self.totals.cases = int(n)
        self.audit_moves()

    def audit_moves(self) -> None:
        """One audit chain row per stage move of the batch (tasks/audit.py), in case order,
        the batch's last write: the chain's lock is held from here to the batch's commit."""
        moves = self.d.rows(
            "SELECT w.id, w.stage, w.new_stage, w.why_move FROM w "
            "WHERE w.new_stage IS NOT NULL ORDER BY w.id"
        )
        on, version = self.ctx.as_of, self.ctx.version
        record_many(
            self.conn,
            [
                stage_change(int(cid), old, new, why, on=on, policy_version=version)
                for cid, old, new, why in moves
            ],
        )
