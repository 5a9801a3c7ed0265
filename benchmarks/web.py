"""Benchmark: the web console's review queue (GET /reviews) and a review page (GET /reviews/{id})
over a store of N cases and M pending reviews, against the same queries run bare, in one run.

    .venv/bin/python benchmarks/web.py                                  # 1M cases, 100k reviews
    .venv/bin/python benchmarks/web.py --cases 100000 --reviews 10000 --requests 300
    .venv/bin/python benchmarks/web.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test

The cases are bulk-inserted like the daily cycle's benchmark (benchmarks/cycle_data.py, in a child
process), the pending reviews with one executemany. The console runs in its own process (uvicorn,
one worker, as `duecourse web` runs it) and a local httpx client signed in as the legal user asks
each page --requests times, one at a time; every answer must be 200.

The floor is the SQL those pages run: each page is asked once in this process (a TestClient over
the same app and store) while a SQLAlchemy cursor hook records the statements and parameters it
sends, apart from the sign-in's (user_credential, login_failure: the session check is part of
what the target allows); then those statements are replayed bare on a DBAPI cursor (execute,
fetchall) the same number of times. A review page's statements are recorded for every review id
the timed run asks for. Prints p50/p95/max of each and the ratios (target: the queue's p95
within 3x its bare queries' p95).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import re
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# Starlette's TestClient (the recording pass) warns that it prefers httpx2: not a finding here.
warnings.filterwarnings("ignore", message=".*httpx2.*")

from cycle_data import AS_OF, in_child  # noqa: E402
from pg_scratch import drop_schema, pg_schema  # noqa: E402

LEGAL = "demo.xulawyer"
PASSWORD = "benchmark-password-1"
SECRET = "benchmark-secret-" + "x" * 24
AUTH_TABLES = re.compile(r"\b(user_credential|login_failure)\b", re.IGNORECASE)
Statement = tuple[str, Any]  # SQL as sent to the driver, and its parameters


def add_reviews(url: str, reviews: int, cases: int, seed: int) -> float:
    """`reviews` pending lawyer's-letter reviews on cases spread over the book (opened over the
    30 days before AS_OF, so the queue's order has work to do), and the legal user's password."""
    from sqlmodel import Session

    from models.db import make_engine
    from tasks.bulk import db_date, db_time, insert_many
    from tasks.credentials import set_password

    t = time.perf_counter()
    rng = random.Random(seed)
    engine = make_engine(url)
    step = max(cases // reviews, 1)
    with engine.begin() as conn:
        ts = db_time(conn, datetime.now(UTC))
        rows = [
            (case_id, "lawyer_letter", "legal", "pending",
             db_date(conn, AS_OF - timedelta(days=rng.randint(0, 29))),
             f"{case_id}|review:lawyer_letter|bench|{AS_OF}", "bench", ts)
            for case_id in range(1, step * reviews + 1, step)
        ][:reviews]  # fmt: skip
        columns = ["case_id", "target_stage", "required_role", "status", "opened_on", "key",
                   "policy_version", "created_at"]  # fmt: skip
        insert_many(conn, "review", columns, rows)
    with Session(engine) as s:
        set_password(s, LEGAL, PASSWORD)
        s.commit()
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    engine.dispose()
    return time.perf_counter() - t


def make_app(url: str) -> Any:
    from duecourse.settings import Settings
    from duecourse.web import create_app

    home = Path(os.environ["DUECOURSE_BENCH_HOME"])
    return create_app(Settings(home=home, url=url, policy_dir=ROOT / "policy"), secret=SECRET)


def serve(url: str, port: int) -> None:
    """The console in this (child) process, as `duecourse web` runs it: one uvicorn worker."""
    import uvicorn

    uvicorn.run(make_app(url), host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_console(url: str) -> Iterator[str]:
    port = free_port()
    proc = mp.get_context("spawn").Process(target=serve, args=(url, port), daemon=True)
    proc.start()
    base = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{base}/login", timeout=2)
            break
        except httpx.TransportError:
            if not proc.is_alive() or time.monotonic() > deadline:
                raise SystemExit("the web console did not start") from None
            time.sleep(0.1)
    try:
        yield base
    finally:
        proc.terminate()
        proc.join(10)


CSRF = re.compile(r'name="csrf"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf"')


def sign_in(client: Any) -> None:
    """Through the login form, as a person would (its CSRF token from the page)."""
    page = client.get("/login")
    found = CSRF.search(page.text)
    token = (found.group(1) or found.group(2)) if found else ""
    answer = client.post(
        "/login", data={"name": LEGAL, "password": PASSWORD, "csrf": token, "next": "/reviews"}
    )
    landed = answer.headers.get("location", str(answer.url))
    if answer.status_code >= 400 or "/login" in landed:
        raise SystemExit(f"cannot sign in as {LEGAL}: {answer.status_code}")


def timed_pages(client: Any, paths: list[str]) -> list[float]:
    out = []
    for path in paths:
        t = time.perf_counter()
        answer = client.get(path)
        out.append(time.perf_counter() - t)
        if answer.status_code != 200:
            raise SystemExit(f"GET {path}: {answer.status_code}")
    return out


def record_statements(url: str, paths: list[str]) -> dict[str, list[Statement]]:
    """The statements each distinct path sends to the database (the sign-in's left out),
    recorded while a TestClient asks it once over the same app and store."""
    import sqlalchemy as sa
    from fastapi.testclient import TestClient

    current: list[Statement] = []

    def hook(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if not AUTH_TABLES.search(statement):
            current.append((statement, parameters))

    out: dict[str, list[Statement]] = {}
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", hook)
    try:
        with TestClient(make_app(url), base_url="http://127.0.0.1") as client:
            sign_in(client)
            for path in dict.fromkeys(paths):
                current.clear()
                if client.get(path).status_code != 200:
                    raise SystemExit(f"GET {path} failed while recording its statements")
                out[path] = list(current)
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", hook)
    return out


def timed_bare(url: str, paths: list[str], recorded: dict[str, list[Statement]]) -> list[float]:
    """Each path's recorded statements replayed on one DBAPI connection: execute and fetch."""
    from models.db import make_engine

    engine = make_engine(url)
    raw = engine.raw_connection()
    out = []
    try:
        cursor = raw.cursor()
        for path in paths:
            t = time.perf_counter()
            for statement, parameters in recorded[path]:
                cursor.execute(statement, parameters)
                if cursor.description is not None:
                    cursor.fetchall()
            out.append(time.perf_counter() - t)
        raw.rollback()
    finally:
        raw.close()
        engine.dispose()
    return out


def quantiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, max(samples) * 1000


def line(name: str, samples: list[float]) -> tuple[float, float, float]:
    p50, p95, top = quantiles(samples)
    print(f"  {name:<34} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms   max {top:8.2f} ms")
    return p50, p95, top


def review_ids(url: str, count: int, seed: int) -> list[int]:
    import sqlalchemy as sa

    from models.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        ids = list(conn.execute(sa.text("SELECT id FROM review")).scalars())
    engine.dispose()
    rng = random.Random(seed)
    return [rng.choice(ids) for _ in range(count)]


ROUND = 100  # requests of each kind per round: live and bare alternate, so both meet the same load


def measure(url: str, args: argparse.Namespace) -> None:
    """Record each page's statements first (a broken app fails here, before the long part),
    then alternate rounds of live requests and bare replays of the same paths."""
    import httpx

    queue = ["/reviews"] * args.requests
    pages = [f"/reviews/{i}" for i in review_ids(url, args.requests, args.seed)]
    t = time.perf_counter()
    recorded = record_statements(url, queue[:1] + pages)
    print(f"  (statements recorded in {time.perf_counter() - t:.1f} s: "
          f"{len(recorded['/reviews'])} for the queue, "
          f"{len(recorded[pages[0]])} for a review page)")  # fmt: skip
    samples: dict[str, list[float]] = {k: [] for k in ("live q", "bare q", "live p", "bare p")}
    with live_console(url) as base, httpx.Client(base_url=base, timeout=120) as client:
        sign_in(client)
        timed_pages(client, queue[:10] + pages[:10])  # warm-up: imports, caches, templates
        timed_bare(url, queue[:10] + pages[:10], recorded)
        for start in range(0, args.requests, ROUND):
            q, p = queue[start : start + ROUND], pages[start : start + ROUND]
            samples["live q"] += timed_pages(client, q)
            samples["bare q"] += timed_bare(url, q, recorded)
            samples["live p"] += timed_pages(client, p)
            samples["bare p"] += timed_bare(url, p, recorded)
    results = {
        "GET /reviews": line("GET /reviews (live)", samples["live q"]),
        "bare /reviews": line("queue's SQL, bare", samples["bare q"]),
        "GET /reviews/{id}": line("GET /reviews/{id} (live)", samples["live p"]),
        "bare /reviews/{id}": line("review page's SQL, bare", samples["bare p"]),
    }
    print()
    for page in ("/reviews", "/reviews/{id}"):
        live, bare = results[f"GET {page}"], results[f"bare {page}"]
        print(f"ratio {page + ' / bare':<24} p50 {live[0] / bare[0]:6.2f}x   "
              f"p95 {live[1] / bare[1]:6.2f}x")  # fmt: skip
    verdict = "met" if results["GET /reviews"][1] <= 3 * results["bare /reviews"][1] else "MISSED"
    print(f"target (queue p95 within 3x its bare queries' p95): {verdict}")


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--reviews", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=1_000, help="requests per page")
    ap.add_argument("--pg", metavar="URL", help="PostgreSQL base URL (a scratch schema is used)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", action="store_true", help="keep the generated SQLite store")
    ap.add_argument("--store", metavar="FILE", help="a SQLite store a --keep run left: reused")
    args = ap.parse_args()
    if args.reviews > args.cases:
        raise SystemExit("--reviews cannot exceed --cases (one pending review per case)")
    print(f"load average before: {loadavg()} on {os.cpu_count()} CPUs")
    work = Path(args.store).parent if args.store else Path(tempfile.mkdtemp(prefix="dc-web-"))
    os.environ["DUECOURSE_BENCH_HOME"] = str(work)
    schema = None
    if args.pg:
        schema, url = pg_schema(args.pg)
    else:
        url = f"sqlite:///{work / 'duecourse.sqlite'}"
    try:
        made = added = 0.0
        if not args.store:
            made = in_child(url, args.cases, args.seed)
            added = add_reviews(url, args.reviews, args.cases, args.seed)
        backend = "PostgreSQL" if args.pg else "SQLite"
        print(f"{args.cases:,} cases and {args.reviews:,} pending reviews on {backend} "
              f"(generated in {made:.0f} s + {added:.0f} s); {args.requests:,} requests "
              f"per page, one at a time")  # fmt: skip
        measure(url, args)
        print(f"load average after: {loadavg()} (other work on the machine slows wall times)")
    finally:
        if args.pg and schema:
            drop_schema(args.pg, schema)
        if args.keep or args.store:
            print(f"store kept: --store {work / 'duecourse.sqlite'}")
        else:
            import shutil

            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
