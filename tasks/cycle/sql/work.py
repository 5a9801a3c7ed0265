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
    "plan INTEGER DEFAULT 1, stage_f TEXT, entered_f DATE, owner TEXT"
)


def create_work(b: SqlBatch) -> None:
    d = b.d
    rules = "".join(f", r{i} INTEGER DEFAULT 0" for i in range(len(b.risk.rules)))
    flags = "".join(f", fl{i} INTEGER DEFAULT 0" for i in range(len(b.tables.flags)))
    read_events(b)
    read_reviews(b)
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
    rules_cols = [f"r{i}" for i in range(len(b.risk.rules))]
    flag_cols = [f"fl{i}" for i in range(len(b.tables.flags))]
    facts = (
        "id, stage, entered, bucket0, owner0, tier0, reasons0, dpd, bal, prin, util, "
        "since_paid, paid_recently, contactable"
    )
    inner = (
        f"SELECT c.id, c.stage, c.stage_entered_on AS entered, c.bucket AS bucket0, "
        "c.owner AS owner0, c.risk_tier AS tier0, c.risk_reasons AS reasons0, "
        f"a.days_past_due AS dpd, {bal} AS bal, a.principal AS prin, {util} AS util, "
        f"{since} AS since_paid, "
        f"CASE WHEN a.last_payment_date IS NOT NULL AND ({since}) BETWEEN 0 AND {RECENT_DAYS} "
        "AND a.last_payment_amount IS NOT NULL AND a.last_payment_amount <> 0 "
        "AND a.days_past_due > 0 THEN 1 ELSE 0 END AS paid_recently, "
        "CASE WHEN (cu.phone IS NOT NULL AND cu.phone <> '') "
        "OR (cu.email IS NOT NULL AND cu.email <> '') THEN 1 ELSE 0 END AS contactable"
        + "".join(f", {_flag_sql(i)} AS fl{i}" for i in range(len(b.tables.flags)))
        + " FROM collection_case c JOIN card_account a ON a.id = c.account_id "
        "JOIN customer cu ON cu.id = c.customer_id LEFT JOIN fl ON fl.case_id = c.id "
        f"WHERE c.status = 'open' AND c.id BETWEEN {b.lo} AND {b.hi}"
    )
    tests = [f"CASE WHEN {r.test} THEN 1 ELSE 0 END" for r in b.risk.rules]
    outer_cols = ", ".join(
        [facts, *flag_cols, *rules_cols, "bucket", "stage_f", "entered_f", "owner"]
    )
    d.run(
        f"INSERT INTO {WORK} ({outer_cols}) SELECT "
        + ", ".join(
            [
                *(f"w.{c.strip()}" for c in facts.split(",")),
                *(f"w.{c}" for c in flag_cols),
                *tests,
                b.tables.bucket(),
                "w.stage",
                "w.entered",
                "w.owner0",
            ]
        )
        + f" FROM ({inner}) w"
    )


def _flag_sql(i: int) -> str:
    """A flag from the timeline: the latest of `<flag>` / `<flag>_cleared` wins (`fl`)."""
    return (
        f"CASE WHEN fl.s{i} IS NOT NULL AND (fl.c{i} IS NULL OR fl.s{i} > fl.c{i}) "
        "THEN 1 ELSE 0 END"
    )


def score(b: SqlBatch) -> None:
    """Points, tier and reasons, and where the ladder would take the case (`want`: NULL for a
    closed stage or the stage it is in), in one pass."""
    d, risk, t = b.d, b.risk, b.tables
    tier = risk.tier(risk.points())
    d.run(
        f"UPDATE {WORK} SET tier = {tier}, reasons = {risk.reasons_json()}, "
        f"want = CASE WHEN stage IN {t.closed()} THEN NULL "
        f"ELSE NULLIF({t.goal(f'({tier})')}, stage) END"
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
    d.analyze("ev")
    # Per case, the latest set and clearing of each flag, as sortable "day#id" keys.
    order = f"{d.date_text('on_day')} || '#' || {d.padded('id', 12)}"
    cols, picks = ["case_id"], ["case_id"]
    for i, flag in enumerate(flags):
        cols += [f"s{i}", f"c{i}"]
        picks += [
            f"MAX(CASE WHEN event = {d.lit(flag)} THEN {order} END)",
            f"MAX(CASE WHEN event = {d.lit(cleared(flag))} THEN {order} END)",
        ]
    d.temp_table(
        "fl",
        ", ".join(f"{c} TEXT" if c != "case_id" else "case_id INTEGER PRIMARY KEY" for c in cols),
    )
    d.run(f"INSERT INTO fl SELECT {', '.join(picks)} FROM ev GROUP BY case_id")
    d.analyze("fl")


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
        f"FROM review WHERE case_id BETWEEN {b.lo} AND {b.hi} AND kind = 'stage' "
        "GROUP BY case_id, target_stage"
    )
    d.run("CREATE INDEX IF NOT EXISTS rv_case ON rv (case_id, target)")
    d.analyze("rv")
