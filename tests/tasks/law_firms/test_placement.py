"""Placing cases with panel firms (balanced by load, legal role only) and recalling them (by hand,
and when a payment closes the case)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import Session, col, select

from models import Placement, TimelineEvent
from rules import events
from rules.allocation import PaymentSource
from rules.errors import DuecourseError, InputError
from rules.law_firms import LawFirmPanel
from rules.roster import User
from tasks.law_firms.placement import firm_loads, list_firms, place_case, recall_case
from tasks.payments.record import record_payment
from tests.factories import make_case
from tests.tasks.law_firms.conftest import TODAY

LEGAL = User(name="lee", display_name="Lee", role="legal")  # type: ignore[arg-type]
COLLECTOR = User(name="ann", display_name="Ann", role="collector")  # type: ignore[arg-type]


def panel(big: int = 6, small: int = 2) -> LawFirmPanel:
    def firm(fid: str, capacity: int, licence: str) -> dict[str, object]:
        return {
            "id": fid, "name": f"{fid}律师事务所", "address": "上海市黄浦区", "phone": "021-1",
            "capacity": capacity, "lawyers": [{"name": f"{fid}律师", "licence": licence}],
        }  # fmt: skip

    big_firm = firm("big", big, "13101200000000001")
    return LawFirmPanel.model_validate(
        {"firms": [big_firm, firm("small", small, "13101200000000002")]}
    )


def _place(session: Session, p: LawFirmPanel, n: int) -> list[str]:
    firms = []
    for _ in range(n):
        case = make_case(session)
        firms.append(place_case(session, str(case.id), user=LEGAL, panel=p).firm_id)
    session.commit()
    return firms


def test_placement_is_balanced_by_load_against_capacity(session: Session) -> None:
    # capacities 6 and 2: the firm with the lower share in use takes each case (at equal shares
    # the one with fewer cases, then the first listed)
    assert _place(session, panel(), 4) == ["big", "small", "big", "big"]
    assert firm_loads(session) == {"big": 3, "small": 1}
    assert _place(session, panel(), 4) == ["small", "big", "big", "big"]  # 3/6 = 1/2: fewer
    assert firm_loads(session) == {"big": 6, "small": 2}
    with pytest.raises(DuecourseError, match="no panel law firm can take the case"):
        _place(session, panel(), 1)  # both full
    loads = {f["id"]: (f["load"], f["capacity"]) for f in list_firms(session, panel())}
    assert loads == {"big": (6, 6), "small": (2, 2)}


def test_a_named_firm_that_is_full_or_unknown_is_refused(session: Session) -> None:
    case = make_case(session)
    _place(session, panel(small=1), 2)  # big 1/6, small 1/1
    with pytest.raises(DuecourseError, match="firm small is full: 1 open cases of 1"):
        place_case(session, str(case.id), user=LEGAL, panel=panel(small=1), firm_id="small")
    with pytest.raises(DuecourseError, match="no panel firm 'nope'"):
        place_case(session, str(case.id), user=LEGAL, panel=panel(), firm_id="nope")


def test_placing_needs_the_legal_role_and_one_open_placement_per_case(session: Session) -> None:
    case = make_case(session)
    with pytest.raises(DuecourseError, match="needs the legal role; ann is collector"):
        place_case(session, str(case.id), user=COLLECTOR, panel=panel())
    placed = place_case(session, str(case.id), user=LEGAL, panel=panel(), firm_id="small")
    assert (placed.placed_on, placed.placed_by, placed.lawyer_licence) == (
        TODAY, "lee", "13101200000000002"
    )  # fmt: skip
    with pytest.raises(DuecourseError, match="already placed with small"):
        place_case(session, str(case.id), user=LEGAL, panel=panel())


def test_recall_by_hand_needs_a_reason_and_frees_the_firm(session: Session) -> None:
    case = make_case(session)
    place_case(session, str(case.id), user=LEGAL, panel=panel(), firm_id="small")
    with pytest.raises(InputError, match="--reason"):
        recall_case(session, str(case.id), user=LEGAL, reason="  ")
    with pytest.raises(DuecourseError, match="legal role"):
        recall_case(session, str(case.id), user=COLLECTOR, reason="x")
    recalled = recall_case(session, str(case.id), user=LEGAL, reason="客户已协商")
    assert (recalled.recalled_on, recalled.recall_reason) == (TODAY, "客户已协商")
    assert firm_loads(session) == {}
    with pytest.raises(DuecourseError, match="no open placement"):
        recall_case(session, str(case.id), user=LEGAL, reason="again")
    again = place_case(session, str(case.id), user=LEGAL, panel=panel())  # placed anew
    assert again.id != recalled.id


def test_a_payment_that_closes_the_case_recalls_its_placement(session: Session) -> None:
    paid, part = make_case(session), make_case(session)
    for case in (paid, part):
        place_case(session, str(case.id), user=LEGAL, panel=panel())
    session.commit()
    record_payment(session, str(part.id), Decimal("100.00"), TODAY, None, source=PaymentSource.CLI)
    record_payment(
        session, str(paid.id), Decimal("20850.00"), TODAY, None, source=PaymentSource.CLI
    )
    session.commit()
    rows = {p.case_id: p for p in session.exec(select(Placement))}
    assert paid.id is not None and part.id is not None
    assert rows[part.id].recalled_on is None  # a part payment leaves the firm its case
    assert (rows[paid.id].recalled_on, rows[paid.id].recall_reason) == (TODAY, "paid in full")
    recalled = session.exec(
        select(TimelineEvent.detail).where(
            TimelineEvent.case_id == paid.id, TimelineEvent.event == events.RECALLED
        )
    ).all()
    assert len(recalled) == 1 and "paid in full" in recalled[0]
    assert [e for e in session.exec(select(TimelineEvent.event).order_by(col(TimelineEvent.id)))
            if e == events.PLACED] == [events.PLACED, events.PLACED]  # fmt: skip
