"""The steps after a day's cycle, run by the daily-cycle flow and `run-day` (not by the bare
core, whose tests render nothing): the lawyer's letters (drafts for the pending reviews, the
final letters' mail lines: tasks/law_firms/letters.after_cycle) and the reviews of the next legal
step once a lawyer's letter's deadline has passed unpaid (tasks/legal_step_reviews.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from models.db import home_dir
from rules.calendar import BusinessCalendar
from rules.policy import Policy
from tasks.bank import load_bank
from tasks.law_firms.letters import LetterSetup, after_cycle
from tasks.legal_step_reviews import open_step_reviews
from tasks.policy_dir import resolve_policy_dir


def after_day(
    engine: Engine,
    as_of: date,
    policy: Policy,
    calendar: BusinessCalendar,
    *,
    policy_dir: Path | None = None,
    home: Path | None = None,
) -> dict[str, Any]:
    """Run the steps after the cycle of `as_of`; what they did (JSON-safe)."""
    folder = policy_dir or resolve_policy_dir()
    documents = (home or home_dir(None)) / "documents"
    setup = LetterSetup(
        documents_dir=documents, bank=load_bank(folder), calendar=calendar, policy_dir=folder
    )
    letters = after_cycle(engine, as_of, setup)
    steps = open_step_reviews(engine, as_of, policy)
    return {"letters": letters.as_dict(), "next_step_reviews": steps.as_dict()}
