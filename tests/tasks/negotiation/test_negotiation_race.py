"""Two people recording on one case at once: two disputes of the same kind leave one open
dispute (the other refused in one line), two promises leave one open promise (the other
superseded), on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import Dispute, Promise
from rules.enums import DisputeKind, DisputeStatus, PromiseStatus
from rules.errors import DuecourseError
from rules.negotiation_policy import NegotiationPolicy
from tasks.calendar import load_calendar
from tasks.negotiation import disputes, promises
from tasks.negotiation.disputes import DisputeSetting, open_dispute
from tasks.negotiation.promises import record_promise
from tasks.policy import load_policy, load_roster
from tests.factories import make_case
from tests.threads import run_together


@pytest.fixture
def case_id(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-10")
    with Session(engine) as s:
        cid = int(make_case(s).id or 0)
        s.commit()
    return cid


def _outcome(call: Callable[[], object]) -> str:
    try:
        call()
    except DuecourseError as exc:
        return str(exc)
    return "ok"


def _slowed(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> None:
    """Make `module.name` take a moment: between the check and the write, where a race would
    let both through."""
    real = getattr(module, name)

    def slow(*args: object, **kwargs: object) -> object:
        time.sleep(0.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)


def test_two_disputes_of_one_kind_at_once_leave_one(
    engine: Engine, case_id: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _slowed(monkeypatch, disputes, "read_evidence")
    setting = DisputeSetting(
        negotiation=NegotiationPolicy(), policy=load_policy(), calendar=load_calendar(None),
        users=load_roster(), documents_dir=tmp_path,
    )  # fmt: skip

    def claim(who: str) -> str:
        def run() -> None:
            with Session(engine) as s:
                open_dispute(s, str(case_id), DisputeKind.HARDSHIP, "claim", [], actor=who,
                             setting=setting)  # fmt: skip
                s.commit()

        return _outcome(run)

    results = run_together(lambda: claim("demo.liqiang"), lambda: claim("demo.wangfang"))
    assert sorted(r == "ok" for r in results) == [False, True]
    assert any("already has an open hardship dispute" in r for r in results)
    with Session(engine) as s:
        rows = s.exec(select(Dispute).where(Dispute.case_id == case_id)).all()
    assert [d.status for d in rows] == [DisputeStatus.OPEN]


def test_two_promises_at_once_leave_one_open(
    engine: Engine, case_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    _slowed(monkeypatch, promises, "owed_fen")

    def promise(amount: str) -> str:
        def run() -> None:
            with Session(engine) as s:
                record_promise(s, str(case_id), Decimal(amount), date(2026, 11, 20))
                s.commit()

        return _outcome(run)

    assert run_together(lambda: promise("100"), lambda: promise("200")) == ["ok", "ok"]
    with Session(engine) as s:
        rows = s.exec(select(Promise).where(Promise.case_id == case_id)).all()
    assert sorted(p.status for p in rows) == [PromiseStatus.OPEN, PromiseStatus.SUPERSEDED]
