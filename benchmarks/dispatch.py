"""Benchmark: the contact dispatcher (gate on) against the bare floor of each channel, in one run.

    .venv/bin/python benchmarks/dispatch.py                       # 100,000 SMS, 10,000 e-mails
    .venv/bin/python benchmarks/dispatch.py --quick               # 10,000 / 1,000 / 100 letters
    .venv/bin/python benchmarks/dispatch.py \\
        --database-url postgresql+psycopg://127.0.0.1:5432/test    # a scratch schema, dropped
    .venv/bin/python benchmarks/dispatch.py --profile             # and where the SMS time goes

A synthetic book is imported through the real intake and one planned reminder line per overdue
case is inserted (benchmarks/dispatch_data.py). Each phase runs in its own process, so its peak
memory (ru_maxrss) is its own:
  sms       dispatch_day over --cases SMS lines, senders from the environment: the file outbox
  floor     the same (key, to, body) lines, message id and time added, JSON-encoded as the
            outbox does and written to a file in one go
  email     dispatch_day over --emails e-mail lines to a local aiosmtpd server (SMTP, no TLS)
  smtplib   the same messages built the same way (build_email) and sent with smtplib alone
            over one connection (MAIL/RCPT/DATA by sendmail)
The SMTP server runs in its own process (a handler that only counts), so its CPU is not charged
to the sender being measured; the count it reports checks that every message arrived.
Then benchmarks/letters.py --n --letters (the mail batch's figures, issue 9). --profile runs the
SMS dispatch once more under cProfile (lines reset to planned, a fresh outbox) and prints the top
15 by cumulative time. Times are wall seconds; no figure is asserted.
Targets (issue 17): outbox >= 0.5x its floor, SMTP >= 0.8x its floor.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from dispatch_data import (  # noqa: E402
    AT,
    add_lines,
    business_day,
    email_messages,
    outbox_lines,
    prepare,
    reset_lines,
)
from pg_scratch import drop_schema, pg_schema  # noqa: E402

SENDER = "collections@bank.example.com"
SMS_OUTBOX = Path("outbox") / "sms.jsonl"
OVERDUE_SHARE = 0.7  # of the synthetic book (about 22% are not yet overdue: M0)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


# --- phases (each in its own process) ---------------------------------------------------------


def phase_dispatch(url: str, home: Path, day: date, profile: bool) -> dict[str, Any]:
    """dispatch_day over the due lines, senders as the environment says (setup not timed)."""
    from models.db import make_engine
    from tasks.channels.settings import senders_from_env
    from tasks.clock import ENV_TODAY
    from tasks.dispatch.run import dispatch_day, make_context

    os.environ[ENV_TODAY] = day.isoformat()  # a simulated day: the run acts at AT, in hours
    engine = make_engine(url)
    senders = senders_from_env(home)
    ctx = make_context(engine, day, policy_dir=None, senders=senders, at=AT)
    out: dict[str, Any] = {}
    start, cpu = time.perf_counter(), time.process_time()
    if profile:
        import cProfile

        prof = cProfile.Profile()
        report = prof.runcall(dispatch_day, ctx)
        out["profile"] = _top(prof)
    else:
        report = dispatch_day(ctx)
    out["seconds"], out["cpu"] = time.perf_counter() - start, time.process_time() - cpu
    for sender in senders.values():
        sender.close()
    summary = report.as_dict()
    out.update(peak_mb=peak_mb(), lines=summary["lines"], batches=summary["batches"],
               by_channel=summary["by_channel"], failures=summary["failures"],
               blocked=summary["blocked"], deferred=summary["deferred"])  # fmt: skip
    return out


def _top(prof: Any) -> str:
    import io
    import pstats

    text = io.StringIO()
    stats = pstats.Stats(prof, stream=text)
    stats.sort_stats("cumulative").print_stats(15)
    text.write("own time (tottime), top 10:\n")
    stats.sort_stats("tottime").print_stats(10)
    text.write("a batch's steps (what dispatch_batch and render_all call, cumulative):\n")
    stats.sort_stats("cumulative").print_callees(r"\(dispatch_batch\)|\(render_all\)")
    return text.getvalue().replace(str(ROOT) + "/", "").replace(sys.prefix + "/", "")


def phase_floor_outbox(outbox: Path, target: Path) -> dict[str, Any]:
    """The outbox's lines written by hand: the same fields, one encoder, one write."""
    import hashlib
    from datetime import UTC, datetime

    lines = outbox_lines(outbox)  # read before timing
    start, cpu = time.perf_counter(), time.process_time()
    encode = json.JSONEncoder(ensure_ascii=False).encode
    at = datetime.now(UTC).isoformat(timespec="seconds")
    text = "".join(
        encode({"key": k, "to": to, "body": body, "at": at,
                "message_id": "outbox-" + hashlib.sha256(k.encode()).hexdigest()[:16]}) + "\n"
        for k, to, body in lines
    )  # fmt: skip
    with target.open("w", encoding="utf-8") as f:
        f.write(text)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "cpu": time.process_time() - cpu, "messages": len(lines),
            "peak_mb": peak_mb()}  # fmt: skip


def phase_floor_smtp(url: str, day: date, port: int) -> dict[str, Any]:
    """The same e-mails built with build_email and sent by smtplib over one connection."""
    import smtplib
    from datetime import datetime
    from email import policy

    from tasks.channels.email_smtp import build_email
    from tasks.clock import SHANGHAI

    messages = list(email_messages(url, day))  # rendered before timing
    start, cpu = time.perf_counter(), time.process_time()
    moment = datetime.now(SHANGHAI)
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        for m in messages:
            email = build_email(m, sender=SENDER, date=moment)
            options = ["BODY=8BITMIME"] if email["Content-Transfer-Encoding"] == "8bit" else []
            smtp.sendmail(SENDER, [m.to], email.as_bytes(policy=policy.SMTP), options)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "cpu": time.process_time() - cpu, "messages": len(messages),
            "peak_mb": peak_mb()}  # fmt: skip


def run_phase(name: str, rest: list[str]) -> dict[str, Any]:
    if name == "prepare":
        return prepare(rest[0], Path(rest[1]), int(rest[2]), date.fromisoformat(rest[3]))
    if name == "lines":
        return add_lines(rest[0], rest[1], int(rest[2]), date.fromisoformat(rest[3]))
    if name == "reset":
        return reset_lines(rest[0], rest[1])
    if name == "dispatch":
        day = date.fromisoformat(rest[2])
        return phase_dispatch(rest[0], Path(rest[1]), day, rest[3] == "profile")
    if name == "floor-outbox":
        return phase_floor_outbox(Path(rest[0]), Path(rest[1]))
    return phase_floor_smtp(rest[0], date.fromisoformat(rest[1]), int(rest[2]))


def child(name: str, *args: object, env: dict[str, str] | None = None) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--phase", name, *map(str, args)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    if done.returncode:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"phase {name} failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- the SMTP server (its own process) --------------------------------------------------------


def _serve_smtp(port: int, count: Any, ready: Any, stop: Any) -> None:
    from aiosmtpd.controller import Controller

    class Counting:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with count.get_lock():
                count.value += 1
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


class SmtpServer:
    """aiosmtpd in a child process on a free local port; `received` counts its messages."""

    def __enter__(self) -> SmtpServer:
        import multiprocessing as mp
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        ctx = mp.get_context("spawn")
        self.count, ready, self.stop = ctx.Value("i", 0), ctx.Event(), ctx.Event()
        self.proc = ctx.Process(target=_serve_smtp, args=(self.port, self.count, ready, self.stop))
        self.proc.start()
        if not ready.wait(60):
            raise SystemExit("the local SMTP server did not start")
        return self

    @property
    def received(self) -> int:
        return int(self.count.value)

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.proc.join(30)


# --- the run ----------------------------------------------------------------------------------


def _row(name: str, r: dict[str, Any], n: int) -> tuple[str, int, float, float, float]:
    return (name, n, r["seconds"], r["cpu"], r["peak_mb"])


def _print_table(rows: list[tuple[str, int, float, float, float]]) -> None:
    print(f"\n{'phase':<40} {'messages':>9} {'wall s':>8} {'CPU s':>7} {'msg/s':>9} {'peak MB':>8}")
    for name, n, wall, cpu, peak in rows:
        print(f"{name:<40} {n:>9,} {wall:>8.2f} {cpu:>7.2f} {n / wall:>9,.0f} {peak:>8,.0f}")


def _sent(r: dict[str, Any], channel: str) -> int:
    counts = r["by_channel"].get(channel, {})
    if set(counts) - {"sent"} or r["failures"]:
        print(f"  note: {channel} lines not all sent: {counts} {r['failures']}")
    return int(counts.get("sent", 0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=100_000, help="SMS lines (default 100,000)")
    ap.add_argument("--emails", type=int, default=10_000, help="e-mail lines (default 10,000)")
    ap.add_argument("--letters", type=int, default=1000, help="letters.py --n (0: skip)")
    ap.add_argument("--database-url", help="PostgreSQL base URL (a scratch schema is used)")
    ap.add_argument("--quick", action="store_true", help="10,000 SMS, 1,000 e-mails, 100 letters")
    ap.add_argument("--profile", action="store_true", help="profile one more SMS dispatch")
    ap.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        print(json.dumps(run_phase(args.phase[0], args.phase[1:]), default=str))
        return
    if args.quick:
        args.cases, args.emails, args.letters = 10_000, 1_000, min(args.letters, 100)
    from tasks.clock import today

    day = business_day(today())
    print(f"load average before: {loadavg()} on {os.cpu_count()} CPUs; dispatch day {day}")
    work = Path(tempfile.mkdtemp(prefix="duecourse-bench-dispatch-"))
    base = args.database_url
    schema, url = pg_schema(base) if base else ("", f"sqlite:///{work / 'dispatch.sqlite'}")
    try:
        run(args, work, url, day)
    finally:
        if base:
            drop_schema(base, schema)
        shutil.rmtree(work, ignore_errors=True)
    print(f"load average after: {loadavg()} (other work on the machine slows wall times)")


def run(args: argparse.Namespace, work: Path, url: str, day: date) -> None:
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    book = int(max(args.cases, args.emails / 0.8) / OVERDUE_SHARE) + 1000
    prep = child("prepare", url, work / "snapshot.csv", book, day)
    sms_lines = child("lines", url, "sms", args.cases, day)["lines"]
    print(f"{backend}: book of {book:,} imported in {prep['imported']:.1f} s "
          f"(generated in {prep['generated']:.1f} s); {sms_lines:,} SMS lines")  # fmt: skip
    home = work / "home"
    sms = child("dispatch", url, home, day, "-")
    floor = child("floor-outbox", home / SMS_OUTBOX, work / "floor.jsonl")
    email_lines = child("lines", url, "email", args.emails, day)["lines"]
    print(f"{email_lines:,} e-mail lines")
    with SmtpServer() as server:
        env = {**os.environ, "DUECOURSE_SMTP_HOST": "127.0.0.1", "DUECOURSE_SMTP_PORT":
               str(server.port), "DUECOURSE_SMTP_SECURITY": "none",
               "DUECOURSE_SMTP_SENDER": SENDER}  # fmt: skip
        mail = child("dispatch", url, home, day, "-", env=env)
        by_dispatch = server.received
        bare = child("floor-smtp", url, day, server.port)
        by_floor = server.received - by_dispatch
    n_sms, n_mail = _sent(sms, "sms"), _sent(mail, "email")
    print(f"SMTP server received {by_dispatch:,} from the dispatcher, {by_floor:,} from smtplib")
    rows = [
        _row(f"SMS dispatch, file outbox ({sms['batches']} batches)", sms, n_sms),
        _row("SMS floor: same lines, one write", floor, floor["messages"]),
        _row(f"e-mail dispatch, SMTP ({mail['batches']} batches)", mail, n_mail),
        _row("e-mail floor: smtplib, one connection", bare, bare["messages"]),
    ]
    _print_table(rows)
    outbox_ratio = (n_sms / sms["seconds"]) / (floor["messages"] / floor["seconds"])
    smtp_ratio = (n_mail / mail["seconds"]) / (bare["messages"] / bare["seconds"])
    print(f"\n{backend}: outbox / floor {outbox_ratio:.3f}x (target >= 0.5x); "
          f"SMTP / smtplib {smtp_ratio:.3f}x (target >= 0.8x)")  # fmt: skip
    outbox_cpu = (n_sms / sms["cpu"]) / (floor["messages"] / floor["cpu"])
    smtp_cpu = (n_mail / mail["cpu"]) / (bare["messages"] / bare["cpu"])
    print(f"the same by CPU seconds of the measured process: outbox {outbox_cpu:.3f}x, "
          f"SMTP {smtp_cpu:.3f}x (the database and SMTP servers' CPU not counted)")  # fmt: skip
    if args.profile:
        child("reset", url, "sms")
        prof = child("dispatch", url, work / "home2", day, "profile")
        print(f"\nprofiled SMS dispatch ({prof['seconds']:.1f} s under cProfile), "
              f"top 15 by cumulative time:\n{prof['profile']}")  # fmt: skip
    if args.letters:
        print(f"\nmail batch, benchmarks/letters.py --n {args.letters}:", flush=True)
        cmd = [sys.executable, str(ROOT / "benchmarks" / "letters.py"), "--n", str(args.letters)]
        subprocess.run(cmd, check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
