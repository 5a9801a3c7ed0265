"""The demo's legal department and courts of one day, after the cycle and the contact work.

A case the cycle has moved into `payment_order` gets its filing package built by the legal user
(`legal package --kind payment-order`) and the application filed the next day; the court then
answers on plausible days: accepted (within the 5 days of CPL 2023 Art. 226), the order issued,
served. About a quarter of the debtors object within their 15 days (Art. 227) and the court's
termination ruling follows; the others' orders become effective once the window has passed.
A case in `litigation` gets its suit package and is filed, then accepted. Every step goes through
`duecourse legal event`'s task with its own date, so the statutory deadlines a new user sees
(`duecourse legal events CASE`, `duecourse deadlines`) count from the court's dates.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

from sqlmodel import Session, col, select

from duecourse.settings import Settings
from models import Case
from rules.enums import CaseStatus, Role, Stage
from rules.errors import DuecourseError
from rules.jurisdiction import FilingKind
from rules.legal_track import LegalEvent, Recorded, Track, last_step
from rules.roster import User
from tasks.bank import load_bank
from tasks.calendar import load_calendar
from tasks.filing_package import PackageRequest, build_package
from tasks.legal_events import record_legal_event, recorded_steps
from tasks.policy import load_roster

E = LegalEvent
# After step X, the court's (or the debtor's) next step Y comes this many days later.
PAYMENT_ORDER_PATH: dict[LegalEvent, tuple[LegalEvent, int]] = {
    E.PO_FILED: (E.PO_ACCEPTED, 2),
    E.PO_ACCEPTED: (E.PO_ISSUED, 4),
    E.PO_ISSUED: (E.PO_SERVED, 2),
    E.PO_OBJECTION: (E.PO_TERMINATION_RULING, 3),
}
OBJECTION_AFTER = 6  # days after service, for the debtors who object (well inside 15)
EFFECTIVE_AFTER = 17  # days after service: the 15-day window (moved past rest days) is over
SUIT_PATH: dict[LegalEvent, tuple[LegalEvent, int]] = {E.LIT_FILED: (E.LIT_ACCEPTED, 5)}


def _legal_user(settings: Settings) -> User | None:
    return next((u for u in load_roster(settings.policy_dir) if u.role == Role.LEGAL), None)


def _file(settings: Settings, case_id: int, kind: FilingKind, day: date, user: User) -> None:
    """The filing package the legal user takes to court (documents, fees, court, manifest)."""
    build_package(
        settings.engine, PackageRequest(case_id, kind, day, prepared_by=user.name),
        home=settings.home, documents_dir=settings.documents_dir,
        policy_dir=settings.policy_dir, bank=load_bank(settings.policy_dir),
        calendar=load_calendar(settings.policy_dir),
    )  # fmt: skip


def _next(case: Case, recorded: list[Recorded], day: date) -> LegalEvent | None:
    """The step due on `day` for a case in payment_order or litigation, if any."""
    if case.stage == Stage.PAYMENT_ORDER:
        last = last_step(recorded, Track.PAYMENT_ORDER)
        if last is None:
            return E.PO_FILED if day > case.stage_entered_on else None
        if last.event == E.PO_SERVED:
            objects = (case.id or 0) % 4 == 0
            wait = OBJECTION_AFTER if objects else EFFECTIVE_AFTER
            if (day - last.on).days >= wait:
                return E.PO_OBJECTION if objects else E.PO_EFFECTIVE
            return None
        step = PAYMENT_ORDER_PATH.get(last.event)
    else:
        last = last_step(recorded, Track.LITIGATION)
        if last is None:
            return E.LIT_FILED if day > case.stage_entered_on else None
        step = SUIT_PATH.get(last.event)
    if step is None or (day - last.on).days < step[1]:
        return None
    return step[0]


def legal_day(settings: Settings, day: date, rng: random.Random) -> Counter[str]:
    """One day of the legal department and the courts (see the module's doc); commits."""
    done: Counter[str] = Counter()
    user = _legal_user(settings)
    if user is None:
        return done
    calendar = load_calendar(settings.policy_dir)
    with Session(settings.engine) as session:
        cases = session.exec(
            select(Case).where(
                Case.status == CaseStatus.OPEN,
                col(Case.stage).in_([Stage.PAYMENT_ORDER, Stage.LITIGATION]),
            )
        ).all()
        for case in cases:
            assert case.id is not None
            step = _next(case, recorded_steps(session, case.id), day)
            if step is None:
                continue
            try:
                if step in (E.PO_FILED, E.LIT_FILED):
                    kind = FilingKind.PAYMENT_ORDER if step == E.PO_FILED else FilingKind.SUIT
                    _file(settings, case.id, kind, day, user)
                    done[f"packages:{kind.value}"] += 1
                record_legal_event(
                    session, str(case.id), step, day, calendar=calendar, user=user,
                    actor=user.name, note="demo", documents_dir=settings.documents_dir,
                )  # fmt: skip
                session.commit()
            except DuecourseError:
                session.rollback()
                continue
            done[f"court:{step.value}"] += 1
    return done
