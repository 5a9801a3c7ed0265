"""The rule pack is data: with bank.yaml choosing the US Regulation F pack, the same dispatcher
judges calls in the debtor's New York time, holds a call after seven in seven days, and one within
seven days of a conversation (12 CFR 1006.14(b)(2))."""

from __future__ import annotations

import shutil
from datetime import UTC, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import Contact
from rules.enums import CallOutcome, Channel, ContactStatus
from tasks.dispatch.run import dispatch_day, make_context
from tests.tasks.dispatch.data import DAY, POLICY, line, lines_of, local, overdue_case

CALL = "soft_reminder:first_call#1"


def _us_policy(tmp_path: Path) -> Path:
    folder = tmp_path / "policy"
    shutil.copytree(POLICY, folder)
    bank = folder / "bank.yaml"
    bank.write_text(bank.read_text("utf-8").replace("conduct_pack: cn", "conduct_pack: us-regf"))
    return folder


def _calls(s: Session, case_id: int, n: int, outcome: CallOutcome) -> None:
    for i in range(n):
        at = (local(DAY, 22) - timedelta(days=1 + i % 6, minutes=i)).astimezone(UTC)
        s.add(
            Contact(
                key=f"{case_id}|log|call|us{i}", case_id=case_id, as_of=at.date(), at=at,
                channel=Channel.CALL, status=ContactStatus.LOGGED, outcome=outcome, actor="ann",
            )
        )  # fmt: skip


def test_the_us_pack_holds_calls_by_regulation_f(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", DAY.isoformat())
    with Session(engine) as s:
        fresh, capped, talked = overdue_case(s), overdue_case(s), overdue_case(s)
        _calls(s, capped, 7, CallOutcome.NO_ANSWER)  # seven calls in the last seven days
        _calls(s, talked, 1, CallOutcome.ANSWERED)  # a conversation yesterday
        ids = {c: line(s, c, channel=Channel.CALL, step=CALL, template=None) for c in
               (fresh, capped, talked)}  # fmt: skip
        s.commit()
    # 22:00 in Shanghai is 09:00 in New York (EST): inside the US pack's 08:00-21:00
    ctx = make_context(engine, DAY, policy_dir=_us_policy(tmp_path), senders={}, at=time(22, 0))
    assert ctx.pack.ref == "us-regf@v1"
    report = dispatch_day(ctx)
    lines = lines_of(engine)
    assert lines[ids[fresh]][0] == "queued"
    assert lines[ids[capped]][0] == "deferred" and lines[ids[capped]][1].startswith("rolling_cap")
    assert lines[ids[talked]][0] == "deferred"
    assert lines[ids[talked]][1].startswith("after_conversation")
    assert report.outcome.deferred == {"rolling_cap": 1, "after_conversation": 1}
