from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import TimelineEvent
from models.review import Review, ReviewStatus
from rules.enums import Role, Stage
from rules.errors import DuecourseError, InputError, NotFoundError
from rules.roster import User
from tasks.reviews import decide_review, list_reviews, show_review
from tests.factories import make_case

DAY = date(2026, 11, 2)
LEGAL = User(name="li.legal", display_name="李律", role=Role.LEGAL)
COLLECTOR = User(name="wang.c", display_name="王", role=Role.COLLECTOR)


def _review(session: Session, role: Role = Role.LEGAL) -> Review:
    case = make_case(session, dpd=120, stage=Stage.FORMAL_DEMAND)
    review = Review(
        case_id=case.id, target_stage=Stage.LAWYER_LETTER, required_role=role, opened_on=DAY,
        key=f"review:{case.id}:lawyer_letter", policy_version="v1",
    )  # fmt: skip
    session.add(review)
    session.flush()
    return review


def test_legal_approves_and_the_timeline_says_so(session: Session) -> None:
    review = _review(session)
    assert [r["id"] for r in list_reviews(session)] == [review.id]
    item = decide_review(
        session, review.id or 0, user=LEGAL, approve=True, comment="证据齐全", as_of=DAY
    )
    assert item["status"] == ReviewStatus.APPROVED and item["decided_by"] == "li.legal"
    assert list_reviews(session) == []
    events = session.exec(select(TimelineEvent).where(TimelineEvent.case_id == review.case_id))
    assert [(e.event, e.actor, e.detail) for e in events] == [
        ("review", "li.legal", "approved move to lawyer_letter: 证据齐全")
    ]


def test_only_the_required_role_decides_and_only_once(session: Session) -> None:
    review = _review(session)
    rid = review.id or 0
    with pytest.raises(DuecourseError, match=r"needs the legal role; wang\.c is collector"):
        decide_review(session, rid, user=COLLECTOR, approve=True, comment=None, as_of=DAY)
    with pytest.raises(InputError, match="rejection needs --comment"):
        decide_review(session, rid, user=LEGAL, approve=False, comment=" ", as_of=DAY)
    decide_review(session, rid, user=LEGAL, approve=False, comment="证据不足", as_of=DAY)
    with pytest.raises(DuecourseError, match=r"already rejected by li\.legal"):
        decide_review(session, rid, user=LEGAL, approve=True, comment=None, as_of=DAY)
    with pytest.raises(NotFoundError):
        decide_review(session, 9999, user=LEGAL, approve=True, comment=None, as_of=DAY)
    with pytest.raises(NotFoundError):  # beyond a 32-bit id: PostgreSQL refused the number
        decide_review(session, 2**31, user=LEGAL, approve=True, comment=None, as_of=DAY)
    with pytest.raises(NotFoundError):
        show_review(session, 2**31)


def test_queue_filters_by_role(session: Session) -> None:
    legal = _review(session)
    _review(session, Role.SUPERVISOR)
    assert [r["id"] for r in list_reviews(session, role=Role.LEGAL)] == [legal.id]
    assert len(list_reviews(session, status=None)) == 2


def test_two_reviewers_at_once_leave_one_decision(engine: Engine) -> None:
    with Session(engine) as setup:
        rid = _review(setup).id or 0
        setup.commit()
    legal2 = User(name="zhao.legal", display_name="赵律", role=Role.LEGAL)
    with Session(engine) as late, Session(engine) as first:
        seen = late.get(Review, rid)  # read while still pending (and held: the map is weak)
        assert seen is not None and seen.status == ReviewStatus.PENDING
        decide_review(first, rid, user=LEGAL, approve=True, comment=None, as_of=DAY)
        first.commit()
        with pytest.raises(DuecourseError, match=r"already approved by li\.legal"):
            decide_review(late, rid, user=legal2, approve=False, comment="不同意", as_of=DAY)
        late.rollback()
    with Session(engine) as s:
        review = s.get(Review, rid)
        assert review is not None and review.decided_by == "li.legal"
        events = s.exec(select(TimelineEvent).where(TimelineEvent.event == "review")).all()
        assert [e.actor for e in events] == ["li.legal"]


def test_pending_queue_leaves_out_closed_cases(session: Session) -> None:
    from models import Case
    from rules.enums import CaseStatus

    review = _review(session)
    case = session.get(Case, review.case_id)
    assert case is not None
    case.status = CaseStatus.CLOSED
    session.add(case)
    session.flush()
    assert list_reviews(session) == []
    assert [r["id"] for r in list_reviews(session, status=None)] == [review.id]
