"""Benchmark: the KPI report over N cases and D days of snapshot history, against the bare SQL
aggregates it is built from.

    .venv/bin/python benchmarks/report.py                    # 1,000,000 cases, 30 days, SQLite
    .venv/bin/python benchmarks/report.py --cases 200000     # a quicker run (about 6M snapshots)
    .venv/bin/python benchmarks/report.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test

Phases, each in its own process (so each peak memory is its own):
- generate: customers, accounts, cases (owners from the shipped roster, stages by bucket, 10%
  closed in the period), D days of balance snapshots per account (buckets rolling, some cures,
  1% absent on a day), a milestone per case (met, missed, waived or open), 2% pending reviews and
  one daily cycle row; bulk-inserted with executemany (tasks/bulk.insert_many);
- capture: `build_report` once, recording every SQL statement it sends (and warming the cache);
- floor: those statements replayed bare through the driver (exec_driver_sql + fetchall);
- report: `build_report` (the numbers) and then HTML with its charts and the PDF, as
  `duecourse report --format pdf` does.
Prints seconds (wall and CPU), peak memory (ru_maxrss) and the ratio floor / report (target
>= 0.5). --repeat runs floor and report that many times, alternating, and keeps the best.
"""

from __future__ import annotations

import argparse
import os
import pickle
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pg_scratch import drop_schema, pg_schema

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

END = date(2026, 11, 2)
CHUNK = 20_000
STAGE_BY_BUCKET = ["early_warning", "soft_reminder", "formal_demand", "negotiation",
                   "lawyer_letter", "payment_order", "litigation", "enforcement"]  # fmt: skip
LEGAL = {"lawyer_letter", "payment_order", "litigation", "enforcement"}
COLUMNS = {
    "customer": ["id", "name", "id_number", "phone", "created_at", "updated_at"],
    "card_account": ["id", "customer_id", "credit_limit", "principal", "interest", "fees",
                     "minimum_due", "days_past_due", "last_as_of", "created_at", "updated_at"],
    "collection_case": ["id", "account_id", "customer_id", "status", "bucket", "stage", "owner",
                        "opened_on", "stage_entered_on", "closed_on", "outcome", "max_dpd",
                        "version", "created_at", "updated_at"],
    "balance_snapshot": ["account_id", "as_of", "principal", "interest", "fees", "minimum_due",
                         "days_past_due", "bucket"],
    "milestone": ["case_id", "kind", "stage", "entry_on", "opened_on", "due", "status", "owner",
                  "owner_role", "on_miss", "closed_on", "policy_version", "created_at",
                  "updated_at"],
    "review": ["case_id", "target_stage", "required_role", "status", "opened_on", "key",
               "policy_version", "created_at"],
    "cycle_run": ["as_of", "flow", "policy_version", "status", "cases", "counts", "risk_changes",
                  "skipped", "capacity_exceeded", "warnings", "started_at"],
}  # fmt: skip


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Gen:
    """One account's history and its case, drawn from a seeded generator."""

    def __init__(self, rng: random.Random, days: int, buckets: Any, staff: dict[str, list[str]]):
        self.rng, self.days, self.buckets, self.staff = rng, days, buckets, staff

    def snapshots(self, account: str, conn: Any, start: date) -> tuple[list[tuple[Any, ...]], int]:
        rng = self.rng
        dpd = rng.choice((0, rng.randint(1, 30), rng.randint(31, 90), rng.randint(91, 240)))
        cure_day = rng.randint(1, self.days * 4)  # about one in four cures within the period
        principal = rng.randint(1_000_00, 200_000_00)
        rows = []
        for t in range(self.days):
            if t == cure_day:
                dpd = 0
            elif dpd:
                dpd += 1
            if rng.random() < 0.003:
                principal = max(principal - rng.randint(100_00, 5_000_00), 0)
            if rng.random() < 0.01:
                continue  # absent from this day's file
            day = start + timedelta(days=t)
            bucket = self.buckets.bucket_for(dpd).value
            rows.append((account, _d(conn, day), principal, principal // 50, 5_000,
                         principal // 10, dpd, bucket))  # fmt: skip
        return rows, dpd


def _d(conn: Any, value: date | None) -> Any:
    from tasks.bulk import db_date

    return db_date(conn, value)


def generate(url: str, cases: int, days: int, seed: int) -> None:
    from models.db import make_engine, upgrade
    from rules.enums import Bucket
    from tasks.bulk import db_time, insert_many
    from tasks.policy import load_policy, load_roster

    policy, users = load_policy(None), load_roster(None)
    staff = {r: [u.name for u in users if u.role.value == r] for r in ("collector", "legal")}
    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(seed)
    gen = _Gen(rng, days, policy.buckets, staff)
    start = END - timedelta(days=days - 1)
    with engine.begin() as conn:
        ts = db_time(conn, datetime.now(UTC))
        for lo in range(0, cases, CHUNK):
            cust, acc, case, snap, ms, rev = [], [], [], [], [], []
            for n in range(lo, min(lo + CHUNK, cases)):
                a, c = f"A{n:09d}", f"C{n:09d}"
                rows, dpd = gen.snapshots(a, conn, start)
                snap += rows
                cust.append((c, "测试客户", "330106199001011234", f"138{n % 10**8:08d}", ts, ts))
                acc.append((a, c, 1_000_000, 500_000, 10_000, 5_000, 50_000, dpd,
                            _d(conn, END), ts, ts))  # fmt: skip
                bucket = policy.buckets.bucket_for(dpd)
                stage = STAGE_BY_BUCKET[list(Bucket).index(bucket)]
                owner = rng.choice(staff["legal" if stage in LEGAL else "collector"])
                entered = END - timedelta(days=rng.randint(0, 120))
                closed = rng.random() < 0.1
                closed_on = start + timedelta(days=rng.randint(0, days - 1)) if closed else None
                outcome = rng.choice(("cured", "paid")) if closed else None
                case.append((n + 1, a, c, "closed" if closed else "open",
                             bucket.value, stage, owner,
                             _d(conn, entered - timedelta(days=30)), _d(conn, entered),
                             _d(conn, closed_on), outcome, max(dpd, 1), 1, ts, ts))  # fmt: skip
                status = rng.choice(("open", "open", "met", "met", "met", "missed", "waived"))
                done = None if status == "open" else start + timedelta(days=rng.randint(0, days))
                ms.append((n + 1, "first_contact", stage, _d(conn, entered), _d(conn, entered),
                           _d(conn, entered + timedelta(days=3)), status, owner, "collector",
                           "none", _d(conn, done), "bench", ts, ts))  # fmt: skip
                if rng.random() < 0.02:
                    rev.append((n + 1, "litigation", "legal", "pending", _d(conn, END),
                                f"bench-{n}", "bench", ts))  # fmt: skip
            tables = (("customer", cust), ("card_account", acc), ("collection_case", case),
                      ("balance_snapshot", snap), ("milestone", ms), ("review", rev))  # fmt: skip
            for table, rows in tables:
                insert_many(conn, table, COLUMNS[table], rows)
        run = (_d(conn, END), "daily_cycle", "bench", "succeeded", cases, "{}", 0, 0, False,
               "[]", ts)  # fmt: skip
        insert_many(conn, "cycle_run", COLUMNS["cycle_run"], [run])
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def _period(days: int) -> Any:
    from tasks.report.period import Period

    return Period(END - timedelta(days=days - 1), END)


def capture(url: str, days: int, out: Path) -> dict[str, Any]:
    """Build the numbers once, keeping every statement sent (the floor replays them)."""
    from sqlalchemy import event

    from models.db import make_engine
    from tasks.policy import load_roster
    from tasks.report.build import build_report

    engine = make_engine(url)
    sent: list[tuple[str, Any]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def keep(conn: Any, cursor: Any, statement: str, params: Any, ctx: Any, many: bool) -> None:
        sent.append((statement, params))

    t = time.perf_counter()
    with engine.connect() as conn:
        report = build_report(conn, _period(days), load_roster(None))
    out.write_bytes(pickle.dumps(sent))
    return {"seconds": time.perf_counter() - t, "statements": len(sent),
            "snapshot_days": len(report.rolls.days), "open": report.ageing.total}  # fmt: skip


def floor(url: str, statements: Path) -> dict[str, Any]:
    from models.db import make_engine

    sent = pickle.loads(statements.read_bytes())
    engine = make_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1").all()
        t, cpu = time.perf_counter(), time.process_time()
        rows = sum(len(conn.exec_driver_sql(sql, params).all()) for sql, params in sent)
    return {"seconds": time.perf_counter() - t, "cpu": time.process_time() - cpu,
            "rows": rows, "peak_mb": _peak_mb()}  # fmt: skip


def report(url: str, days: int, out: Path) -> dict[str, Any]:
    from documents.kpi_report import render_html, render_pdf
    from models.db import make_engine
    from tasks.policy import load_roster
    from tasks.report.build import build_report

    engine = make_engine(url)
    users = load_roster(None)
    t, cpu = time.perf_counter(), time.process_time()
    with engine.connect() as conn:
        data = build_report(conn, _period(days), users).as_dict()
    numbers, numbers_cpu = time.perf_counter() - t, time.process_time() - cpu
    pdf = render_pdf(render_html(data))
    out.write_bytes(pdf)
    return {"numbers": numbers, "numbers_cpu": numbers_cpu,
            "seconds": time.perf_counter() - t, "cpu": time.process_time() - cpu,
            "pdf_bytes": len(pdf), "peak_mb": _peak_mb()}  # fmt: skip


def _child(*args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--phase", *args], capture_output=True,
                          text=True, check=False)  # fmt: skip
    if proc.returncode:
        raise SystemExit(f"phase {args[0]} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = pickle.loads(bytes.fromhex(proc.stdout.strip().splitlines()[-1]))
    return result


def _phase(argv: list[str]) -> None:
    name, url, *rest = argv
    if name == "generate":
        t = time.perf_counter()
        generate(url, int(rest[0]), int(rest[1]), int(rest[2]))
        result: dict[str, Any] = {"seconds": time.perf_counter() - t}
    elif name == "capture":
        result = capture(url, int(rest[0]), Path(rest[1]))
    elif name == "floor":
        result = floor(url, Path(rest[0]))
    else:
        result = report(url, int(rest[0]), Path(rest[1]))
    print(pickle.dumps(result).hex())


def _scratch(pg: str | None, work: Path) -> tuple[str, str | None]:
    if pg is None:
        return f"sqlite:///{work / 'report.sqlite'}", None
    schema, url = pg_schema(pg)
    return url, schema


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--phase":
        _phase(sys.argv[2:])
        return
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=1_000_000,
                    help="cases (default 1,000,000; 200,000 is a quicker run)")  # fmt: skip
    ap.add_argument("--days", type=int, default=30, help="days of snapshot history")
    ap.add_argument("--pg", metavar="URL", help="PostgreSQL base URL (a scratch schema is used)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=1, help="rounds of floor and report")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="duecourse-report-bench-"))
    url, schema = _scratch(args.pg, work)
    try:
        gen = _child("generate", url, str(args.cases), str(args.days), str(args.seed))
        print(f"generated {args.cases:,} cases x {args.days} days in {gen['seconds']:.0f} s")
        cap = _child("capture", url, str(args.days), str(work / "sql.pickle"))
        print(f"capture: {cap['statements']} statements, {cap['snapshot_days']} snapshot days, "
              f"{cap['open']:,} open cases ({cap['seconds']:.1f} s, cold)")  # fmt: skip
        floors, reports = [], []
        for i in range(args.repeat):
            order = ("floor", "report") if i % 2 == 0 else ("report", "floor")
            for phase in order:
                if phase == "floor":
                    floors.append(_child("floor", url, str(work / "sql.pickle")))
                else:
                    reports.append(_child("report", url, str(args.days), str(work / "kpi.pdf")))
        f = min(floors, key=lambda r: r["seconds"])
        r = min(reports, key=lambda r: r["numbers"])
        backend = "PostgreSQL" if args.pg else "SQLite"
        print(f"{args.cases:,} cases, {args.days} days of snapshots on {backend} "
              f"(best of {args.repeat}):")  # fmt: skip
        print(f"  bare SQL aggregates (floor): {f['seconds']:7.1f} s wall {f['cpu']:6.1f} s CPU "
              f"peak {f['peak_mb']:,.0f} MB ({f['rows']:,} result rows)")  # fmt: skip
        print(
            f"  report numbers             : {r['numbers']:7.1f} s wall "
            f"{r['numbers_cpu']:6.1f} s CPU  ratio floor/report {f['seconds'] / r['numbers']:.2f}"
        )
        print(f"  report with HTML+charts+PDF: {r['seconds']:7.1f} s wall {r['cpu']:6.1f} s CPU "
              f"peak {r['peak_mb']:,.0f} MB ({r['pdf_bytes']:,} byte PDF)  ratio "
              f"{f['seconds'] / r['seconds']:.2f} (target >= 0.5)")  # fmt: skip
        print(f"  load average now: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
              f"on {os.cpu_count()} CPUs")  # fmt: skip
    finally:
        if schema is not None and args.pg:
            drop_schema(args.pg, schema)
        for p in work.iterdir():
            p.unlink()
        work.rmdir()


if __name__ == "__main__":
    main()
