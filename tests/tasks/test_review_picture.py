"""The reviewer's whole picture (`review show`): every section a lawyer reads, the deadlines the
decision is under, and no personal data unmasked."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from importlib.util import find_spec

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import BalanceSnapshot, Case, Milestone
from models.dispute import Dispute
from models.plan import RepaymentPlan
from models.promise import Promise
from models.review import Review
from rules.enums import (
    Bucket,
    DisputeKind,
    DisputeStatus,
    PlanKind,
    PlanStatus,
    PromiseStatus,
    Role,
    Stage,
)
from tasks.review_picture import review_picture
from tests.tasks.legal_seed import AS_OF, DEMANDS, legal_case

SECTIONS = {
    "balance", "balance_history", "contacts", "delivered_demands", "promises", "plans",
    "disputes", "documents", "drafts", "deadlines", "payment_order_preconditions",
}  # fmt: skip


def _milestone(case_id: int, kind: str, stage: Stage, due: date, rule: str | None) -> Milestone:
    return Milestone(
        case_id=case_id, kind=kind, stage=stage, entry_on=AS_OF, opened_on=AS_OF, due=due,
        owner_role=Role.LEGAL, rule=rule, policy_version="v1",
    )  # fmt: skip


def _seed(engine: Engine) -> int:
    with Session(engine) as s:
        case_id = legal_case(s)
        case = s.get(Case, case_id)
        assert case is not None
        review = Review(
            case_id=case_id, target_stage=Stage.PAYMENT_ORDER, required_role=Role.LEGAL,
            opened_on=AS_OF, key="r1", policy_version="v1",
        )  # fmt: skip
        s.add(review)
        for day, principal in ((date(2026, 10, 1), "19000"), (date(2026, 11, 2), "20000")):
            s.add(BalanceSnapshot(
                account_id=case.account_id, as_of=day, principal=Decimal(principal),
                interest=Decimal("800"), fees=Decimal("50"), minimum_due=Decimal("1000"),
                days_past_due=120, bucket=Bucket.M4,
            ))  # fmt: skip
        s.add(_milestone(case_id, "legal_review", Stage.PAYMENT_ORDER, date(2026, 11, 4), None))
        s.add(_milestone(case_id, "po_acceptance", Stage.LAWYER_LETTER, date(2026, 11, 3),
                         "CPL 2023 Art. 226"))  # fmt: skip
        s.add(Promise(case_id=case_id, amount=Decimal("500"), made_on=date(2026, 10, 1),
                      due_on=date(2026, 10, 8), status=PromiseStatus.BROKEN))  # fmt: skip
        s.add(Dispute(case_id=case_id, kind=DisputeKind.DISPUTED_CHARGES,
                      status=DisputeStatus.REJECTED, opened_on=date(2026, 10, 2),
                      note="客户称电话13812345678的交易不是本人", resolution="驳回"))  # fmt: skip
        s.add(RepaymentPlan(case_id=case_id, kind=PlanKind.INSTALLMENTS, status=PlanStatus.REJECTED,
                            balance=Decimal("20850"), total=Decimal("20850"), months=12,
                            first_due=date(2026, 11, 15), proposed_by="demo.zhangmin",
                            proposed_on=date(2026, 10, 5)))  # fmt: skip
        s.commit()
        assert review.id is not None
        return review.id


def test_review_picture_holds_every_section(engine: Engine) -> None:
    review_id = _seed(engine)
    with Session(engine) as s:
        p = review_picture(s, review_id)
    assert set(p) >= SECTIONS
    assert p["balance"]["total"] == Decimal("20850.00") and p["balance"]["days_past_due"] == 120
    assert [h["as_of"] for h in p["balance_history"]] == [date(2026, 11, 2), date(2026, 10, 1)]
    assert [d["number"] for d in p["delivered_demands"]] == [n for _, _, _, n, _ in DEMANDS]
    assert all(d["tracking_number"] for d in p["delivered_demands"])
    assert len(p["contacts"]) == 3 and len(p["documents"]) == 3
    assert [len(p[k]) for k in ("promises", "plans", "disputes")] == [1, 1, 1]
    assert p["deadlines"]["review"]["kind"] == "legal_review"
    assert p["deadlines"]["statutory"]["rule"] == "CPL 2023 Art. 226"
    assert p["deadlines"]["under"]["kind"] == "po_acceptance"  # the earlier of the two
    assert p["payment_order_preconditions"]["hold"] is True
    assert p["drafts"] == []  # no payment-order application drafted yet


def test_review_picture_keeps_personal_data_masked(engine: Engine) -> None:
    review_id = _seed(engine)
    with Session(engine) as s:
        text = json.dumps(review_picture(s, review_id), default=str, ensure_ascii=False)
    for secret in ("330106199001011234", "13812345678", "6225880123456789", "文三路100号"):
        assert secret not in text


def test_limitation_shown_when_the_clock_is_installed(engine: Engine) -> None:
    review_id = _seed(engine)
    with Session(engine) as s:
        p = review_picture(s, review_id)
    if find_spec("tasks.limitation") is None:  # the legal-events track's clock not landed
        assert "limitation" not in p
        return
    assert p["limitation"]["at"] == "2026-09-18"  # the due date: no restarting event recorded
    assert p["limitation"]["status"] == "running" and "188" in p["limitation"]["rule"]
