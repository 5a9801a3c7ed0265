"""tasks/review_queue.py on both databases: the queue's filters (kind, status, owner, due), its
order and pages, and the deadline each review is under (its own milestone or a statutory one)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from models import Milestone
from models.review import Review
from rules.enums import CaseStatus, MilestoneStatus, ReviewStatus, Role, Stage
from tasks.review_queue import QueueFilter, count_queue, deadlines_for, review_queue
from tests.factories import make_case

REQUESTED = date(2026, 11, 2)


def _review(session: Session, case_id: int, target: Stage, opened: date = REQUESTED) -> int:
    review = Review(
        case_id=case_id, target_stage=target, required_role=Role.LEGAL, opened_on=opened,
        key=f"review:{case_id}:{target.value}", policy_version="test",
    )  # fmt: skip
    session.add(review)
    session.flush()
    assert review.id is not None
    return review.id


def _milestone(
    session: Session, case_id: int, kind: str, due: date, *, stage: Stage = Stage.LAWYER_LETTER,
    entry_on: date = REQUESTED, rule: str | None = None,
    status: MilestoneStatus = MilestoneStatus.OPEN,
) -> None:  # fmt: skip
    session.add(
        Milestone(
            case_id=case_id, kind=kind, stage=stage, entry_on=entry_on, opened_on=entry_on,
            due=due, owner_role=Role.LEGAL, rule=rule, status=status, policy_version="test",
        )
    )  # fmt: skip
    session.flush()


def _ids(items: list[dict[str, object]]) -> list[object]:
    return [i["id"] for i in items]


def test_filters_order_and_pages(session: Session) -> None:
    a = make_case(session, owner="demo.wangfang", dpd=120)
    b = make_case(session, owner="demo.liqiang", dpd=120)
    c = make_case(session, owner="demo.wangfang", dpd=120)
    assert a.id and b.id and c.id
    late = _review(session, a.id, Stage.LAWYER_LETTER, date(2026, 11, 3))
    early = _review(session, b.id, Stage.LAWYER_LETTER)
    other_kind = _review(session, c.id, Stage.PAYMENT_ORDER, date(2026, 11, 4))
    session.commit()

    everything = review_queue(session, QueueFilter())
    assert _ids(everything) == [early, late, other_kind]  # oldest first
    assert count_queue(session, QueueFilter()) == 3
    letter = QueueFilter(target=Stage.LAWYER_LETTER)
    assert _ids(review_queue(session, letter)) == [early, late]
    assert count_queue(session, letter) == 2
    mine = QueueFilter(owner="demo.wangfang")
    assert _ids(review_queue(session, mine)) == [late, other_kind]
    assert _ids(review_queue(session, QueueFilter(), offset=1, limit=1)) == [late]
    assert everything[0]["debtor"] == "张三" and everything[0]["account_id"] == b.account_id

    # a closed case's pending review is not in the pending queue; a decided one under its status
    c.status = CaseStatus.CLOSED
    review = session.get(Review, late)
    assert review is not None
    review.status = ReviewStatus.APPROVED
    session.commit()
    assert _ids(review_queue(session, QueueFilter())) == [early]
    approved = QueueFilter(status=ReviewStatus.APPROVED)
    assert _ids(review_queue(session, approved)) == [late]
    assert count_queue(session, QueueFilter(status=None)) == 3


def test_deadline_is_the_earliest_of_the_reviews_own_and_statutory_milestones(
    session: Session,
) -> None:
    a = make_case(session, dpd=120)
    b = make_case(session, dpd=120)
    c = make_case(session, dpd=120)
    assert a.id and b.id and c.id
    ra = _review(session, a.id, Stage.LAWYER_LETTER)
    rb = _review(session, b.id, Stage.LAWYER_LETTER)
    rc = _review(session, c.id, Stage.LAWYER_LETTER)
    _milestone(session, a.id, "legal_review", date(2026, 11, 4))
    _milestone(session, b.id, "legal_review", date(2026, 11, 20))
    _milestone(
        session, b.id, "court_acceptance", date(2026, 11, 10), stage=Stage.PAYMENT_ORDER,
        entry_on=date(2026, 10, 1), rule="CPL 2023 Art. 223",
    )  # fmt: skip
    # not deadlines of the review: another stage entry's milestone without a rule, a met one
    _milestone(session, c.id, "first_contact", date(2026, 11, 3), stage=Stage.FORMAL_DEMAND)
    _milestone(session, c.id, "legal_review", date(2026, 11, 3), status=MilestoneStatus.MET)
    session.commit()

    items = {i["id"]: i for i in review_queue(session, QueueFilter())}
    assert items[ra]["deadline"] == {
        "kind": "legal_review", "due": date(2026, 11, 4), "rule": None, "statutory": False,
    }  # fmt: skip
    assert items[rb]["deadline"]["kind"] == "court_acceptance"
    assert items[rb]["deadline"]["statutory"] is True
    assert items[rc]["deadline"] is None

    by_5th = QueueFilter(due_by=date(2026, 11, 5))
    assert _ids(review_queue(session, by_5th)) == [ra]
    assert count_queue(session, by_5th) == 1
    by_10th = QueueFilter(due_by=date(2026, 11, 10))
    assert _ids(review_queue(session, by_10th)) == [ra, rb]
    assert count_queue(session, QueueFilter(due_by=date(2026, 11, 2))) == 0
    assert deadlines_for(session, []) == {}
