"""Intake benchmark: a snapshot imported into SQLite (and PostgreSQL), against a bare bulk load of
the same rows on the same database, in the same run.

    .venv/bin/python benchmarks/intake.py [--rows 1000000] [--keep DIR] [--pg URL]

Prints rows/s for the Duecourse import (first load, then the same file again as a daily
re-import) and for each database's floor, with the ratio and the peak memory (RSS) of each
phase, each in its own process. The floors: on SQLite the CSV read with csv.reader and
executemany'd as tuples into one bare table in one transaction; on PostgreSQL the same rows read
with csv.reader and sent by COPY (psycopg's write_row) into one bare table of text columns.
`--pg URL` (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) runs PostgreSQL too, in
scratch schemas dropped afterwards. The machine's load (/proc/loadavg) is printed before and
after. Targets (issue 15): ratio >= 0.5 on both, peak memory < 500 MB.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from pg_scratch import drop_schema, pg_schema

AS_OF = date(2026, 11, 2)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return "unknown"


def phase_generate(path: Path, rows: int) -> dict[str, float]:
    from duecourse.synthetic import write_portfolio_file

    start = time.perf_counter()
    write_portfolio_file(path, rows, 11, AS_OF)
    return {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb()}


def phase_import(path: Path, url: str, quarantine: Path) -> dict[str, float]:
    from models.db import open_engine
    from tasks.intake import import_snapshot
    from tasks.policy import load_policy

    engine = open_engine(url)
    start, cpu = time.perf_counter(), time.process_time()
    policy = load_policy(None)
    result = import_snapshot(engine, path, AS_OF, quarantine_dir=quarantine, policy=policy)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "cpu": time.process_time() - cpu, "peak_mb": _peak_mb(),
            "rows": result.rows, "imported": result.imported}  # fmt: skip


def phase_bare_sqlite(path: Path, db: Path) -> dict[str, float]:
    start, cpu = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(db)
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        cols = ", ".join(f"c{i}" for i in range(len(header)))
        conn.execute(f"CREATE TABLE snapshot ({cols})")
        marks = ", ".join("?" * len(header))
        conn.executemany(f"INSERT INTO snapshot VALUES ({marks})", reader)
    conn.commit()
    conn.close()
    return {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "peak_mb": _peak_mb(),
    }


def phase_bare_pg(path: Path, url: str) -> dict[str, float]:
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    start, cpu = time.perf_counter(), time.process_time()
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            cols = ", ".join(f"c{i} text" for i in range(len(header)))
            cur.execute(f"CREATE TABLE snapshot ({cols})")
            with cur.copy("COPY snapshot FROM STDIN") as copy:
                for row in reader:
                    copy.write_row(row)
        conn.commit()
    return {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "peak_mb": _peak_mb(),
    }


def _child(*args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", *args], check=True, capture_output=True, text=True
    )
    data: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return data


def _report(backend: str, n: int, bare: dict[str, float], runs: list[dict[str, float]]) -> None:
    bare_rate = n / bare["seconds"]
    print(
        f"{backend} floor: {bare['seconds']:.1f} s wall ({bare['cpu']:.1f} s CPU), "
        f"{bare_rate:,.0f} rows/s, peak {bare['peak_mb']:.0f} MB"
    )
    for label, r in zip(("first load", "re-import (same file)"), runs, strict=True):
        rate = n / r["seconds"]
        print(
            f"{backend} duecourse import, {label}: {r['seconds']:.1f} s wall "
            f"({r['cpu']:.1f} s CPU), {rate:,.0f} rows/s, peak {r['peak_mb']:.0f} MB, "
            f"ratio to floor {rate / bare_rate:.2f}"
        )


def _run_phase(name: str, rest: list[str]) -> None:
    if name == "generate":
        print(json.dumps(phase_generate(Path(rest[0]), int(rest[1]))))
    elif name == "import":
        print(json.dumps(phase_import(Path(rest[0]), rest[1], Path(rest[2]))))
    elif name == "bare-pg":
        print(json.dumps(phase_bare_pg(Path(rest[0]), rest[1])))
    else:
        print(json.dumps(phase_bare_sqlite(Path(rest[0]), Path(rest[1]))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temp dir)")
    parser.add_argument("--pg", metavar="URL", help="PostgreSQL base URL (scratch schemas)")
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        _run_phase(args.phase[0], args.phase[1:])
        return
    print(f"load before: {_load()}")
    work = args.keep or Path(tempfile.mkdtemp(prefix="duecourse-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / "snapshot.csv"
    n = args.rows
    if not csv_path.is_file():
        gen = _child("generate", str(csv_path), str(n))
        print(f"generated {n:,} rows in {gen['seconds']:.1f} s")
    print(f"file: {csv_path.stat().st_size / 1e6:.0f} MB")
    for stale in ("bare.sqlite", "duecourse.sqlite"):
        (work / stale).unlink(missing_ok=True)
    bare = _child("bare", str(csv_path), str(work / "bare.sqlite"))
    url = f"sqlite:///{work / 'duecourse.sqlite'}"
    runs = [_child("import", str(csv_path), url, str(work / "q")) for _ in range(2)]
    _report("SQLite", n, bare, runs)
    if args.pg:
        schemas = [pg_schema(args.pg) for _ in range(2)]
        try:
            bare = _child("bare-pg", str(csv_path), schemas[0][1])
            runs = [
                _child("import", str(csv_path), schemas[1][1], str(work / "q")) for _ in range(2)
            ]
            _report("PostgreSQL", n, bare, runs)
        finally:
            for schema, _ in schemas:
                drop_schema(args.pg, schema)
    print(f"load after: {_load()}")
    print("targets: ratio >= 0.5 on both databases, peak memory < 500 MB")


if __name__ == "__main__":
    main()
