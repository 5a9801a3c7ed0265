"""The console's review pages through a TestClient, signed in through the form as a person
would (tests/web/conftest.py): the queue, its filters and pages, a review with its whole case,
and its decision (comment required, role and CSRF checked, four-eyes, the flash). The case
file, documents, deadlines, dashboard, language and page hygiene: test_pages_case.py."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models import TimelineEvent
from models.review import Review
from rules.enums import DecisionVia, ReviewStatus, Stage
from tests.web.conftest import COLLECTOR, LEGAL, SUPERVISOR, WebStore, signed_in_as
from tests.web.page_data import add_milestone, ids_in_queue, stored_review

# -- the queue -----------------------------------------------------------------------------------


def test_root_sends_a_signed_in_user_to_the_queue(client: TestClient) -> None:
    signed_in_as(client, LEGAL)
    response = client.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/reviews"


def test_queue_lists_pending_reviews_oldest_first_with_debtor_and_amounts(
    client: TestClient, web_store: WebStore
) -> None:
    signed_in_as(client, LEGAL)
    page = client.get("/reviews")
    assert page.status_code == 200
    ids = ids_in_queue(page.text)
    assert ids == sorted([*web_store.review_ids, web_store.supervisor_review_id])
    assert "张三" in page.text and "李四" in page.text
    assert "20,850.00" in page.text  # principal + interest + fees of the factory's account
    assert "审批队列" in page.text  # Chinese by default


def test_collector_queue_holds_only_reviews_of_their_own_cases(
    client: TestClient, web_store: WebStore
) -> None:
    signed_in_as(client, COLLECTOR)
    ids = ids_in_queue(client.get("/reviews").text)
    assert web_store.review_ids[2] not in ids  # the case of another collector
    assert web_store.review_ids[0] in ids and web_store.review_ids[1] in ids


def test_queue_filters_by_kind_and_status(client: TestClient, web_store: WebStore) -> None:
    signed_in_as(client, LEGAL)
    negotiation = ids_in_queue(client.get("/reviews?kind=negotiation").text)
    assert negotiation == [web_store.supervisor_review_id]
    assert ids_in_queue(client.get("/reviews?status=approved").text) == []
    with Session(web_store.settings.engine) as session:
        review = session.get(Review, web_store.review_ids[1])
        assert review is not None
        review.status = ReviewStatus.APPROVED
        session.commit()
    assert ids_in_queue(client.get("/reviews?status=approved").text) == [web_store.review_ids[1]]
    assert web_store.review_ids[1] not in ids_in_queue(client.get("/reviews").text)
    everything = ids_in_queue(client.get("/reviews?status=all").text)
    assert len(everything) == 4


def test_queue_shows_the_deadline_each_review_is_under_and_filters_by_due(
    client: TestClient, web_store: WebStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-06")
    first, second, third = web_store.review_ids
    add_milestone(web_store, web_store.case_ids[0], kind="legal_review", due=date(2026, 11, 4))
    # a statutory milestone earlier than the review's own decides the second one's deadline
    add_milestone(web_store, web_store.case_ids[1], kind="legal_review", due=date(2026, 11, 20))
    add_milestone(
        web_store, web_store.case_ids[1], kind="court_acceptance", due=date(2026, 11, 10),
        stage=Stage.PAYMENT_ORDER, entry_on=date(2026, 10, 1), rule="CPL 2023 Art. 223",
    )  # fmt: skip
    signed_in_as(client, LEGAL)
    page = client.get("/reviews").text
    assert "2026-11-04" in page and "legal_review" in page
    assert "2026-11-10" in page and "CPL 2023 Art. 223" in page
    assert "2026-11-20" not in page  # the earlier deadline is the one shown
    overdue = ids_in_queue(client.get("/reviews?due=overdue").text)
    assert overdue == [first]
    week = ids_in_queue(client.get("/reviews?due=week").text)
    assert week == [first, second]
    assert third not in week
    # an unknown value is no filter, not an error
    assert client.get("/reviews?due=someday&kind=nonsense&status=bogus").status_code == 200


def test_queue_pages(client: TestClient, web_store: WebStore) -> None:
    signed_in_as(client, LEGAL)
    first = client.get("/reviews?limit=2").text
    assert len(ids_in_queue(first)) == 2
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/reviews?limit=2&page=2").text
    assert len(ids_in_queue(second)) == 2
    assert set(ids_in_queue(first)).isdisjoint(ids_in_queue(second))
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert client.get("/reviews?limit=0").status_code == 400


# -- one review and its decision -------------------------------------------------------------


def test_review_page_shows_the_whole_case_and_the_forms_to_legal(
    client: TestClient, web_store: WebStore
) -> None:
    signed_in_as(client, LEGAL)
    review_id = web_store.review_ids[0]
    page = client.get(f"/reviews/{review_id}")
    assert page.status_code == 200
    text = page.text
    for section in ('id="amounts"', 'id="contacts"', 'id="negotiation"', 'id="milestones"',
                    'id="timeline"', 'id="documents"'):  # fmt: skip
        assert section in text
    assert "20,000.00" in text and "20,850.00" in text  # principal, balance
    assert text.count("暂无记录") >= 3  # promises, plans, disputes: none recorded yet
    assert f'action="/reviews/{review_id}/approve"' in text
    assert f'action="/reviews/{review_id}/reject"' in text
    assert 'name="comment" required' in text


def test_review_page_hides_the_forms_from_roles_that_may_not_decide(
    client: TestClient, web_store: WebStore
) -> None:
    signed_in_as(client, SUPERVISOR)
    page = client.get(f"/reviews/{web_store.review_ids[0]}").text
    assert "/approve" not in page
    assert "此审批需要 法务 角色决定" in page
    supervisor_review = client.get(f"/reviews/{web_store.supervisor_review_id}").text
    assert f"/reviews/{web_store.supervisor_review_id}/approve" in supervisor_review


def test_collector_sees_their_case_review_without_forms_and_404_for_others(
    client: TestClient, web_store: WebStore
) -> None:
    signed_in_as(client, COLLECTOR)
    own = client.get(f"/reviews/{web_store.review_ids[0]}")
    assert own.status_code == 200 and "/approve" not in own.text
    assert client.get(f"/reviews/{web_store.review_ids[2]}").status_code == 404
    assert client.get("/reviews/999999").status_code == 404


def test_approve_with_a_comment_records_it_from_the_web_and_flashes_once(
    client: TestClient, web_store: WebStore
) -> None:
    csrf = signed_in_as(client, LEGAL)
    review_id = web_store.review_ids[0]
    response = client.post(
        f"/reviews/{review_id}/approve", data={"csrf": csrf, "comment": "证据充分，同意发函"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/reviews/{review_id}"
    review = stored_review(web_store, review_id)
    assert review.status == ReviewStatus.APPROVED
    assert review.decided_by == LEGAL and review.decided_via == DecisionVia.WEB
    assert review.comment == "证据充分，同意发函"
    page = client.get(f"/reviews/{review_id}").text
    assert "已批准" in page  # the flash
    assert "证据充分，同意发函" in page  # the comment, and the timeline line
    assert "/approve" not in page  # decided: no more forms
    assert "已批准。" not in client.get(f"/reviews/{review_id}").text  # shown once
    with Session(web_store.settings.engine) as session:
        events = session.exec(
            select(TimelineEvent).where(TimelineEvent.case_id == web_store.case_ids[0])
        ).all()
    assert any(e.event == "review_decided" and e.actor == LEGAL for e in events)


def test_reject_with_a_comment(client: TestClient, web_store: WebStore) -> None:
    csrf = signed_in_as(client, LEGAL)
    review_id = web_store.review_ids[1]
    response = client.post(
        f"/reviews/{review_id}/reject", data={"csrf": csrf, "comment": "address unconfirmed"}
    )
    assert response.status_code == 303
    assert stored_review(web_store, review_id).status == ReviewStatus.REJECTED
    assert "已驳回" in client.get(f"/reviews/{review_id}").text


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_a_decision_without_a_comment_is_refused(
    client: TestClient, web_store: WebStore, action: str
) -> None:
    csrf = signed_in_as(client, LEGAL)
    review_id = web_store.review_ids[0]
    response = client.post(f"/reviews/{review_id}/{action}", data={"csrf": csrf, "comment": "  "})
    assert response.status_code == 400
    assert "请填写审批意见" in response.text
    assert stored_review(web_store, review_id).status == ReviewStatus.PENDING


def test_a_collector_forging_the_form_is_refused_403(
    client: TestClient, web_store: WebStore
) -> None:
    csrf = signed_in_as(client, COLLECTOR)
    review_id = web_store.review_ids[0]  # a review of the collector's own case
    response = client.post(f"/reviews/{review_id}/approve", data={"csrf": csrf, "comment": "x"})
    assert response.status_code == 403
    assert stored_review(web_store, review_id).status == ReviewStatus.PENDING


def test_a_post_without_its_csrf_token_is_refused(client: TestClient, web_store: WebStore) -> None:
    signed_in_as(client, LEGAL)
    review_id = web_store.review_ids[0]
    response = client.post(f"/reviews/{review_id}/approve", data={"comment": "looks fine"})
    assert response.status_code == 403
    assert stored_review(web_store, review_id).status == ReviewStatus.PENDING


def test_deciding_twice_shows_the_task_line(client: TestClient, web_store: WebStore) -> None:
    csrf = signed_in_as(client, LEGAL)
    review_id = web_store.review_ids[0]
    data = {"csrf": csrf, "comment": "ok"}
    assert client.post(f"/reviews/{review_id}/approve", data=data).status_code == 303
    again = client.post(f"/reviews/{review_id}/reject", data=data)
    assert again.status_code == 409
    assert f"review {review_id} is already approved by {LEGAL}" in again.text
    assert stored_review(web_store, review_id).status == ReviewStatus.APPROVED


def test_the_requester_of_a_review_is_not_offered_its_decision(
    client: TestClient, web_store: WebStore
) -> None:
    review_id = web_store.review_ids[0]
    with Session(web_store.settings.engine) as session:
        review = session.get(Review, review_id)
        assert review is not None
        review.requested_by = LEGAL
        session.commit()
    csrf = signed_in_as(client, LEGAL)
    page = client.get(f"/reviews/{review_id}").text
    assert "/approve" not in page and "四眼原则" in page
    forged = client.post(f"/reviews/{review_id}/approve", data={"csrf": csrf, "comment": "ok"})
    assert forged.status_code == 409  # the task's four-eyes line
    assert "four-eyes" in forged.text
    assert stored_review(web_store, review_id).status == ReviewStatus.PENDING
