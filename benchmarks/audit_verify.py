"""Benchmark: `duecourse audit verify` over a million chained rows (issue 19's speed item).

    .venv/bin/python benchmarks/audit_verify.py                  # 1,000,000 rows, SQLite (+ PG)
    .venv/bin/python benchmarks/audit_verify.py --rows 100000 --no-pg

Writes N rows of a valid chain into a fresh SQLite file (and a scratch PostgreSQL schema when
--pg, DUECOURSE_TEST_PG_URL or the local test server answers): the rows are computed in Python
with the chain's own hash function and bulk-inserted (executemany on SQLite, COPY on
PostgreSQL), a chunk at a time. Then times, on each store:

- the floor: a bare loop reading every row with the same chunked keyset query, doing nothing
  with them (what any check has to pay to read the table);
- verify: tasks/audit.verify_store, the code behind `duecourse audit verify` (read, rebuild
  each row, recompute its hash, check ids and links).

Prints rows/s of each, the ratio verify/floor time, and the peak memory of a verify pass
(tracemalloc: the Python heap it allocates, in a separate, slower pass; flat whatever N) beside
the process's maxrss. No assertion on time: figures to read, with the machine's load.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import sqlalchemy as sa  # noqa: E402
from pg_scratch import drop_schema, pg_schema  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from models.db import make_engine, upgrade  # noqa: E402
from rules.audit_chain import GENESIS, canonical_data, entry_hash  # noqa: E402
from rules.enums import AuditAction  # noqa: E402
from tasks.audit import CHUNK, chain_rows, verify_store  # noqa: E402
from tasks.bulk import db_time  # noqa: E402

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WRITE_CHUNK = 50_000
COLUMNS = (
    "id", "at", "actor", "action", "subject_type", "subject_id", "case_id", "data", "prev_hash",
    "hash",
)  # fmt: skip
ACTIONS = [a.value for a in AuditAction]


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def rows(n: int) -> Iterator[tuple[Any, ...]]:
    """A valid chain of n rows, in the shapes the daily cycle and reviews write."""
    t0 = datetime(2026, 11, 2, 21, 30, tzinfo=UTC)
    prev = GENESIS
    template = canonical_data(
        {"from": "formal_demand", "to": "lawyer_letter", "why": "ladder", "on": "2026-11-03",
         "policy_version": "3f9c2a1b7d0e", "n": 0}
    )  # fmt: skip
    for i in range(1, n + 1):
        at = t0 + timedelta(microseconds=37 * i)
        action = ACTIONS[i % len(ACTIONS)]
        case_id = i % 250_000 + 1
        data = template.replace('"n":0', f'"n":{i}')  # canonical: keys sorted, plain text
        digest = entry_hash(
            prev, at=at, actor="daily_cycle", action=action, subject_type="case",
            subject_id=str(case_id), case_id=case_id, data=data,
        )  # fmt: skip
        yield (i, at, "daily_cycle", action, "case", str(case_id), case_id, data, prev, digest)
        prev = digest


def fill(engine: Engine, n: int) -> float:
    """Write the chain a chunk at a time; seconds taken."""
    t = time.perf_counter()
    pg = engine.dialect.name == "postgresql"
    batch: list[tuple[Any, ...]] = []
    with engine.begin() as conn:
        sql = f"INSERT INTO audit_entry ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * 10)})"

        def flush() -> None:
            if not batch:
                return
            if pg:
                raw = conn.connection.driver_connection
                copy_sql = f"COPY audit_entry ({', '.join(COLUMNS)}) FROM STDIN"
                with raw.cursor() as cur, cur.copy(copy_sql) as copy:  # type: ignore[union-attr]
                    for r in batch:
                        copy.write_row(r)
            else:
                stamped = [(r[0], db_time(conn, r[1]), *r[2:]) for r in batch]
                conn.exec_driver_sql(sql, stamped)  # type: ignore[arg-type]
            batch.clear()

        for r in rows(n):
            batch.append(r)
            if len(batch) >= WRITE_CHUNK:
                flush()
        flush()
    if pg:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE audit_entry")
    return time.perf_counter() - t


def floor(engine: Engine) -> int:
    """Read every row with verify's own chunked keyset query, and do nothing with it."""
    sql = (
        f"SELECT {', '.join(COLUMNS)} FROM audit_entry WHERE id > {{after}} ORDER BY id "
        f"LIMIT {CHUNK}"
    )
    n, after = 0, -1
    with engine.connect() as conn:
        while True:
            got = conn.exec_driver_sql(sql.format(after=after)).fetchall()
            n += len(got)
            if len(got) < CHUNK:
                return n
            after = int(got[-1][0])


def timed(call: Any) -> tuple[Any, float]:
    t = time.perf_counter()
    result = call()
    return result, time.perf_counter() - t


def bench(name: str, engine: Engine, n: int, rounds: int) -> None:
    upgrade(engine)
    print(f"\n{name}: writing {n:,} chained rows ...", flush=True)
    print(f"  written in {fill(engine, n):.1f} s (hashes computed in Python, bulk insert)")
    floor_s, verify_s = [], []
    for _ in range(rounds):  # alternating, so both meet the same load
        got, s = timed(lambda: floor(engine))
        assert got == n, got
        floor_s.append(s)
        with engine.connect() as conn:
            verdict, s = timed(lambda: verify_store(conn))
        assert verdict.ok and verdict.checked == n, verdict
        verify_s.append(s)
    f, v = min(floor_s), min(verify_s)
    print(f"  floor (read only)  {f:7.2f} s  {n / f:12,.0f} rows/s   (best of {rounds})")
    print(f"  verify             {v:7.2f} s  {n / v:12,.0f} rows/s   (best of {rounds})")
    print(f"  ratio verify/floor time: {v / f:.2f}x")
    tracemalloc.start()
    with engine.connect() as conn:
        rows_seen = sum(1 for _ in chain_rows(conn))
        _, read_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        verify_store(conn)
        _, verify_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert rows_seen == n
    print(f"  peak Python heap of a verify pass (tracemalloc): {verify_peak / 2**20:.1f} MiB "
          f"(reading alone: {read_peak / 2**20:.1f} MiB)")  # fmt: skip


def pg_url(arg: str | None, skip: bool) -> str | None:
    if skip:
        return None
    url = arg or os.environ.get("DUECOURSE_TEST_PG_URL") or PG_DEFAULT
    try:
        eng = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        eng.dispose()
    except Exception as exc:  # no server: SQLite only, said so
        print(f"PostgreSQL not reachable at {url} ({type(exc).__name__}): SQLite only")
        return None
    return url


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=2, help="timed rounds of floor and verify")
    ap.add_argument("--pg", metavar="URL", help="PostgreSQL base URL (a scratch schema is used)")
    ap.add_argument("--no-pg", action="store_true", help="SQLite only")
    args = ap.parse_args()
    print(f"load average before: {loadavg()} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="duecourse-audit-") as work:
        engine = make_engine(f"sqlite:///{Path(work) / 'audit.sqlite'}")
        try:
            bench("SQLite", engine, args.rows, args.rounds)
        finally:
            engine.dispose()
    base = pg_url(args.pg, args.no_pg)
    if base is not None:
        schema, url = pg_schema(base)
        engine = make_engine(url)
        try:
            bench("PostgreSQL", engine, args.rows, args.rounds)
        finally:
            engine.dispose()
            drop_schema(base, schema)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of the process (maxrss, writing included): {rss:,.0f} MB")
    print(f"load average after: {loadavg()} (other work on the machine slows wall times)")


if __name__ == "__main__":
    main()
