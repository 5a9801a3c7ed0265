"""`duecourse demo`: a synthetic book carried day by day through intake and the real flow."""

from __future__ import annotations

import random
import secrets
import shutil
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from duecourse.cli.app import app
from duecourse.cli.common import console, err_console, parse_date
from duecourse.cli.common import settings as get_settings
from duecourse.cli.demo_contacts import contact_day
from duecourse.cli.demo_legal import legal_day
from duecourse.cli.demo_negotiation import negotiation_day, negotiation_table
from duecourse.settings import Settings
from duecourse.synthetic import COLUMNS, next_day_rows, synthetic_rows, write_portfolio_file
from rules.enums import DecisionVia, Role, Stage
from rules.errors import DuecourseError
from tasks.clock import pinned_today
from tasks.credentials import set_password
from tasks.intake import import_snapshot
from tasks.policy import load_policy, load_roster
from tasks.reviews import decide_review, list_reviews

DEMO_FILES = ("duecourse.sqlite", "duecourse.sqlite-wal", "duecourse.sqlite-shm")
DEMO_DIRS = ("documents", "outbox", "quarantine", "snapshots", "mail")


def _fresh_home(settings: Settings, reset: bool) -> None:
    if not settings.url.startswith("sqlite"):
        raise DuecourseError("the demo builds its own SQLite home; drop --database-url")
    if (settings.home / "duecourse.sqlite").exists():
        if not reset:
            raise DuecourseError(
                f"{settings.home} already holds a database; pass --reset to start the demo over "
                "there, or choose another --home"
            )
        for name in DEMO_FILES:
            (settings.home / name).unlink(missing_ok=True)
        for name in DEMO_DIRS:
            shutil.rmtree(settings.home / name, ignore_errors=True)
    settings.home.mkdir(parents=True, exist_ok=True)


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    import csv

    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)


def _run_cycle(engine: Engine, day: date, policy_dir: Path) -> dict[str, Any]:
    from flows.daily_cycle import run_days

    return run_days(day, day, policy_dir=policy_dir, engine=engine, use_prefect=True)[0]


REVIEW_LAG = timedelta(days=1)
LETTERS_LEFT = timedelta(days=6)
CONTACT_KEYS = ("dispatch", "calls", "mail")
LEGAL_KEYS = ("court", "packages")


def _legal_approves(settings: Settings, day: date, rng: random.Random, last: date) -> int:
    """The demo's legal reviewer approves about half of the pending legal reviews each day that
    have waited REVIEW_LAG days, so a new user sees cases reach the lawyer's letter and still
    finds recent reviews pending, to decide in the web console (a real bank decides case by
    case, within the legal_review milestone's working days). Lawyer's-letter reviews of the last
    LETTERS_LEFT days are left for the new user: their drafts are there to read."""
    reviewer = next((u for u in load_roster(settings.policy_dir) if u.role == Role.LEGAL), None)
    if reviewer is None:
        return 0
    approved = 0
    with Session(settings.engine) as session:
        for item in list_reviews(session, role=Role.LEGAL, limit=10_000):
            left = item["target_stage"] == Stage.LAWYER_LETTER and (
                last - item["opened_on"] < LETTERS_LEFT
            )
            if day - item["opened_on"] >= REVIEW_LAG and not left and rng.random() < 0.5:
                decide_review(
                    session, item["id"], user=reviewer, approve=True,
                    comment="demo: evidence complete", as_of=day, via=DecisionVia.CLI,
                )  # fmt: skip
                approved += 1
        session.commit()
    return approved


def _web_sign_in(settings: Settings) -> None:
    """A fresh password for the demo's legal user, printed with how to open the web console,
    so a new user can sign in and approve a review at once. Random at each demo run (a fixed
    one would open every demo home on every machine), and never written anywhere but its
    argon2 hash in the store."""
    reviewer = next((u for u in load_roster(settings.policy_dir) if u.role == Role.LEGAL), None)
    if reviewer is None:
        return
    password = secrets.token_urlsafe(12)
    with Session(settings.engine) as session:
        set_password(session, reviewer.name, password)
        session.commit()
    console.print("\nThe web console (the legal department's review queue):")
    for line in (
        f"duecourse --home {settings.home} web    # then open http://127.0.0.1:8000",
        f"sign in as {reviewer.name} / password {password}",
    ):
        console.print(f"  {line}", markup=False, soft_wrap=True)  # a path, a password: unwrapped


def _talks_line(t: Counter[str]) -> str:
    return (
        f"{t['disputes:opened']} disputes opened, {t['disputes:upheld']} upheld, "
        f"{t['disputes:rejected']} rejected; {t['plans:proposed']} plans proposed, "
        f"{t['plans:approved']} approved, {t['plans:rejected']} rejected; "
        f"{t['promises:paid']} promises and {t['instalments:paid']} instalments paid"
    )


def _court_line(t: Counter[str]) -> str:
    """`payment-order.filed 2, package payment-order 2`: court steps and filing packages."""
    return ", ".join(
        f"{k.removeprefix('court:').replace('packages:', 'package ')} {n}"
        for k, n in sorted(t.items())
    )


def _negotiation(engine: Engine) -> None:
    """Promises, disputes and plans by status: kept and broken, upheld and rejected."""
    table = Table(title="negotiation")
    for column in ("what", "status", "count"):
        table.add_column(column, justify="right" if column == "count" else "left")
    for what, status, n in negotiation_table(engine):
        table.add_row(what, status, str(n))
    console.print(table)


def _milestones(engine: Engine) -> None:
    """Milestones met, missed and open by kind: met by recorded contacts and decisions."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT kind, status, count(*) FROM milestone GROUP BY kind, status "
                "ORDER BY kind, status"
            )
        ).all()
    counts: dict[str, Counter[str]] = {}
    for kind, status, n in rows:
        counts.setdefault(kind, Counter())[status] = n
    table = Table(title="milestones")
    for column in ("kind", "met", "missed", "open", "waived"):
        table.add_column(column, justify="left" if column == "kind" else "right")
    for kind, c in counts.items():
        table.add_row(kind, *(str(c[s]) for s in ("met", "missed", "open", "waived")))
    console.print(table)


def _summary(engine: Engine, as_of: date) -> None:
    with engine.connect() as conn:
        stages = conn.execute(
            text(
                "SELECT stage, count(*), sum(CASE WHEN owner IS NULL THEN 0 ELSE 1 END) "
                "FROM collection_case GROUP BY stage ORDER BY count(*) DESC"
            )
        ).all()
        owners = conn.execute(
            text(
                "SELECT owner, count(*) FROM collection_case WHERE status = 'open' "
                "AND owner IS NOT NULL GROUP BY owner ORDER BY count(*) DESC"
            )
        ).all()
        in_court = conn.execute(
            text("SELECT min(case_id) FROM legal_event WHERE event LIKE 'payment-order.%'")
        ).scalar()
        planned = conn.execute(
            text("SELECT min(case_id) FROM repayment_plan WHERE status = 'current'")
        ).scalar()
        example = conn.execute(
            text(
                "SELECT id FROM collection_case WHERE status = 'open' AND stage = 'formal_demand' "
                "ORDER BY id LIMIT 1"
            )
        ).scalar()
    _milestones(engine)
    _negotiation(engine)
    table = Table(title=f"cases by stage as of {as_of}")
    table.add_column("stage")
    table.add_column("cases", justify="right")
    table.add_column("with owner", justify="right")
    for stage, count, owned in stages:
        table.add_row(stage, str(count), str(owned or 0))
    console.print(table)
    if owners:
        console.print("open cases per owner: " + ", ".join(f"{o} {n}" for o, n in owners))
    console.print("\nWhat to look at next (same --home):")
    hints = [
        "duecourse cases --stage formal_demand",
        f"duecourse case {example or 1}",
        f"duecourse deadlines --as-of {as_of}",
        f"duecourse queue --as demo.liqiang --as-of {as_of}",
        f"duecourse mail batch --date {as_of}",
        "duecourse review list --role legal",
        "duecourse policy show",
        "duecourse users",
        f"duecourse documents render collection_letter --case {example or 1}",
        f"duecourse legal period payment-order-served {as_of}",
        *([f"duecourse legal events {in_court}"] if in_court else []),
        *([f"duecourse plan show {planned}"] if planned else []),
        "duecourse review list --role supervisor",
        "duecourse audit verify",
        "duecourse runs",
        "duecourse report --format pdf --out kpi.pdf",
    ]
    for hint in hints:
        console.print(f"  {hint}", markup=False)


@app.command("demo")
def demo_command(
    ctx: typer.Context,
    cases: Annotated[int, typer.Option("--cases", min=10, help="Accounts in the book.")] = 400,
    days: Annotated[int, typer.Option("--days", min=1, help="Days to simulate.")] = 30,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 7,
    start: Annotated[
        str | None, typer.Option("--start", help="First day (default: so the last is today).")
    ] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Wipe the demo home first.")] = False,
) -> None:
    """Fresh home, synthetic portfolio, D simulated days of intake and the daily cycle flow."""
    settings = get_settings(ctx)
    first = parse_date(start, "--start") if start else parse_date(None) - timedelta(days=days - 1)
    _fresh_home(settings, reset)
    snapshots = settings.home / "snapshots"
    snapshots.mkdir(exist_ok=True)
    rng = random.Random(seed)
    path = snapshots / f"snapshot-{first}.csv"
    write_portfolio_file(path, cases, seed, first, defects=max(1, cases // 400))
    rows = list(synthetic_rows(cases, seed, first))
    engine = settings.engine
    policy = load_policy(settings.policy_dir)
    console.print(f"demo home: {settings.home}  ({cases} accounts, {days} days from {first})")
    totals: Counter[str] = Counter()
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task("simulating days", total=days)
        last = first + timedelta(days=days - 1)
        for i in range(days):
            day = first + timedelta(days=i)
            if i:
                rows = next_day_rows(rows, day, rng)
                path = snapshots / f"snapshot-{day}.csv"
                _write_rows(path, rows)
            with pinned_today(day):  # each simulated day is "today" for what it records
                result = import_snapshot(
                    engine, path, day, quarantine_dir=settings.quarantine_dir, policy=policy
                )
                summary = _run_cycle(engine, day, settings.policy_dir)
                totals.update(summary.get("actions", {}))
                if i < days - 1:  # "today", the last day: its reviews wait for the console
                    totals["reviews_approved_by_legal"] += _legal_approves(settings, day, rng, last)
                work = contact_day(settings, day, rng, last=i == days - 1)
                talks = negotiation_day(settings, day, rng)
                court = legal_day(settings, day, rng)
            totals.update(work.totals)
            totals.update(talks)
            totals.update(court)
            progress.console.print(
                f"{day}  import: {result.imported} new, {result.updated} updated, "
                f"{result.closed} closed, {result.quarantined} quarantined  |  cycle: "
                + (", ".join(f"{k} {v}" for k, v in sorted(summary.get("actions", {}).items()))
                   or "nothing due"),
                markup=False,
            )  # fmt: skip
            progress.console.print(f"{'':10}  contacts: {work.line()}", markup=False, emoji=False)
            progress.console.print(f"{'':10}  negotiation: {_talks_line(talks)}", markup=False)
            if court:
                progress.console.print(f"{'':10}  legal: {_court_line(court)}", markup=False)
            progress.advance(task)
    actions = {k: v for k, v in totals.items() if ":" not in k}
    contacts = {k: v for k, v in totals.items() if k.split(":")[0] in CONTACT_KEYS}
    legal = {k: v for k, v in totals.items() if k.split(":")[0] in LEGAL_KEYS}
    console.print(
        "actions over the run: " + ", ".join(f"{k} {v}" for k, v in sorted(actions.items()))
    )
    console.print(
        "contacts over the run: " + ", ".join(f"{k} {v}" for k, v in sorted(contacts.items())),
        markup=False,
        emoji=False,  # "dispatch:email:sent" is not the :email: emoji
    )
    if legal:
        console.print("legal over the run: " + _court_line(Counter(legal)), markup=False)
    _summary(engine, first + timedelta(days=days - 1))
    _web_sign_in(settings)
