"""Benchmark: one daily cycle over N open cases - the core without Prefect, the Prefect flow and the
bare set-based SQL floor (benchmarks/cycle_floor.py) - each on a fresh copy of the same store, in
one process, with the same day run again on the same store (the rerun) for the core and the floor.

    .venv/bin/python benchmarks/daily_cycle.py --cases 100000                # SQLite
    .venv/bin/python benchmarks/daily_cycle.py --cases 100000 \\
        --pg postgresql+psycopg://postgres@127.0.0.1:5432/test --workers 1,2,4 --dask

Prints cases/s of each variant, the ratios core/floor and flow/floor, the reruns and their
ratio, the flow with 1, 2 and 4 batches at once (--workers, PostgreSQL; SQLite runs one at a
time), the flow on a Dask LocalCluster (--dask: prefect-dask, a development extra; its time
includes starting the cluster), the peak memory (ru_maxrss of this process; the data is
generated in a child process) and the machine's load (/proc/loadavg) before and after. The
Prefect API (a temporary server when none is configured) is started before timing.
"""

from __future__ import annotations

import argparse
import faulthandler
import os
import resource
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ["PYTHONPATH"] = os.pathsep.join(  # Dask's worker processes import the project too
    [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
)

from cycle_data import AS_OF, Store  # noqa: E402
from cycle_floor import floor_cycle  # noqa: E402


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(call: Any) -> tuple[dict[str, Any], float, float]:
    t, cpu = time.perf_counter(), time.process_time()
    result = call()
    return result, time.perf_counter() - t, time.process_time() - cpu


class Bench:
    def __init__(self, args: argparse.Namespace, store: Store) -> None:
        self.args, self.store = args, store
        self.rows: list[tuple[str, float, float, int, str]] = []  # name, s, cpu, cases, note
        self.runs = 0

    def fresh(self) -> str:
        self.runs += 1
        return self.store.fresh(f"run{self.runs}")

    def add(self, name: str, wall: float, cpu: float, cases: int, note: str = "") -> None:
        self.rows.append((name, wall, cpu, cases, note))
        rate = cases / wall if wall else 0.0
        print(f"  {name:<28} {wall:8.2f} s wall {cpu:7.2f} s CPU {rate:12,.0f} cases/s {note}")

    def core(self) -> dict[str, Any]:
        from flows.daily_cycle import engine_for
        from tasks.cycle.core import PolicyBundle, run_day

        bundle = PolicyBundle.load(None)
        engine = engine_for(self.fresh())  # migrated before timing
        first, wall, cpu = timed(lambda: run_day(engine, AS_OF, bundle, self.args.batch_size))
        self.add("core (no Prefect)", wall, cpu, first["cases"])
        again, wall, cpu = timed(lambda: run_day(engine, AS_OF, bundle, self.args.batch_size))
        self.add("core rerun, same day", wall, cpu, again["cases"],
                 f"({sum(again['actions'].values())} new actions)")  # fmt: skip
        engine.dispose()
        return first

    def floor(self) -> dict[str, Any]:
        url = self.fresh()
        from flows.daily_cycle import engine_for

        engine_for(url).dispose()  # migrated, as for the others
        first = floor_cycle(url, AS_OF)
        steps = ", ".join(f"{k} {v:.1f}" for k, v in first["steps"].items())
        self.add("bare SQL floor", first["seconds"], first["cpu"], first["cases"],
                 f"({first['actions']:,} action lines; s: {steps})")  # fmt: skip
        again = floor_cycle(url, AS_OF)
        self.add("floor rerun, same day", again["seconds"], again["cpu"], again["cases"],
                 f"({again['actions']} new lines, {again['changed']} cases changed)")  # fmt: skip
        return first

    def flow(self, workers: int, dask: bool = False) -> dict[str, Any]:
        from flows.daily_cycle import daily_cycle, engine_for

        url = self.fresh()
        engine_for(url)
        if dask:
            os.environ["DUECOURSE_CYCLE_RUNNER"] = "dask"
        try:
            result, wall, cpu = timed(lambda: daily_cycle(
                as_of=AS_OF, database_url=url, batch_size=self.args.batch_size, workers=workers
            ))  # fmt: skip
        finally:
            os.environ.pop("DUECOURSE_CYCLE_RUNNER", None)
        name = f"flow, Dask LocalCluster x{workers}" if dask else f"flow, {workers} worker(s)"
        self.add(name, wall, cpu, result["cases"], "(incl. cluster start)" if dask else "")
        return result


def report(b: Bench, cases: int, actions: int, pg: bool) -> None:
    rate = {name: n / wall for name, wall, _c, n, _note in b.rows if wall}
    secs = {name: wall for name, wall, *_ in b.rows}
    floor_rate = rate["bare SQL floor"]
    backend = "PostgreSQL" if pg else "SQLite"
    print(f"\n{cases:,} open cases on {backend} (generated in {b.store.generated:.0f} s); "
          f"Duecourse's actions of the day: {actions:,}")  # fmt: skip
    for name in [n for n in rate if n.startswith(("core (", "flow"))]:
        print(f"ratio {name + ' / floor':<38}: {rate[name] / floor_rate:6.3f}")
    if "core rerun, same day" in secs:
        core, floor = secs["core rerun, same day"], secs["floor rerun, same day"]
        print(
            f"rerun: core {core:.2f} s, floor {floor:.2f} s, ratio floor/core {floor / core:6.3f}"
        )
    print(f"peak memory (maxrss of this process): {rss_mb():,.0f} MB")


def main() -> None:
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 <pid>`: where a slow run spends its time
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--pg", metavar="URL", help="PostgreSQL base URL (scratch schemas are used)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--batch-size", type=int, default=20_000)
    ap.add_argument("--workers", default="1", help="flow runs with N batches at once: 1,2,4")
    ap.add_argument("--dask", action="store_true", help="also the flow on a Dask LocalCluster")
    ap.add_argument("--skip-core", action="store_true", help="only the floor and the flow(s)")
    args = ap.parse_args()
    workers = [int(w) for w in args.workers.split(",")] if args.pg else [1]

    print(f"load average before: {loadavg()} on {os.cpu_count()} CPUs")
    store = Store(Path(tempfile.mkdtemp(prefix="duecourse-bench-")), args.cases, args.seed, args.pg)
    try:
        t = time.perf_counter()
        from prefect import flow

        @flow(name="bench-warm-up")
        def warm_up() -> int:
            return 1

        warm_up()
        print(f"Prefect import and API start-up (not timed below): {time.perf_counter() - t:.1f} s")
        b = Bench(args, store)
        floor = b.floor()
        done = b.core() if not args.skip_core else {}
        print(f"  peak memory after the core: {rss_mb():,.0f} MB")
        for n in workers:
            done = b.flow(n)
        if args.dask and args.pg:
            b.flow(max(workers), dask=True)
        actions = sum(done["actions"].values()) if done else 0
        report(b, floor["cases"], actions, bool(args.pg))
        print(f"load average after: {loadavg()} (other work on the machine slows wall times)")
    finally:
        store.close()


if __name__ == "__main__":
    main()
