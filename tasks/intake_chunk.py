"""One chunk of a snapshot applied to the store: one look-up each of the accounts, customers and
open cases the chunk names, then executemany inserts and updates of only what changed (customers,
accounts, balance snapshots, contacts, cases opened, followed and closed, timeline lines).

Rules for opening and closing cases are in rules/case_rules.py; the opening stage and buckets
come from the policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Connection

from models.types import utcnow
from rules.case_rules import closing_outcome, opening_stage, opens_case
from rules.enums import (
    Bucket,
    CaseStatus,
    ContactKind,
    ContactRelation,
    RiskTier,
    Stage,
)
from rules.policy import Policy
from rules.snapshot_row import SnapshotRow
from tasks.bulk import db_date, db_time, insert_many, placeholder, select_in, update_many

_ACCOUNT_FIELDS = (
    "customer_id",
    "card_number",
    "credit_limit",
    "principal",
    "interest",
    "fees",
    "minimum_due",
    "due_date",
    "days_past_due",
    "last_payment_date",
    "last_payment_amount",
)
_CUSTOMER_FIELDS = ("name", "id_number", "phone", "email", "address", "province")
_SNAPSHOT_COLUMNS = (
    "account_id", "as_of", "principal", "interest", "fees", "minimum_due", "days_past_due",
    "bucket", "import_run_id",
)  # fmt: skip
_SNAPSHOT_UPSERT = (
    "ON CONFLICT (account_id, as_of) DO UPDATE SET principal = excluded.principal, "
    "interest = excluded.interest, fees = excluded.fees, minimum_due = excluded.minimum_due, "
    "days_past_due = excluded.days_past_due, bucket = excluded.bucket, "
    "import_run_id = excluded.import_run_id"
)
_CASE_COLUMNS = (
    "account_id", "customer_id", "status", "bucket", "stage", "opened_on", "stage_entered_on",
    "max_dpd", "version", "created_at", "updated_at",
)  # fmt: skip
_CONTACT_COLUMNS = (
    "customer_id", "relation", "kind", "value", "contact_name", "valid", "source", "created_at",
)  # fmt: skip
_TIMELINE_COLUMNS = ("case_id", "at", "as_of", "event", "detail", "actor")


@dataclass(frozen=True)
class _NewCase:
    """What the ladder's entry conditions see of an account opening a case: no risk tier is
    scored yet and no event is recorded (rules.policy.EntryFacts)."""

    bucket: Bucket
    dpd: int
    balance: Decimal
    risk_tier: RiskTier | None = None
    events: frozenset[str] = frozenset()


@dataclass
class _Chunk:
    """Counters one chunk adds to the run."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    opened: int = 0
    closed: int = 0


def apply_chunk(
    conn: Connection,
    rows: list[SnapshotRow],
    as_of: date,
    run_id: int,
    policy: Policy,
    card_column: bool = True,
) -> _Chunk:
    """Apply one chunk of rows; without a card_number column a stored card number is kept.
    Buckets and the opening stage come from `policy` (its bucket scheme and ladder)."""
    return _ChunkApply(conn, as_of, run_id, policy, card_column).run(rows)


class _ChunkApply:
    """One chunk: one look-up per table, the rows' changes collected, then one executemany per
    kind of change (customers, accounts, snapshots, contacts, cases, closures, timeline)."""

    def __init__(
        self, conn: Connection, as_of: date, run_id: int, policy: Policy, card_column: bool
    ) -> None:
        self.conn, self.run_id, self.policy, self.card_column = conn, run_id, policy, card_column
        self.out = _Chunk()
        self.now = db_time(conn, utcnow())
        self.day = db_date(conn, as_of)
        self.new_accounts: list[tuple[Any, ...]] = []
        self.changed_accounts: list[tuple[Any, ...]] = []
        self.new_snapshots: list[tuple[Any, ...]] = []
        self.upsert_snapshots: list[tuple[Any, ...]] = []
        self.new_cases: list[tuple[Any, ...]] = []
        self.case_updates: list[tuple[Any, ...]] = []
        self.closures: list[tuple[Any, ...]] = []
        self.timeline: list[tuple[Any, ...]] = []
        self.contacts: list[tuple[Any, ...]] = []

    def run(self, rows: list[SnapshotRow]) -> _Chunk:
        ids = [r.account_id for r in rows]
        accounts = self._by_id(
            f"SELECT id, {', '.join(_ACCOUNT_FIELDS)} FROM card_account WHERE id", ids
        )
        open_cases = self._by_id(
            "SELECT account_id, id, max_dpd, missing_since, bucket, customer_id "
            "FROM collection_case WHERE account_id",
            ids,
            # `|| ''` keeps SQLite on the account index rather than scanning open cases by status
            "AND status || '' = 'open'",
        )
        self._customers(rows)
        for r in rows:
            bucket = self.policy.buckets.bucket_for(r.days_past_due)
            existing = accounts.get(r.account_id)
            self._account(r, existing, bucket.value)
            if r.emergency_contact_phone:
                self.contacts.append(
                    (r.customer_id, ContactRelation.EMERGENCY.value, ContactKind.PHONE.value,
                     r.emergency_contact_phone, r.emergency_contact_name, True, "snapshot",
                     self.now)
                )  # fmt: skip
            case = open_cases.get(r.account_id)
            if case is None:
                self._maybe_open(r, existing is None, bucket)
            else:
                self._follow(r, case, bucket.value)
        self._write()
        return self.out

    def _by_id(self, sql: str, ids: Any, extra: str = "") -> dict[Any, tuple[Any, ...]]:
        return {r[0]: tuple(r[1:]) for r in select_in(self.conn, sql, ids, extra)}

    def _customers(self, rows: list[SnapshotRow]) -> None:
        given = {
            r.customer_id: (r.name, r.id_number, r.phone, r.email, r.address, r.province)
            for r in rows
        }
        known = self._by_id(
            f"SELECT id, {', '.join(_CUSTOMER_FIELDS)} FROM customer WHERE id", given
        )
        now = self.now
        new = [(cid, *v, now, now) for cid, v in given.items() if cid not in known]
        changed = [(*v, now, cid) for cid, v in given.items() if cid in known and known[cid] != v]
        insert_many(
            self.conn, "customer", ("id", *_CUSTOMER_FIELDS, "created_at", "updated_at"), new
        )
        update_many(self.conn, "customer", (*_CUSTOMER_FIELDS, "updated_at"), "id", changed)

    def _account(self, r: SnapshotRow, existing: tuple[Any, ...] | None, bucket: str) -> None:
        conn, day, now = self.conn, self.day, self.now
        card = r.card_number if self.card_column or existing is None else existing[1]
        values = (
            r.customer_id, card, r.credit_limit, r.principal, r.interest, r.fees,
            r.minimum_due, db_date(conn, r.due_date), r.days_past_due,
            db_date(conn, r.last_payment_date), r.last_payment_amount,
        )  # fmt: skip
        snapshot = (
            r.account_id, day, r.principal, r.interest, r.fees, r.minimum_due, r.days_past_due,
            bucket, self.run_id,
        )  # fmt: skip
        if existing is None:
            self.new_accounts.append((r.account_id, *values, day, now, now))
            self.new_snapshots.append(snapshot)
            self.out.imported += 1
            return
        self.upsert_snapshots.append(snapshot)
        if existing != values:
            self.changed_accounts.append((*values, day, now, r.account_id))
            self.out.updated += 1
        else:
            self.out.unchanged += 1

    def _maybe_open(self, r: SnapshotRow, is_new_account: bool, bucket: Bucket) -> None:
        if not opens_case(
            is_new_account=is_new_account, dpd=r.days_past_due, balance_fen=r.balance
        ):
            return
        facts = _NewCase(bucket, r.days_past_due, Decimal(r.balance).scaleb(-2))
        stage = opening_stage(self.policy, facts).value
        self.new_cases.append(
            (r.account_id, r.customer_id, CaseStatus.OPEN.value, bucket.value, stage, self.day,
             self.day, r.days_past_due, 1, self.now, self.now)
        )  # fmt: skip
        self.out.opened += 1

    def _follow(self, r: SnapshotRow, case: tuple[Any, ...], bucket: str) -> None:
        """An open case's account in this snapshot: close it, or keep its figures current."""
        case_id, max_dpd, missing_since, old_bucket, holder = case
        now, day = self.now, self.day
        new_max = max(max_dpd, r.days_past_due)
        outcome = closing_outcome(max_dpd=max_dpd, dpd=r.days_past_due, balance_fen=r.balance)
        if outcome is not None:
            self.closures.append(
                (Stage(outcome.value).value, outcome.value, day, bucket, new_max, now, case_id)
            )
            self.timeline.append(
                (case_id, now, day, "closed", f"closed as {outcome.value}", "intake")
            )
            self.out.closed += 1
            return
        if missing_since is not None:
            self.timeline.append((case_id, now, day, "returned", "back in the snapshot", "intake"))
        if holder != r.customer_id:  # the account moved to another customer: follow it
            detail = f"account now held by customer {r.customer_id} (was {holder})"
            self.timeline.append((case_id, now, day, "customer", detail, "intake"))
        changed = (missing_since is not None, new_max != max_dpd, old_bucket != bucket)
        if any(changed) or holder != r.customer_id:
            self.case_updates.append((r.customer_id, bucket, new_max, now, case_id))

    def _write(self) -> None:
        conn = self.conn
        insert_many(
            conn,
            "card_account",
            ("id", *_ACCOUNT_FIELDS, "last_as_of", "created_at", "updated_at"),
            self.new_accounts,
        )
        update_many(
            conn,
            "card_account",
            (*_ACCOUNT_FIELDS, "last_as_of", "updated_at"),
            "id",
            self.changed_accounts,
        )
        insert_many(conn, "balance_snapshot", _SNAPSHOT_COLUMNS, self.new_snapshots)
        insert_many(
            conn,
            "balance_snapshot",
            _SNAPSHOT_COLUMNS,
            self.upsert_snapshots,
            on_conflict=_SNAPSHOT_UPSERT,
        )
        insert_many(
            conn,
            "contact_point",
            _CONTACT_COLUMNS,
            self.contacts,
            on_conflict="ON CONFLICT DO NOTHING",
        )
        insert_many(conn, "collection_case", _CASE_COLUMNS, self.new_cases)
        ph = placeholder(conn)
        if self.case_updates:
            conn.exec_driver_sql(
                f"UPDATE collection_case SET customer_id = {ph}, bucket = {ph}, max_dpd = {ph}, "
                f"missing_since = NULL, updated_at = {ph}, version = version + 1 WHERE id = {ph}",
                self.case_updates,
            )
        if self.closures:
            conn.exec_driver_sql(
                f"UPDATE collection_case SET status = 'closed', stage = {ph}, outcome = {ph}, "
                f"closed_on = {ph}, bucket = {ph}, max_dpd = {ph}, missing_since = NULL, "
                f"updated_at = {ph}, version = version + 1 WHERE id = {ph}",
                self.closures,
            )
        insert_many(conn, "timeline_event", _TIMELINE_COLUMNS, self.timeline)
