"""The dispatch benchmark's data and its floors' inputs: a synthetic book imported through the real
intake, then one planned SMS or e-mail line per chosen case bulk-inserted as the daily cycle would
leave it (`<stage>:reminder_sms#1`, status planned, as of the day), and the lines reset to
planned for a second (profiled) run. Each function runs in a child process of dispatch.py.

The daily cycle itself is not run: its own planned calls, letters and pre-due texts would join
the dispatch and blur what is measured; the dispatcher reads only the action lines, the case,
the customer, the account (its latest balances) and earlier contacts, which the import makes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

AT = clock_time(10, 0)  # the run's moment, Asia/Shanghai: inside every pack's hours
POLICY_VERSION = "bench"
TEMPLATES = {"sms": "reminder_sms", "email": "reminder_email"}


def prepare(url: str, csv_path: Path, book: int, day: date) -> dict[str, Any]:
    """A synthetic snapshot of `book` rows imported as of `day` (cases opened in their stages)."""
    from duecourse.synthetic import write_portfolio_file
    from models.db import open_engine
    from tasks.intake import import_snapshot
    from tasks.policy import load_policy

    t = time.perf_counter()
    write_portfolio_file(csv_path, book, 11, day)
    generated = time.perf_counter() - t
    engine = open_engine(url)
    t = time.perf_counter()
    result = import_snapshot(
        engine, csv_path, day, quarantine_dir=csv_path.parent / "q", policy=load_policy(None)
    )
    imported = time.perf_counter() - t
    engine.dispose()
    return {"generated": generated, "imported": imported, "rows": result.imported}


_CHOSEN = (
    "SELECT c.id, c.stage FROM collection_case c "
    "JOIN card_account a ON a.id = c.account_id JOIN customer cu ON cu.id = c.customer_id "
    "WHERE c.status = 'open' AND a.days_past_due > 0 AND {contact} ORDER BY c.id LIMIT :n"
)


def add_lines(url: str, channel: str, n: int, day: date) -> dict[str, Any]:
    """One planned `channel` line for each of the first `n` open overdue cases that have a
    mobile number (SMS) or an e-mail address, under one cycle_run row; returns how many."""
    from models.db import make_engine
    from rules.enums import ActionKind, Channel
    from tasks.bulk import db_date, db_time, insert_many

    contact = "cu.phone <> ''" if channel == "sms" else "COALESCE(cu.email, '') <> ''"
    template = TEMPLATES[channel]
    kind = ActionKind.for_channel(Channel(channel)).value
    engine = make_engine(url)
    t = time.perf_counter()
    with engine.begin() as conn:
        chosen = conn.execute(sa.text(_CHOSEN.format(contact=contact)), {"n": n}).all()
        now = db_time(conn, datetime.now(UTC))
        run_id = conn.execute(
            sa.text(
                "INSERT INTO cycle_run (as_of, flow, policy_version, status, cases, counts, "
                "risk_changes, skipped, capacity_exceeded, warnings, started_at) VALUES "
                "(:d, 'daily_cycle', :v, 'succeeded', :n, '{}', 0, 0, false, '[]', :now) "
                "RETURNING id"
            ),
            {"d": db_date(conn, day), "v": POLICY_VERSION, "n": len(chosen), "now": now},
        ).scalar_one()
        rows = []
        for case_id, stage in chosen:
            step = f"{stage}:{template}#1"
            key = f"{case_id}|{step}|{POLICY_VERSION}|{day.isoformat()}"
            rows.append((run_id, db_date(conn, day), case_id, kind, step, key, POLICY_VERSION,
                         "planned", "", channel, template, now, now))  # fmt: skip
        cols = ["run_id", "as_of", "case_id", "kind", "step", "key", "policy_version", "status",
                "reason", "channel", "template", "created_at", "updated_at"]  # fmt: skip
        for start in range(0, len(rows), 20_000):
            insert_many(conn, "cycle_action", cols, rows[start : start + 20_000])
    engine.dispose()
    return {"lines": len(rows), "seconds": time.perf_counter() - t}


def reset_lines(url: str, channel: str) -> dict[str, Any]:
    """The channel's lines planned again and their contacts gone, for a second run."""
    from models.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM contact WHERE channel = :c"), {"c": channel})
        done = conn.execute(
            sa.text(
                "UPDATE cycle_action SET status = 'planned', reason = '', not_before = NULL "
                "WHERE channel = :c"
            ),
            {"c": channel},
        ).rowcount
    engine.dispose()
    return {"lines": int(done or 0)}


def outbox_lines(path: Path) -> list[tuple[str, str, str]]:
    """(key, to, body) of each line the dispatcher wrote to the SMS outbox."""
    out = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            out.append((d["key"], d["to"], d["body"]))
    return out


def email_messages(url: str, day: date) -> Iterator[Any]:
    """The e-mails the dispatcher sent, rebuilt as it builds them (the same rendered text, key,
    recipient and X- header), for the smtplib floor."""
    from sqlmodel import Session

    from models.db import make_engine
    from rules.enums import Channel
    from tasks.channels.base import OutMessage
    from tasks.clock import pinned_today
    from tasks.contacts.record import contact_key
    from tasks.dispatch.messages import render_all
    from tasks.dispatch.run import make_context

    engine = make_engine(url)
    with pinned_today(day):  # the day as the dispatcher ran it (at AT)
        ctx = make_context(engine, day, policy_dir=None, senders={}, at=AT)
    with Session(engine) as session:
        rows = (
            session.connection()
            .execute(
                sa.text(
                    "SELECT a.case_id, a.step, a.template, cu.email FROM cycle_action a "
                    "JOIN collection_case c ON c.id = a.case_id "
                    "JOIN customer cu ON cu.id = c.customer_id "
                    "WHERE a.channel = 'email' ORDER BY a.id"
                )
            )
            .all()
        )
        texts, _ = render_all(session, [(r[0], r[2]) for r in rows], day, ctx.letters)
    engine.dispose()
    for case_id, step, template, email in rows:
        text = texts.get((case_id, template))
        if text is None:
            continue
        yield OutMessage(
            key=contact_key(case_id, step, Channel.EMAIL, day),
            channel=Channel.EMAIL,
            to=email,
            body=text.body,
            subject=text.subject,
            headers={"X-Duecourse-Case": str(case_id)},
        )


def business_day(before: date) -> date:
    """The last Monday-to-Friday day before `before` that is not a statutory holiday."""
    from tasks.calendar import load_calendar

    calendar = load_calendar(None)
    day = before - timedelta(days=1)
    while day.weekday() >= 5 or calendar.holiday_name(day):
        day -= timedelta(days=1)
    return day
