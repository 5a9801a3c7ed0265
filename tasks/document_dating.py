"""The date a new document may carry: today, and not before the figures it states.

A collection letter, a reminder or any later demand is evidence that the bank demanded payment on
its date (it interrupts the limitation period, Civil Code Art. 195, and counts towards the
"effective demands" of a card debt). Dated another day it could pass as proof of a demand never
made that day, i.e. falsified evidence (CPL 2023 Art. 114). So the clock (tasks.clock) dates every
new document; a caller's as-of only selects a stored document to reprint.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import CardAccount, Case, ImportRun
from rules.enums import RunStatus
from rules.errors import DuecourseError
from tasks.clock import today


def check_new_document_date(
    session: Session, kind: str, case_ids: Sequence[int], as_of: date
) -> None:
    """A new document is dated today, and not before the last imported snapshot of its cases.

    A demand dated another day could pass as proof of a demand made on that day (falsified
    evidence, CPL 2023 Art. 114); the clock decides the date, never the caller.
    """
    now = today()
    if as_of != now:
        raise DuecourseError(
            f"{kind} dated {as_of}: a new document is dated today ({now}) only; a backdated or "
            "future-dated demand could pass as proof of a demand never made that day "
            "(CPL Art. 114)"
        )
    last_import = session.exec(
        select(sa.func.max(ImportRun.as_of)).where(ImportRun.status == RunStatus.SUCCEEDED)
    ).one()
    last_account = None
    for start in range(0, len(case_ids), 500):
        chunk = list(case_ids[start : start + 500])
        found = session.exec(
            select(sa.func.max(CardAccount.last_as_of))
            .join(Case, col(Case.account_id) == CardAccount.id)
            .where(col(Case.id).in_(chunk))
        ).one()
        if found is not None and (last_account is None or found > last_account):
            last_account = found
    last = max((d for d in (last_import, last_account) if d is not None), default=None)
    if last is not None and as_of < last:
        raise DuecourseError(
            f"{kind} dated {as_of}: the last imported snapshot is of {last}; a document cannot be "
            "dated before the figures it states (check DUECOURSE_TODAY or the system clock)"
        )
