"""The bare floor of one daily cycle: the minimum of set-based SQL a cycle needs, written directly
as statements over the generated tables (collection_case, card_account), with nothing else of
Duecourse in the way - no batches, no run lock, no reviews, timeline, reasons or alerts.

In one transaction, over every open case:
  facts       CREATE TEMP TABLE AS SELECT case JOIN account: bucket by DPD ranges, risk points
              (the policy's numeric rules: balance, principal, dpd, utilisation, days since
              payment) and tier, the stage the entry conditions give (ladder order, sticky and
              review-gated stages kept), its owner role
  owners      cases without an owner of the stage's role: row_number() over the role, modulo a
              slot table holding each user `capacity` times (owners by share of capacity)
  cases       UPDATE collection_case ... FROM the facts, only rows that change
  actions     INSERT ... SELECT ... ON CONFLICT (key) DO NOTHING: stage moves, owners assigned,
              the day's planned actions (offset, repeat every, max times)
  milestones  open ones due before the day are missed (a milestone_missed line, then closed),
              as the engine checks them before opening; then those of the current stage entry
              are opened (due dates looked up per stage and entry day, as the engine does),
              ON CONFLICT DO NOTHING, with their milestone_opened lines
Run twice on the same day, the second run changes nothing (the keys): the rerun floor.
"""

from __future__ import annotations

import resource
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

_FIELDS = {  # risk fields the floor computes, as SQL over the facts table (fen, days)
    "balance": "bal",
    "principal": "principal",
    "dpd": "dpd",
    "utilisation": "CASE WHEN lim > 0 THEN bal * 1.0 / lim END",
    "days_since_payment": "since_paid",
}
_ACTION_COLUMNS = (
    "run_id, as_of, case_id, kind, step, key, policy_version, status, reason, channel, "
    "template, created_at, updated_at"
)


class Floor:
    """One floor run's statements on one connection."""

    def __init__(self, conn: Connection, as_of: date, policy: Any, run_id: int) -> None:
        self.conn, self.policy, self.run_id = conn, policy, run_id
        self.pg = conn.dialect.name == "postgresql"
        self.as_of = as_of
        self.d = f"DATE '{as_of.isoformat()}'" if self.pg else f"'{as_of.isoformat()}'"
        self.ts = f"'{datetime.now(UTC).replace(tzinfo=None).isoformat(sep=' ')}'"
        self.v = self.q(policy.version)
        self.key_tail = self.q(f"|{policy.version[:16]}|{as_of.isoformat()}")

    # -- plumbing --------------------------------------------------------------------------------
    @staticmethod
    def q(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    def run(self, sql: str) -> int:
        """A literal-only statement through the driver's cursor (`%` is modulo, not a mark)."""
        raw = self.conn.connection.driver_connection
        cur = raw.cursor()  # type: ignore[union-attr]
        try:
            cur.execute(sql)
            return int(cur.rowcount or 0)
        finally:
            cur.close()

    def days(self, later: str, earlier: str) -> str:
        if self.pg:
            return f"({later} - {earlier})"
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    def temp(self, name: str, body: str) -> None:
        if not self.pg:
            self.run(f"DROP TABLE IF EXISTS temp.{name}")
        self.run(f"CREATE TEMP TABLE {name} {body}")

    def fill(self, name: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
        for row in rows:
            values = ", ".join(
                "NULL" if v is None else self.q(v) if isinstance(v, str) else str(v) for v in row
            )
            self.run(f"INSERT INTO {name} ({columns}) VALUES ({values})")

    # -- the policy as SQL expressions -----------------------------------------------------------
    def bucket_sql(self) -> str:
        whens = [f"WHEN dpd <= {hi} THEN '{b.value}'" for b, _lo, hi in self.policy.buckets.ranges()
                 if hi is not None]  # fmt: skip
        return f"CASE {' '.join(whens)} ELSE '{self.policy.buckets.last.value}' END"

    def points_sql(self) -> str:
        terms = []
        for rule in self.policy.risk.rules:
            expr = _FIELDS.get(rule.field)
            if expr is None or isinstance(rule.value, bool):
                continue
            value = Decimal(rule.value)
            if rule.field in ("balance", "principal"):
                value *= 100  # yuan -> fen
            terms.append(f"CASE WHEN {expr} {rule.op} {value} THEN {rule.points} ELSE 0 END")
        return " + ".join(terms) or "0"

    def target_sql(self) -> str:
        """The first stage, in ladder order, whose entry conditions hold (no events recorded
        in the generated data: `events` never hold, `without_events` always do)."""
        whens = []
        for s in self.policy.stages:
            e = s.entry
            if e is None or e.events:
                continue
            conds = []
            if e.buckets:
                conds.append("bucket IN (" + ", ".join(f"'{b.value}'" for b in e.buckets) + ")")
            if e.min_dpd is not None:
                conds.append(f"dpd >= {e.min_dpd}")
            if e.max_dpd is not None:
                conds.append(f"dpd <= {e.max_dpd}")
            whens.append(f"WHEN {' AND '.join(conds) or '1 = 1'} THEN '{s.stage.value}'")
        return f"CASE {' '.join(whens)} END"

    def stage_list(self, pick: Any) -> str:
        names = [f"'{s.stage.value}'" for s in self.policy.stages if pick(s)]
        return "(" + (", ".join(names) or "NULL") + ")"

    def role_sql(self, column: str) -> str:
        whens = [f"WHEN '{s.stage.value}' THEN '{s.owner_role.value}'"
                 for s in self.policy.stages if s.owner_role is not None]  # fmt: skip
        return f"CASE {column} {' '.join(whens)} END"

    # -- the cycle -------------------------------------------------------------------------------
    def facts(self) -> int:
        self.temp(
            "f0",
            "AS SELECT c.id, c.stage AS old_stage, c.stage_entered_on AS old_entered, "
            "c.owner AS old_owner, c.bucket AS old_bucket, c.risk_tier AS old_tier, "
            "a.days_past_due AS dpd, a.principal AS principal, "
            "a.principal + a.interest + a.fees AS bal, a.credit_limit AS lim, "
            f"CASE WHEN a.last_payment_date IS NOT NULL THEN "
            f"{self.days(self.d, 'a.last_payment_date')} END AS since_paid "
            "FROM collection_case c JOIN card_account a ON a.id = c.account_id "
            "WHERE c.status = 'open'",
        )
        high, medium = self.policy.risk.tiers.high, self.policy.risk.tiers.medium
        kept = self.stage_list(lambda s: s.sticky)
        gated = self.stage_list(lambda s: s.review is not None)
        target = "x.target"
        self.temp(
            "g",
            "AS SELECT y.*, CASE WHEN y.stage <> y.old_stage THEN "
            f"{self.d} ELSE y.old_entered END AS entered, "
            f"CASE WHEN y.stage <> y.old_stage THEN 0 ELSE {self.days(self.d, 'y.old_entered')} "
            f"END AS age, {self.role_sql('y.stage')} AS role, y.old_owner AS owner FROM ("
            f"SELECT x.*, CASE WHEN x.points >= {high} THEN 'high' WHEN x.points >= {medium} "
            "THEN 'medium' ELSE 'low' END AS tier, "
            f"CASE WHEN x.old_stage IN {kept} OR {target} IS NULL OR {target} IN {gated} "
            f"THEN x.old_stage ELSE {target} END AS stage FROM ("
            f"SELECT b.*, {self.target_sql()} AS target FROM ("
            f"SELECT f0.*, {self.bucket_sql()} AS bucket, {self.points_sql()} AS points "
            "FROM f0) b) x) y",
        )
        self.run("CREATE UNIQUE INDEX g_id ON g (id)")
        if self.pg:
            self.run("ANALYZE g")
        return int(self.conn.exec_driver_sql("SELECT count(*) FROM g").scalar_one())

    def owners(self, users: list[Any]) -> None:
        self.temp("slot", "(role TEXT, k INTEGER, name TEXT)")
        rows: list[tuple[Any, ...]] = []
        for role in sorted({u.role.value for u in users}):
            k = 0
            for u in users:
                if u.role.value == role:
                    rows += [(role, k + i, u.name) for i in range(max(1, u.capacity))]
                    k += max(1, u.capacity)
        values = ", ".join(f"({self.q(r)}, {k}, {self.q(n)})" for r, k, n in rows)
        self.run(f"INSERT INTO slot (role, k, name) VALUES {values}")
        self.run("CREATE UNIQUE INDEX slot_k ON slot (role, k)")
        self.temp("staff", "(name TEXT PRIMARY KEY, role TEXT)")
        self.run("INSERT INTO staff (name, role) VALUES " + ", ".join(
            f"({self.q(u.name)}, {self.q(u.role.value)})" for u in users))  # fmt: skip
        self.temp(
            "need",
            "AS SELECT g.id, g.role, (row_number() OVER (PARTITION BY g.role ORDER BY g.id) - 1) "
            "% n.cnt AS k FROM g JOIN (SELECT role, count(*) AS cnt FROM slot GROUP BY role) n "
            "ON n.role = g.role LEFT JOIN staff ON staff.name = g.owner "
            "WHERE staff.role IS NULL OR staff.role <> g.role",
        )
        self.run("CREATE UNIQUE INDEX need_id ON need (id)")
        self.run(
            "UPDATE g SET owner = s.name FROM need n JOIN slot s ON s.role = n.role AND s.k = n.k "
            "WHERE g.id = n.id"
        )

    def write_cases(self) -> int:
        ne = "IS DISTINCT FROM" if self.pg else "IS NOT"
        c = "collection_case"
        return self.run(
            f"UPDATE {c} SET bucket = g.bucket, risk_tier = g.tier, stage = g.stage, "
            f"stage_entered_on = g.entered, owner = g.owner, updated_at = {self.ts} FROM g "
            f"WHERE {c}.id = g.id AND ({c}.bucket {ne} g.bucket OR {c}.risk_tier {ne} g.tier "
            f"OR {c}.stage {ne} g.stage OR {c}.owner {ne} g.owner)"
        )

    def action_rows(self, source: str, kind: str, step: str, channel: str = "NULL",
                    template: str = "NULL", reason: str = "''") -> int:  # fmt: skip
        return self.run(
            f"INSERT INTO cycle_action ({_ACTION_COLUMNS}) SELECT {self.run_id}, {self.d}, "
            f"t.case_id, {kind}, t.step, CAST(t.case_id AS TEXT) || '|' || t.step || "
            f"{self.key_tail}, {self.v}, 'planned', {reason}, {channel}, {template}, "
            f"{self.ts}, {self.ts} FROM (SELECT {step} FROM {source}) t "
            "WHERE 1 = 1 ON CONFLICT (key) DO NOTHING"  # WHERE: SQLite's parser needs it
        )

    def actions(self) -> int:
        n = self.action_rows(
            "g WHERE g.stage <> g.old_stage",
            "'stage_move'",
            "g.id AS case_id, 'move:' || g.stage AS step",
        )
        n += self.action_rows(
            "need JOIN g ON g.id = need.id",
            "'owner_assigned'",
            "g.id AS case_id, 'owner:' || g.stage || ':' || g.owner AS step",
        )
        self.temp(
            "act", "(stage TEXT, akey TEXT, channel TEXT, template TEXT, off INTEGER, "
            "rep INTEGER, mx INTEGER)",
        )  # fmt: skip
        self.fill(
            "act",
            "stage, akey, channel, template, off, rep, mx",
            [(s.stage.value, a.key, a.channel.value, a.template, a.offset_days,
              a.repeat_every_days, a.max_times)
             for s in self.policy.stages for a in s.actions],
        )  # fmt: skip
        due = (
            "g.age >= a.off AND CASE WHEN a.rep IS NULL THEN g.age = a.off ELSE "
            "(g.age - a.off) % a.rep = 0 AND (g.age - a.off) / a.rep < a.mx END"
        )
        n += self.run(
            f"INSERT INTO cycle_action ({_ACTION_COLUMNS}) SELECT {self.run_id}, {self.d}, g.id, "
            "a.channel, g.stage || ':' || a.akey, CAST(g.id AS TEXT) || '|' || g.stage || ':' "
            f"|| a.akey || {self.key_tail}, {self.v}, 'planned', '', a.channel, a.template, "
            f"{self.ts}, {self.ts} FROM g JOIN act a ON a.stage = g.stage WHERE {due} "
            "ON CONFLICT (key) DO NOTHING"
        )
        return n

    def milestones(self, dues: Any) -> int:
        self.temp(
            "ms", "(stage TEXT, entry_on DATE, kind TEXT, due DATE, due_latest DATE, "
            "owner_role TEXT, on_miss TEXT, rule TEXT)",
        )  # fmt: skip
        defs = {s.stage.value: [m for m in s.milestones if m.opens == "stage_entry"]
                for s in self.policy.stages}  # fmt: skip
        pairs = self.conn.exec_driver_sql("SELECT DISTINCT stage, entered FROM g").fetchall()
        rows: list[tuple[Any, ...]] = []
        for stage, entered in pairs:
            on = entered if isinstance(entered, date) else date.fromisoformat(str(entered)[:10])
            for m in defs.get(stage, []):
                due, latest, rule = dues.due(m, on)
                rows.append((stage, on.isoformat(), m.kind, due.isoformat(),
                             latest.isoformat(), m.owner_role.value, m.on_miss, rule))  # fmt: skip
        self.fill("ms", "stage, entry_on, kind, due, due_latest, owner_role, on_miss, rule", rows)
        step = "m.case_id AS case_id, 'missed:' || m.kind || ':' || m.stage AS step"
        n = self.action_rows(
            f"milestone m WHERE m.status = 'open' AND m.due < {self.d}", "'milestone_missed'", step
        )
        n += self.action_rows(  # the policy's on_miss: escalate (to a supervisor, by role)
            f"milestone m WHERE m.status = 'open' AND m.due < {self.d} AND m.on_miss = 'escalate'",
            "'escalated'", step.replace("'missed:'", "'escalate:'"),
        )  # fmt: skip
        self.run(
            f"UPDATE milestone SET status = 'missed', closed_on = {self.d}, reason = 'missed', "
            f"updated_at = {self.ts} WHERE status = 'open' AND due < {self.d}"
        )
        self.run(
            "INSERT INTO milestone (case_id, kind, stage, entry_on, opened_on, due, due_latest, "
            "status, owner, owner_role, on_miss, rule, policy_version, created_at, updated_at) "
            f"SELECT g.id, ms.kind, g.stage, g.entered, {self.d}, ms.due, ms.due_latest, 'open', "
            f"CASE WHEN ms.owner_role = g.role THEN g.owner END, ms.owner_role, ms.on_miss, "
            f"ms.rule, {self.v}, {self.ts}, {self.ts} FROM g JOIN ms ON ms.stage = g.stage AND "
            "ms.entry_on = g.entered WHERE 1 = 1 "
            "ON CONFLICT (case_id, stage, entry_on, kind) DO NOTHING"
        )
        n += self.action_rows(
            f"milestone m WHERE m.opened_on = {self.d}", "'milestone_opened'",
            step.replace("'missed:'", "'milestone:'"),
        )  # fmt: skip
        return n


def floor_cycle(url: str, as_of: date) -> dict[str, Any]:
    """One floor run on the store at `url` (run it twice for the rerun floor)."""
    from models.db import make_engine
    from rules.milestone_checks import DueDates
    from tasks.calendar import load_calendar
    from tasks.policy import load_policy, load_roster

    policy, users = load_policy(None), load_roster(None)
    dues = DueDates(load_calendar(None))
    engine = make_engine(url)
    t, cpu = time.perf_counter(), time.process_time()
    with engine.begin() as conn:
        run_id = conn.execute(
            sa.text(
                "INSERT INTO cycle_run (as_of, flow, policy_version, status, cases, counts, "
                "risk_changes, skipped, capacity_exceeded, warnings, started_at) VALUES "
                "(:d, 'floor', :v, 'running', 0, '{}', 0, 0, false, '[]', :ts) RETURNING id"
            ),
            {"d": as_of, "v": policy.version, "ts": datetime.now(UTC)},
        ).scalar_one()
        f = Floor(conn, as_of, policy, run_id)
        steps: dict[str, float] = {}
        mark = time.perf_counter()

        def step(name: str) -> None:
            nonlocal mark
            steps[name] = time.perf_counter() - mark
            mark = time.perf_counter()

        cases = f.facts()
        step("facts")
        f.owners(users)
        step("owners")
        changed = f.write_cases()
        step("cases")
        actions = f.actions()
        step("actions")
        actions += f.milestones(dues)
        step("milestones")
        conn.execute(
            sa.text("UPDATE cycle_run SET status = 'succeeded', cases = :n WHERE id = :id"),
            {"n": cases, "id": run_id},
        )
    wall, used = time.perf_counter() - t, time.process_time() - cpu
    engine.dispose()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": wall, "cpu": used, "cases": cases, "changed": changed,
            "actions": actions, "rss_mb": rss, "steps": steps}  # fmt: skip
