"""What lands on the audit chain: a review's decision, the daily cycle's stage moves (both
engines), a stored document and a negotiation's way back to its legal stage; the chain holds."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from documents.manifest import Format
from models.review import Review
from rules.enums import Role, Stage
from rules.roster import User
from tasks.audit import list_entries, verify_store
from tasks.calendar import load_calendar
from tasks.cycle.core import Evaluator, run_day
from tasks.documents import render_documents
from tasks.letter_data import load_bank
from tasks.negotiation.flags import resume
from tasks.reviews import decide_review
from tests.factories import make_case
from tests.tasks.cycle_data import MONDAY, bundle

DAY = date(2026, 11, 2)
LEGAL = User(name="li.legal", display_name="李律", role=Role.LEGAL)
POLICY = Path(__file__).resolve().parents[2] / "policy"


def _entries(engine: Engine, case_id: int | None = None) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        assert verify_store(conn).ok
        return list_entries(conn, case_id=case_id, limit=100)


def test_a_review_decision_is_on_the_chain(engine: Engine) -> None:
    with Session(engine) as session:
        case_id = make_case(session, dpd=120, stage=Stage.FORMAL_DEMAND).id or 0
        review = Review(
            case_id=case_id, target_stage=Stage.LAWYER_LETTER, required_role=Role.LEGAL,
            opened_on=DAY, key=f"review:{case_id}:lawyer_letter", policy_version="v1",
        )  # fmt: skip
        session.add(review)
        session.flush()
        review_id = review.id
        decide_review(
            session, review.id or 0, user=LEGAL, approve=True, comment="证据齐全 13812345678",
            as_of=DAY,
        )  # fmt: skip
        session.commit()
    # the approval placed the case with a panel firm first (tasks/law_firms), then the decision
    placement, entry = _entries(engine)
    assert (placement["action"], placement["subject_type"]) == ("placement", "placement")
    assert (entry["action"], entry["actor"], entry["case_id"]) == (
        "review_decided",
        "li.legal",
        case_id,
    )
    assert (entry["subject_type"], entry["subject_id"]) == ("review", str(review_id))
    data = entry["data"]
    assert (data["decision"], data["target_stage"], data["on"]) == (
        "approved",
        "lawyer_letter",
        "2026-11-02",
    )
    assert data["comment"] == "证据齐全 138****5678"


@pytest.mark.parametrize("evaluator", [Evaluator.SQL, Evaluator.PYTHON])
def test_a_stage_move_of_the_daily_cycle_is_on_the_chain(
    engine: Engine, evaluator: Evaluator
) -> None:
    with Session(engine) as s:
        moving = make_case(s, dpd=20, stage=Stage.EARLY_WARNING, as_of=MONDAY).id
        make_case(s, dpd=20, stage=Stage.SOFT_REMINDER, as_of=MONDAY)  # stays: no row
        s.commit()
    result = run_day(engine, MONDAY, bundle(), evaluator=evaluator)
    assert result["actions"]["stage_move"] == 1
    (entry,) = _entries(engine)
    assert (entry["action"], entry["actor"], entry["case_id"]) == (
        "stage_changed",
        "daily_cycle",
        moving,
    )
    assert entry["data"]["from"] == "early_warning" and entry["data"]["to"] == "soft_reminder"
    assert entry["data"]["why"] == "ladder" and entry["data"]["on"] == MONDAY.isoformat()
    run_day(engine, MONDAY, bundle(), evaluator=evaluator)  # the same day again: no new row
    assert len(_entries(engine)) == 1


def test_a_stored_document_is_on_the_chain(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_of = date(2026, 11, 23)
    monkeypatch.setenv("DUECOURSE_TODAY", as_of.isoformat())
    with Session(engine) as s:
        case_id = make_case(s).id or 0
        s.commit()
    args: Any = (engine, tmp_path, load_bank(POLICY), "collection_letter", [case_id], as_of)
    cal = load_calendar(POLICY)
    first = render_documents(*args, formats=[Format.PDF, Format.DOCX], calendar=cal)
    render_documents(*args, formats=[Format.PDF], calendar=cal)  # a reprint: nothing stored
    entries = _entries(engine, case_id)
    assert [e["action"] for e in entries] == ["document_stored", "document_stored"]
    by_format = {e["data"]["format"]: e for e in entries}
    for doc in first.documents:
        entry = by_format[doc.format]
        assert entry["subject_id"] == str(doc.id) and entry["data"]["sha256"] == doc.sha256
        assert entry["data"]["number"] == doc.number


def test_resume_to_the_legal_stage_is_on_the_chain(engine: Engine) -> None:
    with Session(engine) as session:
        case = make_case(session, stage=Stage.NEGOTIATION)
        case.return_stage = Stage.LAWYER_LETTER
        session.add(case)
        session.flush()
        moved = resume(session, case, as_of=DAY, actor="li.legal", why="plan broken")
        session.commit()
    assert moved == Stage.LAWYER_LETTER
    (entry,) = _entries(engine)
    assert (entry["action"], entry["actor"]) == ("stage_changed", "li.legal")
    assert entry["data"]["from"] == "negotiation" and entry["data"]["to"] == "lawyer_letter"
    with engine.connect() as conn:  # the stage itself moved in the same transaction
        assert (
            conn.execute(sa.text("SELECT stage FROM collection_case")).scalar() == "lawyer_letter"
        )


def test_a_case_closed_by_payment_is_on_the_chain(engine: Engine) -> None:
    from decimal import Decimal

    from rules.allocation import PaymentSource
    from tasks.payments.record import record_payment

    with Session(engine) as session:
        case_id = make_case(session, stage=Stage.LAWYER_LETTER).id or 0
        out = record_payment(
            session, str(case_id), Decimal("20850.00"), date(2026, 11, 5), "TX-9",
            source=PaymentSource.CLI,
        )  # fmt: skip
        session.commit()
    assert out["closed"] is True
    (entry,) = _entries(engine, case_id)
    assert entry["action"] == "stage_changed"
    assert (entry["data"]["from"], entry["data"]["to"]) == ("lawyer_letter", "paid")


def test_a_plan_decision_is_on_the_chain_by_its_kind(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rules.enums import PlanKind
    from tasks.negotiation.plans import propose_plan

    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-10")
    monkeypatch.setenv("DUECOURSE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DUECOURSE_POLICY_DIR", raising=False)
    proposer = User(name="demo.wangfang", display_name="王芳", role=Role.COLLECTOR)
    checker = User(name="demo.zhoujie", display_name="周杰", role=Role.SUPERVISOR)
    with Session(engine) as session:
        case_id = make_case(session).id or 0
        plan = propose_plan(
            session, str(case_id), kind=PlanKind.INSTALLMENTS, months=12, first_due=None,
            waive_fees=False, note=None, user=proposer,
        )  # fmt: skip
        session.commit()
        decide_review(session, plan["review_id"], user=checker, approve=False, comment="收入不足")
        session.commit()
    decisions = [e for e in _entries(engine, case_id) if e["subject_type"] == "review"]
    (entry,) = decisions
    assert (entry["action"], entry["actor"]) == ("plan_decided", "demo.zhoujie")
    assert (entry["data"]["kind"], entry["data"]["decision"]) == ("plan", "rejected")
    assert entry["data"]["subject_id"] == plan["id"]
