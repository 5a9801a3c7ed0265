from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import TimelineEvent
from models.review import Review
from rules.enums import ReviewStatus, Role, Stage
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
        ("review_decided", "li.legal", "approved the move to lawyer_letter: 证据齐全"),
        # an approved lawyer's letter places the case with a panel firm (tasks/law_firms)
        ("placed", "li.legal", "placed with 东海律师事务所（演示） (demo-donghai); signing lawyer "
         "王明（演示）, licence 13101200000000001"),
    ]  # fmt: skip


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
        events = s.exec(select(TimelineEvent).where(TimelineEvent.event == "review_decided")).all()
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


def _timeline(session: Session, case_id: int) -> list[tuple[str, date, str]]:
    rows = session.exec(
        select(TimelineEvent).where(TimelineEvent.case_id == case_id).order_by(TimelineEvent.id)  # type: ignore[arg-type]
    )
    return [(e.event, e.as_of, e.detail) for e in rows]


def _close(session: Session, case_id: int, outcome: str = "paid") -> None:
    from models import Case
    from rules.enums import CaseStatus, Outcome

    case = session.get(Case, case_id)
    assert case is not None
    case.status, case.outcome, case.closed_on = CaseStatus.CLOSED, Outcome(outcome), DAY
    session.add(case)
    session.flush()


# -- issue 12 item 8: decisions are dated by the clock -------------------------------------------


def test_a_decision_is_dated_today(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-05")
    review = _review(session)
    decide_review(session, review.id or 0, user=LEGAL, approve=True, comment=None)
    assert _timeline(session, review.case_id)[0] == (
        "review_decided", date(2026, 11, 5), "approved the move to lawyer_letter"
    )  # fmt: skip


@pytest.mark.parametrize(
    ("as_of", "why"),
    [
        (date(2020, 1, 1), r"--as-of 2020-01-01 is before review \d+ was requested \(2026-11-02\)"),
        (date(2030, 1, 1), r"--as-of 2030-01-01 is after today \(2026-11-05\)"),
        (date(2026, 11, 6), r"--as-of 2026-11-06 is after today"),  # tomorrow
        (date(2026, 11, 1), r"is before review \d+ was requested"),  # the day before the request
    ],
)
def test_a_decision_before_the_request_or_after_today_is_refused(
    session: Session, monkeypatch: pytest.MonkeyPatch, as_of: date, why: str
) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-05")
    review = _review(session)
    with pytest.raises(DuecourseError, match=why) as refused:
        decide_review(session, review.id or 0, user=LEGAL, approve=True, comment=None, as_of=as_of)
    assert not isinstance(refused.value, InputError)  # exit 1: the request cannot be done
    session.refresh(review)
    assert review.status == ReviewStatus.PENDING
    assert _timeline(session, review.case_id) == []


def test_a_decision_taken_since_the_request_may_be_recorded_for_its_day(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-05")
    review = _review(session)  # requested 2026-11-02
    decide_review(session, review.id or 0, user=LEGAL, approve=False, comment="证据不足", as_of=DAY)
    assert _timeline(session, review.case_id)[0][:2] == ("review_decided", DAY)


# -- issue 12 item 9: reviews follow their case --------------------------------------------------


def test_approving_the_review_of_a_closed_case_withdraws_it(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tasks.reviews import ReviewWithdrawn

    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-05")
    review = _review(session)
    _close(session, review.case_id, "paid")
    with pytest.raises(ReviewWithdrawn, match=r"withdrawn: case \d+ closed as paid on 2026-11-02"):
        decide_review(session, review.id or 0, user=LEGAL, approve=True, comment=None)
    session.refresh(review)
    assert (review.status, review.decided_by) == (ReviewStatus.WITHDRAWN, None)
    assert _timeline(session, review.case_id) == [
        (
            "review_withdrawn",
            date(2026, 11, 5),
            f"review {review.id} of the move to lawyer_letter withdrawn: the case closed as paid",
        )
    ]
    with pytest.raises(DuecourseError, match=r"already withdrawn \(its case closed\)$"):
        decide_review(session, review.id or 0, user=LEGAL, approve=False, comment="x")


def test_withdrawal_is_one_statement_for_every_closed_case(session: Session) -> None:
    from tasks.reviews import withdraw_closed_reviews

    paid, cured, still_open = _review(session), _review(session), _review(session)
    _close(session, paid.case_id, "paid")
    _close(session, cured.case_id, "cured")
    conn = session.connection()
    assert withdraw_closed_reviews(conn, DAY) == 2
    assert withdraw_closed_reviews(conn, DAY) == 0  # a rerun finds nothing left
    for r in (paid, cured, still_open):
        session.refresh(r)
    assert [r.status for r in (paid, cured, still_open)] == [
        ReviewStatus.WITHDRAWN,
        ReviewStatus.WITHDRAWN,
        ReviewStatus.PENDING,
    ]
    assert _timeline(session, cured.case_id)[0][2].endswith("the case closed as cured")
    assert _timeline(session, still_open.case_id) == []
    assert [r["id"] for r in list_reviews(session, status=ReviewStatus.WITHDRAWN)] == [
        paid.id,
        cured.id,
    ]


def test_the_daily_cycle_withdraws_the_reviews_of_closed_cases_first(engine: Engine) -> None:
    from tasks.cycle.core import run_day
    from tests.tasks.cycle_data import bundle, table

    with Session(engine) as s:
        closed = _review(s)
        open_one = _review(s)
        _close(s, closed.case_id, "cured")
        ids = (closed.id, open_one.id)
        closed_case = closed.case_id
        s.commit()
    run_day(engine, date(2026, 11, 3), bundle())
    status = {r.id: r.status for r in table(engine, "review")}
    assert (status[ids[0]], status[ids[1]]) == ("withdrawn", "pending")
    lines = [(t.case_id, t.event, t.as_of, t.actor) for t in table(engine, "timeline_event")]
    assert (closed_case, "review_withdrawn", date(2026, 11, 3), "daily_cycle") in lines
