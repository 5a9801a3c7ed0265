"""Benchmark: one daily cycle over N open cases, through the Prefect flow and through the same
core without Prefect, each on a fresh copy of the same database, in one process.

    .venv/bin/python benchmarks/daily_cycle.py                 # 1,000,000 cases on SQLite
    .venv/bin/python benchmarks/daily_cycle.py --cases 100000 --pg postgresql+psycopg://...
    .venv/bin/python benchmarks/daily_cycle.py --repeat 2     # flow/core, core/flow: best of 2

Prints wall time, cases/s, peak memory (ru_maxrss of this process; the data is generated in a
child process so it does not count) and the Prefect overhead. The Prefect API (a temporary
server when none is configured) is started before timing, by a warm-up flow run.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

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


def pg_schema(base: str) -> tuple[str, str]:
    import sqlalchemy as sa

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    eng = sa.create_engine(base)
    with eng.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    eng.dispose()
    sep = "&" if "?" in base else "?"
    return schema, f"{base}{sep}options=-csearch_path%3D{schema}"


def drop_schema(base: str, schema: str) -> None:
    import sqlalchemy as sa

    eng = sa.create_engine(base)
    with eng.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    eng.dispose()


def in_child(url: str, cases: int, seed: int) -> float:
    t = time.perf_counter()
    proc = mp.get_context("spawn").Process(target=generate, args=(url, cases, seed))
    proc.start()
    proc.join()
    if proc.exitcode:
        raise SystemExit(f"data generation failed (exit {proc.exitcode})")
    return time.perf_counter() - t


class Store:
    """Fresh copies of the generated portfolio, one per timed run."""

    def __init__(self, work: Path, cases: int, seed: int, pg: str | None) -> None:
        self.work, self.cases, self.seed, self.pg = work, cases, seed, pg
        self.schemas: list[str] = []
        self.generated = 0.0
        if pg is None:
            self.generated = in_child(f"sqlite:///{work / 'pristine.sqlite'}", cases, seed)

    def fresh(self, name: str) -> str:
        if self.pg is not None:  # PostgreSQL: generate into a new scratch schema
            schema, url = pg_schema(self.pg)
            self.schemas.append(schema)
            self.generated += in_child(url, self.cases, self.seed)
            return url
        shutil.copyfile(self.work / "pristine.sqlite", self.work / f"{name}.sqlite")
        return f"sqlite:///{self.work / name}.sqlite"

    def discard(self, name: str) -> None:
        if self.pg is not None:
            drop_schema(self.pg, self.schemas.pop())
        else:
            for suffix in ("", "-wal", "-shm"):
                (self.work / f"{name}.sqlite{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        while self.pg is not None and self.schemas:
            drop_schema(self.pg, self.schemas.pop())
        shutil.rmtree(self.work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--pg", metavar="URL", help="PostgreSQL base URL (a scratch schema is used)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--batch-size", type=int, default=20_000)
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds of (flow, core), alternating which goes first; the best of each is kept",
    )
    args = ap.parse_args()

    store = Store(Path(tempfile.mkdtemp(prefix="duecourse-bench-")), args.cases, args.seed, args.pg)
    try:
        t = time.perf_counter()
        from prefect import flow

        from flows.daily_cycle import daily_cycle, engine_for
        from tasks.cycle.core import PolicyBundle, run_day

        @flow(name="bench-warm-up")
        def warm_up() -> int:
            return 1

        warm_up()
        print(f"Prefect import and API start-up (not timed below): {time.perf_counter() - t:.1f} s")
        bundle = PolicyBundle.load(None)
        order: list[str] = []
        for i in range(args.repeat):
            order += ["flow", "core"] if i % 2 == 0 else ["core", "flow"]
        timings: dict[str, list[tuple[float, float]]] = {"flow": [], "core": []}
        results: dict[str, dict[str, Any]] = {}
        for i, variant in enumerate(order):
            url = store.fresh(f"run{i}")
            engine = engine_for(url)  # migrated before timing, for both
            t, cpu = time.perf_counter(), time.process_time()
            if variant == "flow":
                result = daily_cycle(as_of=AS_OF, database_url=url, batch_size=args.batch_size)
            else:
                result = run_day(engine, AS_OF, bundle, batch_size=args.batch_size)
            wall, used = time.perf_counter() - t, time.process_time() - cpu
            timings[variant].append((wall, used))
            results[variant] = result
            print(f"  run {i + 1}/{len(order)} {variant}: {wall:.1f} s wall, {used:.1f} s CPU")
            engine.dispose()
            store.discard(f"run{i}")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        flow_s, flow_cpu = min(timings["flow"])
        core_s, core_cpu = min(timings["core"])
        if results["flow"]["actions"] != results["core"]["actions"]:
            print("WARNING: flow and core differ")
        n = results["flow"]["cases"]
        backend = "PostgreSQL" if args.pg else "SQLite"
        print(f"{n:,} open cases on {backend} (generated in {store.generated:.0f} s)")
        print(f"actions: {sum(results['flow']['actions'].values()):,} {results['flow']['actions']}")
        print(
            f"through the flow : {flow_s:8.1f} s wall {n / flow_s:10,.0f} cases/s "
            f"({flow_cpu:.1f} s CPU in this process)"
        )
        print(
            f"core, no Prefect : {core_s:8.1f} s wall {n / core_s:10,.0f} cases/s "
            f"({core_cpu:.1f} s CPU in this process)"
        )
        print(
            f"Prefect overhead : {100 * (flow_s - core_s) / core_s:+.1f} % wall, "
            f"{100 * (flow_cpu - core_cpu) / core_cpu:+.1f} % CPU "
            f"(best of {args.repeat}; the local Prefect server runs in its own process)"
        )
        print(
            f"load average now : {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
            f"on {os.cpu_count()} CPUs (other work on the machine slows the wall times)"
        )
        print(f"peak memory (maxrss of this process): {rss:,.0f} MB")
        print(
            f"targets: < 600 s {'OK' if flow_s < 600 else 'MISSED'}; overhead <= 10 % "
            f"{'OK' if flow_s - core_s <= 0.1 * core_s else 'MISSED'}; memory < 2048 MB "
            f"{'OK' if rss < 2048 else 'MISSED'}"
        )
    finally:
        store.close()


if __name__ == "__main__":
    main()
