"""The daily cycle benchmark's data: N customers, accounts and open cases bulk-inserted (in a
child process, so its memory does not count), and fresh copies of them for each timed run - a
copied SQLite file, or a PostgreSQL scratch schema filled from a pristine one server-side."""

from __future__ import annotations

import multiprocessing as mp
import random
import shutil
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pg_scratch import drop_schema, pg_schema

AS_OF = date(2026, 11, 2)
CHUNK = 50_000


class _Opening:
    """What the ladder's entry conditions see of a new case (rules.policy.EntryFacts)."""

    def __init__(self, bucket: Any, dpd: int, balance: Any) -> None:
        self.bucket, self.dpd, self.balance = bucket, dpd, balance
        self.risk_tier = None
        self.events: frozenset[str] = frozenset()


def generate(url: str, cases: int, seed: int) -> None:
    """Customers, accounts and open cases, bulk-inserted with executemany."""
    from decimal import Decimal

    from models.db import make_engine, upgrade
    from rules.case_rules import opening_stage
    from tasks.bulk import db_date, db_time, insert_many
    from tasks.policy import load_policy

    policy = load_policy(None)  # the shipped ladder: its buckets and opening stages

    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        ts = db_time(conn, now)
        for start in range(0, cases, CHUNK):
            customers, accounts, rows = [], [], []
            for n in range(start, min(start + CHUNK, cases)):
                dpd = rng.choice((0, rng.randint(1, 30), rng.randint(31, 90), rng.randint(91, 240)))
                principal = rng.randint(1_000_00, 200_000_00)
                bucket = policy.buckets.bucket_for(dpd)
                entered = AS_OF - timedelta(days=rng.randint(0, 20))
                paid = AS_OF - timedelta(days=rng.randint(1, 200)) if rng.random() < 0.6 else None
                customers.append(
                    (
                        f"C{n:09d}",
                        "测试客户",
                        "330106199001011234",
                        f"138{n % 10**8:08d}",
                        None,
                        "浙江省杭州市西湖区文三路100号",
                        "浙江",
                        ts,
                        ts,
                    )
                )
                accounts.append(
                    (
                        f"A{n:09d}",
                        f"C{n:09d}",
                        None,
                        principal * 2,
                        principal,
                        principal // 50,
                        5_000,
                        principal // 10,
                        db_date(conn, AS_OF),
                        dpd,
                        db_date(conn, paid),
                        50_000 if paid else None,
                        db_date(conn, AS_OF),
                        ts,
                        ts,
                    )
                )
                rows.append(
                    (
                        n + 1,
                        f"A{n:09d}",
                        f"C{n:09d}",
                        "open",
                        bucket.value,
                        opening_stage(
                            policy, _Opening(bucket, dpd, Decimal(principal) / 100)
                        ).value,
                        db_date(conn, entered),
                        db_date(conn, entered),
                        dpd,
                        1,
                        ts,
                        ts,
                    )
                )
            insert_many(
                conn,
                "customer",
                [
                    "id",
                    "name",
                    "id_number",
                    "phone",
                    "email",
                    "address",
                    "province",
                    "created_at",
                    "updated_at",
                ],
                customers,
            )
            insert_many(
                conn,
                "card_account",
                [
                    "id",
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
                    "last_as_of",
                    "created_at",
                    "updated_at",
                ],
                accounts,
            )
            insert_many(
                conn,
                "collection_case",
                [
                    "id",
                    "account_id",
                    "customer_id",
                    "status",
                    "bucket",
                    "stage",
                    "opened_on",
                    "stage_entered_on",
                    "max_dpd",
                    "version",
                    "created_at",
                    "updated_at",
                ],
                rows,
            )
    engine.dispose()


def in_child(url: str, cases: int, seed: int) -> float:
    t = time.perf_counter()
    proc = mp.get_context("spawn").Process(target=generate, args=(url, cases, seed))
    proc.start()
    proc.join()
    if proc.exitcode:
        raise SystemExit(f"data generation failed (exit {proc.exitcode})")
    return time.perf_counter() - t


TABLES = ("customer", "card_account", "collection_case")


class Store:
    """Fresh copies of the generated portfolio, one per timed run."""

    def __init__(self, work: Path, cases: int, seed: int, pg: str | None) -> None:
        self.work, self.cases, self.seed, self.pg = work, cases, seed, pg
        self.schemas: list[str] = []
        if pg is None:
            self.generated = in_child(f"sqlite:///{work / 'pristine.sqlite'}", cases, seed)
        else:
            self.pristine, url = pg_schema(pg)
            self.schemas.append(self.pristine)
            self.generated = in_child(url, cases, seed)

    def fresh(self, name: str) -> str:
        """A migrated store holding the portfolio (the copy is not timed)."""
        if self.pg is None:
            shutil.copyfile(self.work / "pristine.sqlite", self.work / f"{name}.sqlite")
            return f"sqlite:///{self.work / name}.sqlite"
        import sqlalchemy as sa

        from models.db import make_engine, upgrade

        schema, url = pg_schema(self.pg)
        self.schemas.append(schema)
        engine = make_engine(url)
        upgrade(engine)
        with engine.begin() as conn:
            for table in TABLES:
                conn.execute(
                    sa.text(f"INSERT INTO {schema}.{table} SELECT * FROM {self.pristine}.{table}")
                )
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))
        engine.dispose()
        return url

    def close(self) -> None:
        while self.pg is not None and self.schemas:
            drop_schema(self.pg, self.schemas.pop())
        shutil.rmtree(self.work, ignore_errors=True)
