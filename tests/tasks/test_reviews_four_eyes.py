"""Four-eyes and where a decision was taken (issue 20): whoever requested a review never decides
it, from the CLI or the web alike; the decision records `cli` or `web`."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from models.review import Review
from rules.enums import DecisionVia, ReviewStatus, Role, Stage
from rules.errors import DuecourseError
from rules.roster import User
from tasks.reviews import decide_review, show_review
from tests.factories import make_case

DAY = date(2026, 11, 2)
LEGAL = User(name="li.legal", display_name="李律", role=Role.LEGAL)
LEGAL_2 = User(name="sun.legal", display_name="孙法", role=Role.LEGAL)


def _review(session: Session, requested_by: str | None = None) -> int:
    case = make_case(session, dpd=120, stage=Stage.FORMAL_DEMAND)
    review = Review(
        case_id=case.id or 0, target_stage=Stage.LAWYER_LETTER, required_role=Role.LEGAL,
        opened_on=DAY, key=f"review:{case.id}:lawyer_letter", policy_version="v1",
    )  # fmt: skip
    if requested_by is not None:
        review.requested_by = requested_by
    session.add(review)
    session.flush()
    assert review.id is not None
    return review.id


@pytest.mark.parametrize("via", [DecisionVia.CLI, DecisionVia.WEB])
def test_the_requester_may_never_decide_their_own_review(
    session: Session, via: DecisionVia
) -> None:
    rid = _review(session, requested_by=LEGAL.name)
    for approve in (True, False):
        with pytest.raises(DuecourseError, match=r"requested by li\.legal.*four-eyes"):
            decide_review(
                session, rid, user=LEGAL, approve=approve, comment="mine", as_of=DAY, via=via
            )
    assert show_review(session, rid)["status"] == ReviewStatus.PENDING
    item = decide_review(session, rid, user=LEGAL_2, approve=True, comment="ok", as_of=DAY, via=via)
    assert item["status"] == ReviewStatus.APPROVED
    assert (item["requested_by"], item["decided_by"], item["decided_via"]) == (
        "li.legal",
        "sun.legal",
        via,
    )


def test_a_review_the_daily_cycle_opened_was_requested_by_the_system(session: Session) -> None:
    """The cycle writes reviews with a bulk insert that names no requester."""
    case = make_case(session, dpd=120)
    session.execute(
        sa.insert(Review.__table__),  # type: ignore[attr-defined]
        [{"case_id": case.id, "target_stage": Stage.LAWYER_LETTER, "required_role": Role.LEGAL,
          "status": ReviewStatus.PENDING, "opened_on": DAY, "key": "k-bulk",
          "policy_version": "v1"}],
    )  # fmt: skip
    rid = session.execute(sa.text("SELECT id FROM review WHERE key = 'k-bulk'")).scalar_one()
    assert show_review(session, rid)["requested_by"] == "system"
    item = decide_review(session, rid, user=LEGAL, approve=True, comment=None, as_of=DAY)
    assert item["decided_by"] == "li.legal" and item["decided_via"] is None  # a script's call


def test_the_stored_via_reads_back_as_the_enum(session: Session) -> None:
    rid = _review(session)
    decide_review(
        session, rid, user=LEGAL, approve=False, comment="no", as_of=DAY, via=DecisionVia.WEB
    )
    session.commit()
    session.expire_all()
    review = session.get(Review, rid)
    assert review is not None and review.decided_via is DecisionVia.WEB
    stored = session.execute(sa.text("SELECT decided_via FROM review WHERE id = :i"), {"i": rid})
    assert stored.scalar_one() == "web"
