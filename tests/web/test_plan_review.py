"""A plan's review in the web console: the checker sees the schedule and the proposer, the
proposer may not approve their own plan, and the approval makes the plan current with its
agreement stored under the console's home."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models import Document, RepaymentPlan
from rules.enums import PlanKind, PlanStatus, Role
from rules.roster import User
from tasks.negotiation.plans import propose_plan
from tests.factories import make_case
from tests.web.conftest import COLLECTOR, SUPERVISOR, WebStore, signed_in_as

PROPOSER = "demo.wuxia"  # the demo roster's other supervisor
EN = {"accept-language": "en"}


@pytest.fixture
def plan_review(web_store: WebStore, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """(plan id, review id) of a 6-month plan proposed by PROPOSER on a collector's case."""
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-10")
    proposer = User(name=PROPOSER, display_name="吴霞", role=Role.SUPERVISOR)
    with Session(web_store.settings.engine) as session:
        case = make_case(session, owner=COLLECTOR, name="赵六")
        plan = propose_plan(
            session, str(case.id), kind=PlanKind.INSTALLMENTS, months=6, first_due=None,
            waive_fees=True, note=None, user=proposer,
        )  # fmt: skip
        session.commit()
    return plan["id"], plan["review_id"]


def test_the_review_page_shows_the_schedule_and_the_proposer(
    client: TestClient, plan_review: tuple[int, int]
) -> None:
    plan_id, review_id = plan_review
    signed_in_as(client, SUPERVISOR)
    page = client.get(f"/reviews/{review_id}", headers=EN).text
    section = page[page.index('<section class="plan-review" id="plan">') :]
    section = section[: section.index("</section>")]
    assert f"Plan {plan_id}" in section and f"Proposed by {PROPOSER} on 2026-11-10" in section
    # 20,800.00 over 6 months (fees waived): the remainder fen on the first instalments
    assert section.count("3,466.67") == 4 and section.count("3,466.66") == 2
    assert "2026-12-10" in section and "2027-05-10" in section
    assert f'action="/reviews/{review_id}/approve"' in page


def test_the_proposer_is_refused_and_another_supervisor_approves(
    client: TestClient, web_store: WebStore, plan_review: tuple[int, int]
) -> None:
    plan_id, review_id = plan_review
    csrf = signed_in_as(client, PROPOSER)
    own = client.post(f"/reviews/{review_id}/approve", data={"csrf": csrf, "comment": "ok"})
    assert own.status_code == 409 and "four-eyes" in own.text
    checker = TestClient(client.app, follow_redirects=False)
    csrf = signed_in_as(checker, SUPERVISOR)
    done = checker.post(f"/reviews/{review_id}/approve", data={"csrf": csrf, "comment": "同意"})
    assert done.status_code == 303
    with Session(web_store.settings.engine) as session:
        plan = session.get(RepaymentPlan, plan_id)
        assert plan is not None and plan.status is PlanStatus.CURRENT
        docs = session.exec(select(Document)).all()
    assert {d.format for d in docs} == {"pdf", "docx"}
    documents_dir: Path = web_store.settings.documents_dir
    assert all((documents_dir / d.path).is_file() for d in docs)
    page = checker.get(f"/reviews/{review_id}", headers=EN).text
    assert f"agreement {docs[0].number}" in page and "the plan is current" in page


def test_a_collector_cannot_approve_a_plan(
    client: TestClient, plan_review: tuple[int, int]
) -> None:
    _, review_id = plan_review
    csrf = signed_in_as(client, COLLECTOR)
    page = client.get(f"/reviews/{review_id}")
    assert page.status_code == 200 and "/approve" not in page.text
    forged = client.post(f"/reviews/{review_id}/approve", data={"csrf": csrf, "comment": "x"})
    assert forged.status_code == 403


def test_a_supervisor_rejects_a_plan_from_the_console(
    client: TestClient, web_store: WebStore, plan_review: tuple[int, int]
) -> None:
    plan_id, review_id = plan_review
    csrf = signed_in_as(client, SUPERVISOR)
    done = client.post(f"/reviews/{review_id}/reject", data={"csrf": csrf, "comment": "收入不足"})
    assert done.status_code == 303
    with Session(web_store.settings.engine) as session:
        plan = session.get(RepaymentPlan, plan_id)
        assert plan is not None and plan.status is PlanStatus.REJECTED
        assert plan.reason == "收入不足" and session.exec(select(Document)).all() == []
    page = client.get(f"/reviews/{review_id}", headers=EN).text
    assert "the plan does not take effect" in page


def test_a_collector_proposes_a_plan_from_their_case_page(
    client: TestClient, web_store: WebStore
) -> None:
    case_id = web_store.case_ids[0]  # owned by COLLECTOR
    csrf = signed_in_as(client, COLLECTOR)
    page = client.get(f"/cases/{case_id}").text
    assert f'action="/cases/{case_id}/plans"' in page
    form = {"csrf": csrf, "kind": "installments", "months": "12", "note": "失业"}
    done = client.post(f"/cases/{case_id}/plans", data=form)
    assert done.status_code == 303 and done.headers["location"].startswith("/reviews/")
    with Session(web_store.settings.engine) as session:
        plan = session.exec(select(RepaymentPlan)).one()
    assert (plan.case_id, plan.proposed_by, plan.months) == (case_id, COLLECTOR, 12)
    assert done.headers["location"] == f"/reviews/{plan.review_id}"


def test_a_refused_proposal_comes_back_on_the_case_page_in_one_line(
    client: TestClient, web_store: WebStore
) -> None:
    case_id = web_store.case_ids[0]
    csrf = signed_in_as(client, COLLECTOR)
    form = {"csrf": csrf, "kind": "installments", "months": "72", "note": "五年以上"}
    refused = client.post(f"/cases/{case_id}/plans", data=form, headers=EN)
    assert refused.status_code == 400 and "5-year limit" in refused.text
    assert 'value="72"' in refused.text and "Traceback" not in refused.text
    with Session(web_store.settings.engine) as session:
        assert session.exec(select(RepaymentPlan)).all() == []
    other = web_store.hostile_case_id  # not the collector's: 404, never a plan
    assert client.post(f"/cases/{other}/plans", data=form).status_code == 404
    assert client.post(f"/cases/{case_id}/plans", data={"kind": "deferral"}).status_code == 403
