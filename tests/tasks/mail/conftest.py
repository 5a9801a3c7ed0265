"""A store with open cases in formal_demand whose collection letters the daily cycle planned and
the dispatcher queued (set here: the dispatcher is not under test), and the mail batch's setup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tasks.bank import load_bank
from tasks.calendar import load_calendar
from tasks.conduct import load_conduct_pack
from tasks.cycle.core import run_day
from tasks.mail.batch import MailSetup
from tests.factories import make_case
from tests.tasks.cycle_data import MONDAY, bundle

POLICY = Path(__file__).resolve().parents[3] / "policy"
DAY = MONDAY  # 2026-11-02


@dataclass
class MailStore:
    engine: Engine
    setup: MailSetup
    case_ids: list[int]


def queue_mail(engine: Engine) -> int:
    """What the dispatcher does to a planned mail line once the gate allowed it."""
    with engine.begin() as conn:
        result = conn.execute(
            sa.text(
                "UPDATE cycle_action SET status = 'queued' "
                "WHERE kind = 'mail' AND status = 'planned'"
            )
        )
    return int(result.rowcount)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Letters are dated today: these tests live on DAY."""
    monkeypatch.setenv("DUECOURSE_TODAY", DAY.isoformat())


def make_setup(tmp_path: Path, *, duplex: bool = False) -> MailSetup:
    return MailSetup(
        documents_dir=tmp_path / "documents",
        out_dir=tmp_path / "mail" / DAY.isoformat(),
        bank=load_bank(POLICY),
        calendar=load_calendar(POLICY),
        pack=load_conduct_pack(POLICY),
        duplex=duplex,
    )


def build_store(
    engine: Engine, tmp_path: Path, names: tuple[str, ...], day: date = DAY
) -> MailStore:
    with Session(engine) as s:
        ids = [make_case(s, dpd=45, name=n, as_of=day).id for n in names]
        s.commit()
    run_day(engine, day, bundle())
    assert queue_mail(engine) == len(names)
    return MailStore(engine, make_setup(tmp_path), [int(i or 0) for i in ids])


@pytest.fixture
def store(engine: Engine, tmp_path: Path) -> MailStore:
    """Three cases with a queued collection letter each, on both databases."""
    return build_store(engine, tmp_path, ("赵一", "钱二", "孙三"))
