"""A validated staged snapshot applied to the store: one statement per table and kind of change.

`intake_plan` holds the good rows' typed values with what the store knew before (the account's
stored figures, its open case) and the row's bucket, balance and whether its customer's values
come from it (the last row naming the customer). From the plan: customers
inserted and updated, accounts inserted and updated (only where a figure changed), one balance
snapshot per row, emergency contacts, timeline lines (closed, returned, moved customer), cases
closed (paid, cured), followed and opened in the stage the ladder's entry conditions give
(compiled into a CASE, tasks/intake_ladder.py). Rules: README "Case rules", rules/case_rules.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from rules.enums import CaseStatus, ContactKind, ContactRelation, Outcome
from rules.policy import Policy
from tasks.audit import record_many, stage_change
from tasks.intake_checks import RowChecks
from tasks.intake_dialect import Dialect, run, temp_table
from tasks.intake_ladder import bucket_case, opening_case
from tasks.intake_stage import STAGE
from tasks.intake_validate import BAD

PLAN = "intake_plan"
# the store tables apply_plan joins the plan to (snapshots and contacts are only written, through
# their unique indexes: their statistics decide no plan there)
STORE_TABLES = ("customer", "card_account", "collection_case")
_ACCOUNT = (
    "customer_id", "card_number", "credit_limit", "principal", "interest", "fees", "minimum_due",
    "due_date", "days_past_due", "last_payment_date", "last_payment_amount",
)  # fmt: skip
_CUSTOMER = ("name", "id_number", "phone", "email", "address", "province")
_SNAPSHOT = ("principal", "interest", "fees", "minimum_due", "days_past_due", "bucket")
_CLOSING = (
    "(p.case_id IS NOT NULL AND (p.balance <= 0 OR (p.days_past_due = 0 AND p.case_max > 0)))"
)
_FOLLOWING = f"(p.case_id IS NOT NULL AND NOT {_CLOSING})"
_OPENING = "(p.case_id IS NULL AND p.balance > 0 AND (p.existed = 0 OR p.days_past_due > 0))"
_OUTCOME = f"CASE WHEN p.balance <= 0 THEN '{Outcome.PAID.value}' ELSE '{Outcome.CURED.value}' END"


@dataclass
class Applied:
    """What the snapshot did to the store."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    opened: int = 0
    closed: int = 0


def good(alias: str) -> str:
    """SQL true for a staged row (`alias`) that validation did not refuse."""
    return f"NOT EXISTS (SELECT 1 FROM {BAD} b WHERE b.line = {alias}.line)"


def plan(conn: Connection, checks: RowChecks, policy: Policy, params: dict[str, Any]) -> None:
    """`intake_plan`: the good rows' values with what the store knew of their accounts."""
    d = checks.d
    typed = dict(checks.typed())
    values = ", ".join(f"{sql} AS {name}" for name, sql in typed.items())
    card = typed["card_number"] if checks.card else "a.card_number"
    stored = " AND ".join(
        d.same(f"a.{c}", card if c == "card_number" else typed[c]) for c in _ACCOUNT
    )
    dpd = typed["days_past_due"]
    balance = " + ".join(typed[c] for c in ("principal", "interest", "fees"))
    temp_table(
        conn,
        PLAN,
        f"SELECT {values}, {bucket_case(policy, dpd)} AS bucket, {balance} AS balance, "
        "CASE WHEN a.id IS NULL THEN 0 ELSE 1 END AS existed, "
        f"CASE WHEN a.id IS NULL THEN {typed['card_number']} ELSE {card} END AS card_final, "
        f"CASE WHEN a.id IS NOT NULL AND NOT ({stored}) THEN 1 ELSE 0 END AS changed, "
        "c.id AS case_id, c.max_dpd AS case_max, c.missing_since AS case_missing, "
        "c.bucket AS case_bucket, c.customer_id AS holder, "
        "CASE WHEN s.line = m.last THEN 1 ELSE 0 END "
        f"AS cust_last FROM {STAGE} s LEFT JOIN card_account a ON a.id = s.account_id "
        "LEFT JOIN collection_case c ON c.account_id = s.account_id "
        f"AND c.status = '{CaseStatus.OPEN.value}' "
        # each customer's last good line: grouped on two narrow columns (a window over the
        # whole rows sorted them all, on disk on PostgreSQL)
        f"JOIN (SELECT g.customer_id, max(g.line) AS last FROM {STAGE} g WHERE {good('g')} "
        "GROUP BY g.customer_id) m ON m.customer_id = s.customer_id "
        f"WHERE {good('s')}",
        params,
    )


def counts(conn: Connection) -> Applied:
    row = run(
        conn,
        "SELECT count(*), sum(1 - existed), sum(changed), "
        f"sum(CASE WHEN {_OPENING} THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN {_CLOSING} THEN 1 ELSE 0 END) FROM {PLAN} p",
    ).one()
    total, new, changed, opened, closed = (int(v or 0) for v in row)
    return Applied(new, changed, total - new - changed, opened, closed)


def apply_plan(conn: Connection, d: Dialect, policy: Policy, params: dict[str, Any]) -> Applied:
    """Write the plan to the store; the counts of what it did."""
    out = counts(conn)
    _customers(conn, d, params)
    _accounts(conn, params)
    _snapshots(conn, params)
    _contacts(conn, params)
    _cases(conn, d, policy, params)
    return out


def _customers(conn: Connection, d: Dialect, params: dict[str, Any]) -> None:
    same = " AND ".join(d.same(f"customer.{c}", f"p.{c}") for c in _CUSTOMER)
    sets = ", ".join(f"{c} = p.{c}" for c in _CUSTOMER)
    run(
        conn,
        f"UPDATE customer SET {sets}, updated_at = :now FROM {PLAN} p "
        f"WHERE p.cust_last = 1 AND customer.id = p.customer_id AND NOT ({same})",
        params,
    )
    cols = ", ".join(_CUSTOMER)
    run(
        conn,
        f"INSERT INTO customer (id, {cols}, created_at, updated_at) "
        f"SELECT customer_id, {cols}, :now, :now FROM {PLAN} p WHERE p.cust_last = 1 "
        "AND NOT EXISTS (SELECT 1 FROM customer c WHERE c.id = p.customer_id) ORDER BY p.line",
        params,
    )


def _accounts(conn: Connection, params: dict[str, Any]) -> None:
    values = [("card_final" if c == "card_number" else c) for c in _ACCOUNT]
    sets = ", ".join(f"{c} = p.{v}" for c, v in zip(_ACCOUNT, values, strict=True))
    run(
        conn,
        f"UPDATE card_account SET {sets}, last_as_of = :day, updated_at = :now FROM {PLAN} p "
        "WHERE p.changed = 1 AND card_account.id = p.account_id",
        params,
    )
    run(
        conn,
        f"INSERT INTO card_account (id, {', '.join(_ACCOUNT)}, last_as_of, created_at, "
        f"updated_at) SELECT account_id, {', '.join(values)}, :day, :now, :now FROM {PLAN} "
        "WHERE existed = 0 ORDER BY line",
        params,
    )


def _snapshots(conn: Connection, params: dict[str, Any]) -> None:
    cols = ", ".join(_SNAPSHOT)
    sets = ", ".join(f"{c} = excluded.{c}" for c in (*_SNAPSHOT, "import_run_id"))
    run(
        conn,
        f"INSERT INTO balance_snapshot (account_id, as_of, {cols}, import_run_id) "
        f"SELECT account_id, :day, {cols}, :run FROM {PLAN} WHERE 1 = 1 ORDER BY line "
        f"ON CONFLICT (account_id, as_of) DO UPDATE SET {sets}",
        params,
    )


def _contacts(conn: Connection, params: dict[str, Any]) -> None:
    run(
        conn,
        "INSERT INTO contact_point (customer_id, relation, kind, value, contact_name, valid, "
        "source, created_at) SELECT customer_id, :relation, :kind, emergency_contact_phone, "
        f"emergency_contact_name, :valid, 'snapshot', :now FROM {PLAN} "
        "WHERE emergency_contact_phone IS NOT NULL ORDER BY line ON CONFLICT DO NOTHING",
        {
            **params,
            "relation": ContactRelation.EMERGENCY.value,
            "kind": ContactKind.PHONE.value,
            "valid": True,
        },
    )


def _cases(conn: Connection, d: Dialect, policy: Policy, params: dict[str, Any]) -> None:
    moved = "p.holder <> p.customer_id"
    run(
        conn,
        "INSERT INTO timeline_event (case_id, at, as_of, event, detail, actor) "
        "SELECT case_id, :now, :day, event, detail, 'intake' FROM ("
        f"SELECT p.line, 0 AS k, p.case_id, 'closed' AS event, 'closed as ' || {_OUTCOME} "
        f"AS detail FROM {PLAN} p WHERE {_CLOSING} "
        f"UNION ALL SELECT p.line, 1, p.case_id, 'returned', 'back in the snapshot' FROM {PLAN} p "
        f"WHERE {_FOLLOWING} AND p.case_missing IS NOT NULL "
        f"UNION ALL SELECT p.line, 2, p.case_id, 'customer', 'account now held by customer ' "
        f"|| p.customer_id || ' (was ' || p.holder || ')' FROM {PLAN} p "
        f"WHERE {_FOLLOWING} AND {moved}) t ORDER BY line, k",
        params,
    )
    closing = conn.execute(
        sa.text(
            f"SELECT p.case_id, c.stage, {_OUTCOME} FROM {PLAN} p JOIN collection_case c "
            f"ON c.id = p.case_id WHERE {_CLOSING} ORDER BY p.line"
        ),
        params,
    ).all()
    new_max = d.greatest("p.case_max", "p.days_past_due")
    run(
        conn,
        f"UPDATE collection_case SET status = '{CaseStatus.CLOSED.value}', stage = {_OUTCOME}, "
        f"outcome = {_OUTCOME}, closed_on = :day, bucket = p.bucket, max_dpd = {new_max}, "
        "missing_since = NULL, updated_at = :now, version = version + 1 "
        f"FROM {PLAN} p WHERE collection_case.id = p.case_id AND {_CLOSING}",
        params,
    )
    if closing:  # every stage change goes on the audit chain (issue 19 item 8)
        record_many(
            conn,
            [
                stage_change(cid, old, new, "closed by the snapshot", on=params["day"],
                             actor="intake")
                for cid, old, new in closing
            ],
        )  # fmt: skip
    run(
        conn,
        f"UPDATE collection_case SET customer_id = p.customer_id, bucket = p.bucket, "
        f"max_dpd = {new_max}, missing_since = NULL, updated_at = :now, version = version + 1 "
        f"FROM {PLAN} p WHERE collection_case.id = p.case_id AND {_FOLLOWING} AND "
        "(p.case_missing IS NOT NULL OR p.days_past_due > p.case_max "
        f"OR p.case_bucket <> p.bucket OR {moved})",
        params,
    )
    stage = opening_case(policy, "p.bucket", "p.days_past_due", "p.balance")
    run(
        conn,
        "INSERT INTO collection_case (account_id, customer_id, status, bucket, stage, opened_on, "
        "stage_entered_on, max_dpd, version, created_at, updated_at) "
        f"SELECT p.account_id, p.customer_id, '{CaseStatus.OPEN.value}', p.bucket, {stage}, "
        f":day, :day, p.days_past_due, 1, :now, :now FROM {PLAN} p WHERE {_OPENING} "
        "ORDER BY p.line",
        params,
    )


def flag_missing(conn: Connection, params: dict[str, Any]) -> int:
    """One pass over the open cases: those whose account is absent from this snapshot (and not
    quarantined in it) are counted; the ones not yet flagged get `missing_since` and a line."""
    if conn.dialect.name == "postgresql":
        # the tables were just bulk-written: with the statistics of before (an empty store on a
        # first load) PostgreSQL scans the snapshots once per open case - minutes at 300,000
        run(conn, "ANALYZE collection_case, balance_snapshot")
    temp_table(
        conn,
        "intake_absent",
        "SELECT id, missing_since FROM collection_case c "
        f"WHERE c.status = '{CaseStatus.OPEN.value}' AND NOT EXISTS (SELECT 1 FROM "
        "balance_snapshot s WHERE s.account_id = c.account_id AND s.as_of = :day) "
        "AND c.account_id NOT IN (SELECT q.account_id FROM quarantined_row q "
        "WHERE q.import_run_id = :run AND q.account_id IS NOT NULL)",
        params,
    )
    run(
        conn,
        "INSERT INTO timeline_event (case_id, at, as_of, event, detail, actor) "
        "SELECT id, :now, :day, 'missing', 'absent from the snapshot', 'intake' "
        "FROM intake_absent WHERE missing_since IS NULL ORDER BY id",
        params,
    )
    run(
        conn,
        "UPDATE collection_case SET missing_since = :day, updated_at = :now, "
        "version = version + 1 WHERE id IN "
        "(SELECT id FROM intake_absent WHERE missing_since IS NULL)",
        params,
    )
    return int(run(conn, "SELECT count(*) FROM intake_absent").scalar_one())
