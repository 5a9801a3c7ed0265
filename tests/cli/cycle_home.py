"""A home whose store holds a few cases, for the cycle's CLI tests (shipped policy)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import Session

from models.db import make_engine, upgrade
from rules.enums import Stage
from tests.factories import deliver_demand, make_case

DAY = date(2026, 11, 2)


def seed(home: Path) -> list[int]:
    """Three open cases (M1, M2, M4) in `home`'s SQLite store; their ids. The M4 case's written
    demand was delivered, so it may go legal."""
    engine = make_engine(f"sqlite:///{home / 'duecourse.sqlite'}")
    upgrade(engine)
    with Session(engine) as s:
        ids = [
            make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, as_of=DAY).id,
            make_case(s, dpd=45, stage=Stage.FORMAL_DEMAND, as_of=DAY).id,
            make_case(s, dpd=120, stage=Stage.FORMAL_DEMAND, as_of=DAY).id,
        ]
        deliver_demand(s, ids[2])
        s.commit()
    engine.dispose()
    return [int(i or 0) for i in ids]
