"""The demo's simulated day of contact work, after the morning's cycle: the contact-dispatch flow
sends the day's SMS and e-mails and queues calls, visits and letters; the collectors work their
queues (each logs as many calls as a working day holds, highest risk and nearest deadline first,
with outcomes drawn as a bank sees them); the post room posts the day's mail batch; and the post
office reports letters delivered or returned a few days after posting. Everything goes through
the same tasks as the commands (`dispatch`, `queue`, `contact log`, `mail batch`,
`mail delivered`), so milestones are met or missed by recorded contacts, as in a real bank.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session

from duecourse.settings import Settings
from rules.enums import CallOutcome, Channel, Role
from rules.errors import DuecourseError
from tasks.bank import load_bank
from tasks.calendar import load_calendar
from tasks.clock import SHANGHAI
from tasks.conduct import load_conduct_pack
from tasks.contacts.log import LogRequest, PromiseTerms, log_contact
from tasks.contacts.queue import Conduct, work_queue
from tasks.mail.batch import MailSetup, mail_batch
from tasks.mail.delivered import import_deliveries
from tasks.policy import load_roster

T = TypeVar("T")
CALLS_PER_DAY = 25  # calls and visits one person logs in a simulated day
MORNING_CALLS = 4  # the last simulated day is "today": only its morning is worked
MINUTES_PER_CALL = 12
# What a collection call comes to (the demo's draw; a real bank reads its own dialler's data)
OUTCOMES: tuple[tuple[CallOutcome, float], ...] = (
    (CallOutcome.ANSWERED, 0.38),
    (CallOutcome.NO_ANSWER, 0.40),
    (CallOutcome.PROMISE, 0.08),
    (CallOutcome.REFUSED, 0.07),
    (CallOutcome.THIRD_PARTY, 0.04),
    (CallOutcome.WRONG_NUMBER, 0.03),
)
DELIVERY_CHANCE = 0.55  # a posted letter arrives on a given day from the second day on
RETURN_SHARE = 0.08  # 退件: letters the post office brings back
RETURN_REASONS = ("地址不详 wrong address", "拒收 refused", "查无此人 addressee unknown")


def dispatch(settings: Settings, day: date) -> dict[str, Any]:
    """The day's planned contacts through the real contact-dispatch flow (at 09:00)."""
    from flows.contact_dispatch import contact_dispatch
    from flows.daily_cycle import shared_url
    from flows.run_log import run_logs_off_terminal

    with run_logs_off_terminal():  # the run's log goes to Prefect; the demo prints its own
        result = contact_dispatch(
            as_of=day, at="09:00", database_url=shared_url(settings.engine),
            policy_dir=str(settings.policy_dir), home=str(settings.home),
        )  # fmt: skip
    if not isinstance(result, dict):
        raise DuecourseError(f"the contact dispatch of {day} did not finish")
    return result


def draw(rng: random.Random, shares: tuple[tuple[T, float], ...], rest: T) -> T:
    """One of `shares` drawn by its share (the demo's dice); `rest` past their sum."""
    pick, total = rng.random(), 0.0
    for value, share in shares:
        total += share
        if pick < total:
            return value
    return rest


def _outcome(rng: random.Random) -> CallOutcome:
    return draw(rng, OUTCOMES, CallOutcome.NO_ANSWER)


def _promise(item: dict[str, Any], day: date, rng: random.Random) -> PromiseTerms:
    """What a debtor promises on the call: a fifth to a half of the balance, in 2-10 days."""
    balance = Decimal(str(item["balance"]))
    share = Decimal(rng.choice(["0.2", "0.3", "0.5"]))
    amount = max(Decimal("1.00"), (balance * share).quantize(Decimal("1")))
    return PromiseTerms(amount=min(amount, balance), by=day + timedelta(days=rng.randint(2, 10)))


def collectors_work(
    settings: Settings, day: date, rng: random.Random, *, calls: int = CALLS_PER_DAY
) -> Counter[str]:
    """Each person works their queue in its order (risk, then deadline), logging up to `calls`
    calls from 09:00 while the day's lawful window is open; what is left waits for tomorrow."""
    conduct = Conduct(load_conduct_pack(settings.policy_dir), load_calendar(settings.policy_dir))
    done: Counter[str] = Counter()
    people = [u for u in load_roster(settings.policy_dir) if u.role is not Role.OPS]
    with Session(settings.engine) as session:
        for user in people:
            start = datetime.combine(day, time(9, 0), SHANGHAI)
            queue = work_queue(session, user, day, conduct, limit=calls, now=start)
            for i, item in enumerate(queue["items"]):
                if not item["allowed"]:
                    continue
                at = start + timedelta(minutes=MINUTES_PER_CALL * i)
                outcome = _outcome(rng)
                request = LogRequest(
                    case_ref=str(item["case_id"]), channel=Channel(item["channel"]),
                    outcome=outcome, at=at, note="demo call",
                    promise=_promise(item, day, rng) if outcome is CallOutcome.PROMISE else None,
                )  # fmt: skip
                result = log_contact(session, request, user, conduct)
                done[f"{item['channel']}:{outcome.value}"] += 0 if result.duplicate else 1
    return done


def post_room(settings: Settings, day: date) -> dict[str, Any]:
    """The day's registered letters as one mail batch (PDF + manifest) under <home>/mail/."""
    setup = MailSetup(
        documents_dir=settings.documents_dir,
        out_dir=settings.home / "mail" / day.isoformat(),
        bank=load_bank(settings.policy_dir),
        calendar=load_calendar(settings.policy_dir),
        pack=load_conduct_pack(settings.policy_dir),
    )
    return mail_batch(settings.engine, day, setup).as_dict()


def _in_the_post(settings: Settings, day: date) -> list[tuple[str, date]]:
    """(letter number, posted on) of letters posted before `day` with no result yet."""
    with settings.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT proof_ref, as_of FROM contact WHERE channel = 'mail' AND status = 'sent' "
                "AND as_of < :day ORDER BY id"
            ),
            {"day": day},
        ).all()
    return [(str(n), p if isinstance(p, date) else date.fromisoformat(str(p))) for n, p in rows]


def post_office(settings: Settings, day: date, rng: random.Random) -> dict[str, Any]:
    """The post office's results file of the day, imported as `mail delivered` would."""
    rows = []
    for number, posted in _in_the_post(settings, day):
        if day - posted < timedelta(days=2) or rng.random() > DELIVERY_CHANCE:
            continue
        returned = rng.random() < RETURN_SHARE
        rows.append(
            {
                "number": number,
                "tracking_number": f"XA{rng.randrange(10**9):09d}CN",
                "delivered_on": day.isoformat(),
                "status": "returned" if returned else "delivered",
                "reason": rng.choice(RETURN_REASONS) if returned else "",
            }
        )
    if not rows:
        return {"rows": 0, "delivered": 0, "returned": 0}
    path = _results_file(settings.home / "mail" / "post-office", day, rows)
    report = import_deliveries(settings.engine, path, quarantine_dir=settings.quarantine_dir)
    return report.as_dict()


def _results_file(folder: Path, day: date, rows: list[dict[str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"results-{day.isoformat()}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


class DayWork:
    """What the contact work of one simulated day came to, for the demo's lines and totals."""

    def __init__(self) -> None:
        self.totals: Counter[str] = Counter()

    def line(self) -> str:
        t = self.totals
        sent = t["dispatch:sent"]
        return (
            f"{sent} messages sent, {t['dispatch:queued']} calls/visits/letters queued, "
            f"{t['dispatch:deferred']} deferred, {t['dispatch:blocked']} blocked; "
            f"{t['calls:logged']} calls logged ({t['calls:reached']} reached the debtor); "
            f"{t['mail:posted']} letters posted, {t['mail:delivered']} delivered, "
            f"{t['mail:returned']} returned"
        )


def contact_day(
    settings: Settings, day: date, rng: random.Random, *, last: bool = False
) -> DayWork:
    """Dispatch, the collectors' calls, the post room and the post office of one day. The last
    simulated day is "today": its morning only, so the work queues still hold the afternoon's
    calls for whoever looks (`duecourse queue --as demo.liqiang`)."""
    work = DayWork()
    t = work.totals
    summary = dispatch(settings, day)
    for channel, counts in summary["by_channel"].items():
        for status, n in counts.items():
            t[f"dispatch:{status}"] += n
            if status == "sent":
                t[f"dispatch:{channel}:sent"] += n
    calls = collectors_work(settings, day, rng, calls=MORNING_CALLS if last else CALLS_PER_DAY)
    t["calls:logged"] += sum(calls.values())
    conversations = {o.value for o in CallOutcome if o.is_conversation}
    t["calls:reached"] += sum(n for k, n in calls.items() if k.split(":")[1] in conversations)
    posted = post_room(settings, day)
    t["mail:posted"] += int(posted.get("letters", 0))
    office = post_office(settings, day, rng)
    t["mail:delivered"] += int(office.get("delivered", 0))
    t["mail:returned"] += int(office.get("returned", 0))
    return work
