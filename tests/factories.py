"""Factories for test data: customers, accounts and cases with sensible defaults."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlmodel import Session

from models import CardAccount, Case, Customer, TimelineEvent
from rules import events
from rules.buckets import DEFAULT_SCHEME
from rules.enums import Stage

_seq = itertools.count(1)


def make_case(
    session: Session,
    *,
    dpd: int = 45,
    principal: str = "20000.00",
    interest: str = "800.00",
    fees: str = "50.00",
    stage: Stage = Stage.FORMAL_DEMAND,
    as_of: date = date(2026, 11, 2),
    name: str = "张三",
    owner: str | None = None,
    account_id: str | None = None,
) -> Case:
    """A customer, their card account and an open case, flushed so ids are set."""
    n = next(_seq)
    account_id = account_id or f"A{n:08d}"
    customer = Customer(
        id=f"C{n:08d}",
        name=name,
        id_number="330106199001011234",
        phone="13812345678",
        email=f"user{n}@example.com",
        address="浙江省杭州市西湖区文三路100号",
        province="浙江",
    )
    account = CardAccount(
        id=account_id,
        customer_id=customer.id,
        card_number="6225880123456789",
        credit_limit=Decimal("50000.00"),
        principal=Decimal(principal),
        interest=Decimal(interest),
        fees=Decimal(fees),
        minimum_due=Decimal("1000.00"),
        due_date=date(2026, 9, 18),
        days_past_due=dpd,
        last_as_of=as_of,
    )
    case = Case(
        account_id=account_id,
        customer_id=customer.id,
        bucket=DEFAULT_SCHEME.bucket_for(dpd),
        stage=stage,
        owner=owner,
        opened_on=as_of,
        stage_entered_on=as_of,
        max_dpd=dpd,
    )
    session.add(customer)
    session.flush()
    session.add(account)
    session.flush()
    session.add(case)
    session.flush()
    return case


SNAPSHOT_DEFAULTS: dict[str, str] = {
    "account_id": "A00000001",
    "customer_id": "C00000001",
    "name": "张三",
    "id_number": "110105197102228132",
    "phone": "13812345678",
    "email": "zhang@example.com",
    "address": "浙江省杭州市西湖区文三路100号",
    "province": "浙江",
    "credit_limit": "50000.00",
    "principal": "20000.00",
    "interest": "800.00",
    "fees": "50.00",
    "minimum_due": "2000.00",
    "due_date": "2026-09-18",
    "days_past_due": "45",
    "last_payment_date": "2026-08-20",
    "last_payment_amount": "1500.00",
    "emergency_contact_name": "李四",
    "emergency_contact_phone": "13900001111",
    "card_number": "6225880123456789",
}


SNAPSHOT_AS_OF = date(2026, 11, 2)  # the defaults' due date is 45 days before it


def deliver_demand(session: Session, case_id: int | None, on: date = date(2026, 10, 20)) -> None:
    """A written demand delivered to the case on `on` (as `duecourse mail delivered` records it):
    going legal needs one (policy/ladder.yaml, lawyer_letter entry)."""
    assert case_id is not None
    session.add(
        TimelineEvent(
            case_id=case_id,
            as_of=on,
            event=events.DEMAND_DELIVERED,
            detail="collection letter delivered",
            actor="post",
        )
    )


def snapshot_row(as_of: date = SNAPSHOT_AS_OF, /, **overrides: str) -> dict[str, str]:
    """One snapshot row (column -> text) with realistic defaults. Unless `due_date` is given, it
    is the one the days past due count from as of `as_of` (the intake checks that they agree)."""
    row = dict(SNAPSHOT_DEFAULTS)
    row.update(overrides)
    dpd = row["days_past_due"]
    if "due_date" not in overrides and dpd.isascii() and dpd.isdigit() and 0 < int(dpd) < 10**6:
        row["due_date"] = (as_of - timedelta(days=int(dpd))).isoformat()
    return row


def write_snapshot(
    path: Path,
    rows: list[dict[str, str]],
    *,
    encoding: str = "utf-8",
    header: list[str] | None = None,
) -> Path:
    """Write rows as a snapshot CSV in the given encoding."""
    columns = header or list(SNAPSHOT_DEFAULTS)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path
