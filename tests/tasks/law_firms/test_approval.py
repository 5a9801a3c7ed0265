"""Approving a review of the move to lawyer_letter places the case with a panel firm (balanced
by load); with every firm full the approval stands and the case waits, said on its timeline."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import Placement, Review, TimelineEvent
from rules import events
from rules.enums import ReviewStatus, Role, Stage
from rules.roster import User
from tasks.policy_dir import SHIPPED_POLICY_DIR
from tasks.reviews import decide_review
from tests.factories import make_case
from tests.tasks.law_firms.conftest import TODAY

LEGAL = User(name="lee", display_name="Lee", role=Role.LEGAL)


def _pending(engine: Engine, target: Stage = Stage.LAWYER_LETTER) -> tuple[int, int]:
    with Session(engine) as s:
        case = make_case(s, dpd=120)
        assert case.id is not None
        review = Review(
            case_id=case.id, target_stage=target, required_role=Role.LEGAL, opened_on=TODAY,
            key=f"k{case.id}", policy_version="v",
        )  # fmt: skip
        s.add(review)
        s.commit()
        return case.id, review.id or 0


def _approve(engine: Engine, review_id: int) -> None:
    with Session(engine) as s:
        decide_review(s, review_id, user=LEGAL, approve=True, comment=None)
        s.commit()


def test_an_approved_lawyers_letter_places_the_case_by_load(engine: Engine) -> None:
    placed = [_pending(engine) for _ in range(3)]
    for _, review_id in placed:
        _approve(engine, review_id)
    with Session(engine) as s:
        rows = s.exec(select(Placement)).all()
    # the shipped panel, capacities 400 and 200: both empty, the first listed; then 0/200 is
    # below 1/400; then 1/400 is below 1/200
    assert [(p.case_id, p.firm_id, p.review_id, p.placed_by) for p in rows] == [
        (placed[0][0], "demo-donghai", placed[0][1], "lee"),
        (placed[1][0], "demo-xihu", placed[1][1], "lee"),
        (placed[2][0], "demo-donghai", placed[2][1], "lee"),
    ]


def test_a_rejection_or_another_target_places_nothing(engine: Engine) -> None:
    _, rejected = _pending(engine)
    with Session(engine) as s:
        decide_review(s, rejected, user=LEGAL, approve=False, comment="证据不足")
        s.commit()
    _, other = _pending(engine, Stage.PAYMENT_ORDER)
    _approve(engine, other)
    with Session(engine) as s:
        assert s.exec(select(Placement)).all() == []


def test_with_every_firm_full_the_approval_stands_and_the_case_waits(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "policy"
    shutil.copytree(SHIPPED_POLICY_DIR, folder)
    panel = folder / "law_firms.yaml"
    text = panel.read_text(encoding="utf-8")
    panel.write_text(
        text.replace("capacity: 400", "capacity: 0").replace("capacity: 200", "capacity: 0"),
        "utf-8",
    )
    monkeypatch.setenv("DUECOURSE_POLICY_DIR", str(folder))
    case_id, review_id = _pending(engine)
    _approve(engine, review_id)
    with Session(engine) as s:
        review = s.get(Review, review_id)
        assert review is not None and review.status is ReviewStatus.APPROVED
        assert s.exec(select(Placement)).all() == []
        waiting = s.exec(
            select(TimelineEvent.detail).where(
                TimelineEvent.case_id == case_id, TimelineEvent.event == events.PLACEMENT_WAITING
            )
        ).all()
    assert len(waiting) == 1 and "no panel law firm can take the case" in waiting[0]
