"""The batch's work table `w`: one row per open case in the id range, with its facts (integer fen,
days, yes/no), its bucket, risk points, tier and reasons, its flags from the timeline and, later,
the day's decisions; and `ev` (the timeline events the ladder and milestones read) and `rv`
(the case's reviews, per target stage)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rules.events import cleared
from tasks.cycle.sql.risk_sql import RECENT_DAYS

if TYPE_CHECKING:
    from tasks.cycle.sql.engine import SqlBatch

WORK = "w"
_DECISIONS = (
    "bucket TEXT, tier TEXT, reasons TEXT, why TEXT, want TEXT, lmove TEXT, lreview TEXT, "
    "adv TEXT, apto TEXT, new_stage TEXT, why_move TEXT, req TEXT, req_role TEXT, "
    "plan INTEGER DEFAULT 0, stage_f TEXT, entered_f DATE, owner TEXT"
)


def create_work(b: SqlBatch) -> None:
    d = b.d
    rules = "".join(f", r{i} INTEGER DEFAULT 0" for i in range(len(b.risk.rules)))
    flags = "".join(f", fl{i} INTEGER DEFAULT 0" for i in range(len(b.tables.flags)))
    d.temp_table(
        WORK,
        "id INTEGER PRIMARY KEY, stage TEXT, entered DATE, bucket0 TEXT, owner0 TEXT, "
        "tier0 TEXT, reasons0 TEXT, dpd INTEGER, bal BIGINT, prin BIGINT, util BIGINT, "
        f"since_paid INTEGER, paid_recently INTEGER, contactable INTEGER{rules}{flags}, "
        + _DECISIONS,
    )
    if not d.sqlite:  # the batch's case rows stay locked until it commits
        d.run(
            "SELECT id FROM collection_case WHERE status = 'open' "
            f"AND id BETWEEN {b.lo} AND {b.hi} FOR UPDATE"
        )
    bal = "(a.principal + a.interest + a.fees)"
    scaled, cl = f"({bal} * 10000)", "a.credit_limit"
    util = (
        f"CASE WHEN {cl} IS NULL OR {cl} <= 0 THEN NULL ELSE {scaled} / {cl} + "
        f"CASE WHEN 2 * ({scaled} % {cl}) > {cl} OR (2 * ({scaled} % {cl}) = {cl} "
        f"AND ({scaled} / {cl}) % 2 = 1) THEN 1 ELSE 0 END END"
    )
    days = d.days_between(b.day, "a.last_payment_date")
    since = f"CASE WHEN a.last_payment_date IS NULL THEN NULL ELSE {days} END"
    d.run(
        f"INSERT INTO {WORK} (id, stage, entered, bucket0, owner0, tier0, reasons0, dpd, bal, "
        "prin, util, since_paid, paid_recently, contactable, owner) "
        f"SELECT c.id, c.stage, c.stage_entered_on, c.bucket, c.owner, c.risk_tier, "
        f"c.risk_reasons, a.days_past_due, {bal}, a.principal, {util}, {since}, "
        f"CASE WHEN a.last_payment_date IS NOT NULL AND ({since}) BETWEEN 0 AND {RECENT_DAYS} "
        "AND a.last_payment_amount IS NOT NULL AND a.last_payment_amount <> 0 "
        "AND a.days_past_due > 0 THEN 1 ELSE 0 END, "
        "CASE WHEN (cu.phone IS NOT NULL AND cu.phone <> '') "
        "OR (cu.email IS NOT NULL AND cu.email <> '') THEN 1 ELSE 0 END, c.owner "
        "FROM collection_case c JOIN card_account a ON a.id = c.account_id "
        "JOIN customer cu ON cu.id = c.customer_id "
        f"WHERE c.status = 'open' AND c.id BETWEEN {b.lo} AND {b.hi}"
    )


def score(b: SqlBatch) -> None:
    """Bucket, the risk rules that fire, then points, tier and reasons."""
    d, risk = b.d, b.risk
    fires = [f"r{i} = CASE WHEN {r.test} THEN 1 ELSE 0 END" for i, r in enumerate(risk.rules)]
    d.run(f"UPDATE {WORK} SET {', '.join([f'bucket = {b.tables.bucket()}', *fires])}")
    d.run(
        f"UPDATE {WORK} SET tier = {risk.tier(risk.points())}, "
        f"reasons = {risk.reasons_json()}, why = {risk.reasons_text()}"
    )


def read_events(b: SqlBatch) -> None:
    """`ev`: the events of the batch's cases up to today that set or clear a flag or meet a
    milestone; then each flag: the latest of `<flag>` / `<flag>_cleared` wins."""
    d = b.d
    flags = b.tables.flags
    met = {e for s in b.ctx.policy.stages for m in s.milestones for e in m.met_by}
    names = set(flags) | {cleared(f) for f in flags} | met
    d.temp_table("ev", "id INTEGER PRIMARY KEY, case_id INTEGER, event TEXT, on_day DATE")
    d.run(
        "INSERT INTO ev (id, case_id, event, on_day) SELECT t.id, t.case_id, t.event, t.as_of "
        f"FROM timeline_event t WHERE t.case_id BETWEEN {b.lo} AND {b.hi} "
        f"AND t.event IN {d.in_list(names)} AND t.as_of <= {b.day}"
    )
    d.run("CREATE INDEX IF NOT EXISTS ev_case ON ev (case_id, on_day, id)")
    for i, flag in enumerate(flags):
        pair = d.in_list([flag, cleared(flag)])
        d.run(
            f"UPDATE {WORK} SET fl{i} = COALESCE((SELECT CASE WHEN e.event = {d.lit(flag)} "
            f"THEN 1 ELSE 0 END FROM ev e WHERE e.case_id = {WORK}.id AND e.event IN {pair} "
            "ORDER BY e.on_day DESC, e.id DESC LIMIT 1), 0) "
            f"WHERE EXISTS (SELECT 1 FROM ev e WHERE e.case_id = {WORK}.id)"
        )


def read_reviews(b: SqlBatch) -> None:
    d = b.d
    d.temp_table(
        "rv",
        "case_id INTEGER, target TEXT, approved INTEGER, pending INTEGER, "
        "rejected_since DATE, approved_since DATE",
    )
    d.run(
        "INSERT INTO rv SELECT case_id, target_stage, "
        "MAX(CASE WHEN status = 'approved' THEN 1 ELSE 0 END), "
        "MAX(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), "
        "MAX(CASE WHEN status = 'rejected' THEN opened_on END), "
        "MAX(CASE WHEN status = 'approved' THEN opened_on END) "
        f"FROM review WHERE case_id BETWEEN {b.lo} AND {b.hi} GROUP BY case_id, target_stage"
    )
    d.run("CREATE INDEX IF NOT EXISTS rv_case ON rv (case_id, target)")
