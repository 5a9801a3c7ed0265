"""Failure alerts: a daily cycle or deadline check that ends Failed or Crashed e-mails the ops
role (the roster's `ops` users with an `email`), once per flow run.

`alert_failed_run` is the Prefect state hook (`on_failure` and `on_crashed` of both flows): it
never raises (a problem is logged and the run's own state stands). The message carries the
run's name, its state, the cause (one line, masked), the as-of day and a link to the run in the
UI (PREFECT_UI_URL, else derived from PREFECT_API_URL). A ledger under the home
(`outbox/alerts.jsonl`) holds the flow run ids already alerted, so a hook called twice for one
run (a retry, the runner after a crash) sends nothing the second time.
"""

from __future__ import annotations

import fcntl
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any

from documents.environment import text_env
from models.db import home_dir
from rules.enums import Role
from rules.masking import mask_email, scrub_text
from tasks.clock import today
from tasks.notify.email import Mailer, mailer_from_env, sender_address
from tasks.policy import load_roster

LEDGER_FILE = Path("outbox") / "alerts.jsonl"
CAUSE_LIMIT = 300
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_log = logging.getLogger("duecourse.alerts")

FLOW_LABELS = {"daily-cycle": "daily cycle", "deadline-check": "deadline check"}
ADVICE = {
    "daily-cycle": "fix the cause, then run the day again before the next scheduled cycle "
    "(`duecourse run-day --as-of {day}`): days run in order, so a later day run first "
    "leaves this one out of order.",
    "deadline-check": "fix the cause; the next scheduled check runs again on its own "
    "(`duecourse deadlines --as-of {day}` lists the day's deadlines meanwhile).",
}


@dataclass(frozen=True)
class RunFailure:
    """What an alert says about one failed or crashed flow run."""

    flow_run_id: str
    run_name: str
    flow_name: str
    state: str  # "Failed" or "Crashed"
    cause: str  # one line, masked
    as_of: date
    link: str | None


def one_line(text: str | None, limit: int = CAUSE_LIMIT) -> str:
    """The first non-empty line of `text`, masked, at most `limit` characters."""
    line = next((ln.strip() for ln in (text or "").splitlines() if ln.strip()), "")
    line = scrub_text(line) or "(no message)"
    return line if len(line) <= limit else line[: limit - 1] + "…"


def run_link(flow_run_id: str) -> str | None:
    """`<ui>/runs/flow-run/<id>`: PREFECT_UI_URL, else Prefect's UI URL derived from
    PREFECT_API_URL; None when neither is set (an ephemeral server has no UI to link to)."""
    from prefect.settings import get_current_settings

    ui = get_current_settings().ui_url
    return f"{ui.rstrip('/')}/runs/flow-run/{flow_run_id}" if ui else None


def _as_of(parameters: dict[str, Any], name: str) -> date:
    value = parameters.get("as_of")
    if isinstance(value, date):
        return value
    for text in (str(value or ""), name):
        found = _DAY.search(text)
        if found:
            try:
                return date.fromisoformat(found.group(0))
            except ValueError:
                continue
    return today()


def failure_of(flow_name: str, flow_run: Any, state: Any) -> RunFailure:
    """The alert's facts from the hook's flow run and final state."""
    run_id = str(flow_run.id)
    name = str(flow_run.name or run_id)
    return RunFailure(
        flow_run_id=run_id,
        run_name=name,
        flow_name=flow_name,
        state=str(state.name or state.type.value.title()),
        cause=one_line(state.message),
        as_of=_as_of(dict(flow_run.parameters or {}), name),
        link=run_link(run_id),
    )


def alert_message(failure: RunFailure, recipients: list[str], sender: str) -> EmailMessage:
    """The alert as a UTF-8 plain-text message: the template's first line is the subject."""
    day = failure.as_of.isoformat()
    advice = ADVICE.get(failure.flow_name, "fix the cause and run it again.").format(day=day)
    text = (
        text_env()  # the documents' plain-text environment: data only ever as variables
        .get_template("_notify/run_failed.txt")
        .render(
            run_name=failure.run_name,
            flow_label=FLOW_LABELS.get(failure.flow_name, failure.flow_name),
            state=failure.state,
            cause=failure.cause,
            cause_short=one_line(failure.cause, 120),
            as_of=day,
            link=failure.link,
            flow_run_id=failure.flow_run_id,
            advice=advice,
        )
    )
    subject, _, body = text.partition("\n")
    msg = EmailMessage()
    msg["Subject"] = subject.strip()
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = f"<run-failed.{failure.flow_run_id}@duecourse>"
    msg["X-Duecourse-Flow-Run"] = failure.flow_run_id
    msg["X-Duecourse-As-Of"] = day
    msg.set_content(body.lstrip("\n"), charset="utf-8")
    return msg


def ops_recipients(policy_dir: str | None) -> list[str]:
    """The e-mail addresses of the roster's ops users: the run's policy folder's roster, else
    (the run failed because that folder is broken) the default folder's."""
    for source in ([Path(policy_dir)] if policy_dir else []) + [None]:
        try:
            users = load_roster(source)
        except Exception as exc:
            _log.warning("alert: roster of %s unreadable: %s", source or "the policy folder",
                         one_line(str(exc)))  # fmt: skip
            continue
        return sorted({u.email for u in users if u.role == Role.OPS and u.email})
    return []


class AlertLedger:
    """The flow run ids already alerted, one JSON line each, under an exclusive lock."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def once(self, key: str, send: Callable[[], str]) -> bool:
        """Call `send` unless `key` was recorded; record it after `send` returns (its return
        value: where the message went). True when sent now."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)  # two hooks for one run cannot both send
            fh.seek(0)
            for line in fh:
                if line.strip() and json.loads(line).get("key") == key:
                    return False
            via = send()
            at = datetime.now(UTC).isoformat(timespec="seconds")
            fh.write(json.dumps({"key": key, "sent_at": at, "via": via}) + "\n")
            return True


def ledger_for(home: str | Path | None = None) -> AlertLedger:
    return AlertLedger(home_dir(home) / LEDGER_FILE)


def send_alert(
    failure: RunFailure, recipients: list[str], *, mailer: Mailer, ledger: AlertLedger
) -> bool:
    """E-mail `failure` to `recipients` once per flow run id; False when already sent (or
    nobody to send to)."""
    if not recipients:
        _log.warning("alert for %s not sent: no ops user with an email in the roster",
                     failure.run_name)  # fmt: skip
        return False
    message = alert_message(failure, recipients, sender_address())

    def deliver() -> str:
        mailer.send(message)
        return mailer.describe()

    return ledger.once(failure.flow_run_id, deliver)


def _run_logger(flow: Any, flow_run: Any) -> logging.Logger | logging.LoggerAdapter[Any]:
    try:
        from prefect.logging.loggers import flow_run_logger

        return flow_run_logger(flow_run, flow)
    except Exception:
        return _log


def alert_failed_run(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect `on_failure` / `on_crashed` hook: e-mail the ops role. Never raises."""
    log = _run_logger(flow, flow_run)
    try:
        failure = failure_of(str(flow.name), flow_run, state)
        recipients = ops_recipients((flow_run.parameters or {}).get("policy_dir"))
        mailer = mailer_from_env()
        sent = send_alert(failure, recipients, mailer=mailer, ledger=ledger_for())
        if sent:
            log.info("failure alert sent to %s via %s",
                     ", ".join(mask_email(r) for r in recipients), mailer.describe())  # fmt: skip
        elif recipients:
            log.info("failure alert for flow run %s already sent", failure.flow_run_id)
    except Exception as exc:  # an alert must never change the run's outcome
        log.error("failure alert not sent: %s: %s", type(exc).__name__, one_line(str(exc)))
