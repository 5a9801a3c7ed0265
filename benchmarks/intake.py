"""Intake benchmark: a 1,000,000-row snapshot imported into SQLite, against a bare bulk load.

    .venv/bin/python benchmarks/intake.py [--rows 1000000] [--keep DIR]

Prints rows/s for the Duecourse import (first load, then the same file again as a daily re-import)
and for the floor - the same CSV read with csv.reader and executemany'd as tuples into one table
in one transaction - with the ratio and the peak memory (RSS) of each phase, each in its own
process. Targets (issue 3): ratio >= 0.5, peak memory < 500 MB.
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

AS_OF = date(2026, 11, 2)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_generate(path: Path, rows: int) -> dict[str, float]:
    from duecourse.synthetic import write_portfolio_file

    start = time.perf_counter()
    write_portfolio_file(path, rows, 11, AS_OF)
    return {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb()}


def phase_import(path: Path, db: Path) -> dict[str, float]:
    from models.db import open_engine
    from tasks.intake import import_snapshot
    from tasks.policy import load_policy

    engine = open_engine(f"sqlite:///{db}")
    start, cpu = time.perf_counter(), time.process_time()
    policy = load_policy(None)
    result = import_snapshot(engine, path, AS_OF, quarantine_dir=db.parent / "q", policy=policy)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "cpu": time.process_time() - cpu, "peak_mb": _peak_mb(),
            "rows": result.rows, "imported": result.imported}  # fmt: skip


def phase_bare(path: Path, db: Path) -> dict[str, float]:
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


def _child(*args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", *args], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temp dir)")
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        name, *rest = args.phase
        if name == "generate":
            print(json.dumps(phase_generate(Path(rest[0]), int(rest[1]))))
        elif name == "import":
            print(json.dumps(phase_import(Path(rest[0]), Path(rest[1]))))
        else:
            print(json.dumps(phase_bare(Path(rest[0]), Path(rest[1]))))
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="duecourse-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / "snapshot.csv"
    n = args.rows
    gen = _child("generate", str(csv_path), str(n))
    print(
        f"generated {n:,} rows in {gen['seconds']:.1f} s ({csv_path.stat().st_size / 1e6:.0f} MB)"
    )
    bare = _child("bare", str(csv_path), str(work / "bare.sqlite"))
    first = _child("import", str(csv_path), str(work / "duecourse.sqlite"))
    again = _child("import", str(csv_path), str(work / "duecourse.sqlite"))
    bare_rate = n / bare["seconds"]
    print(
        f"bare executemany floor: {bare['seconds']:.1f} s wall ({bare['cpu']:.1f} s CPU), "
        f"{bare_rate:,.0f} rows/s, peak {bare['peak_mb']:.0f} MB"
    )
    for label, r in (("first load", first), ("re-import (same file)", again)):
        rate = n / r["seconds"]
        print(
            f"duecourse import, {label}: {r['seconds']:.1f} s wall ({r['cpu']:.1f} s CPU), "
            f"{rate:,.0f} rows/s, peak {r['peak_mb']:.0f} MB, ratio to bare "
            f"{rate / bare_rate:.2f} wall, {bare['cpu'] / r['cpu']:.2f} CPU"
        )
    print("targets: ratio >= 0.5, peak memory < 500 MB")


if __name__ == "__main__":
    main()
