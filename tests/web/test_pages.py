"""The console's pages through a TestClient, signed in through the form as a person would
(tests/web/conftest.py): the queue and its filters, a review with its whole case and its
decision, the case file, documents, deadlines, the dashboard, the language switch, masking and
escaping."""

from __future__ import annotations

import hashlib
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlmodel import Session, select

from models import Document, Milestone, TimelineEvent
from models.review import Review
from rules.enums import DecisionVia, ReviewStatus, Role, Stage
from tests.web.conftest import (
    COLLECTOR,
    HOSTILE_NAME,
    LEGAL,
    OPS,
    SUPERVISOR,
    WebStore,
    signed_in_as,
)

PDF_BYTES = b"%PDF-1.7\n% a stored letter\n%%EOF\n"


def _review(store: WebStore, review_id: int) -> Review:
    with Session(store.settings.engine) as session:
        review = session.get(Review, review_id)
        assert review is not None
        return review


def _milestone(
    store: WebStore,
    case_id: int,
    *,
    kind: str,
    due: date,
    stage: Stage = Stage.LAWYER_LETTER,
    entry_on: date = date(2026, 11, 2),
    owner: str = COLLECTOR,
    rule: str | None = None,
) -> None:
    """An open milestone of `case_id` (by default the review's own: the stage it asks to enter,
    opened the day it was requested; with `rule`, a statutory one)."""
    with Session(store.settings.engine) as session:
        session.add(
            Milestone(
                case_id=case_id, kind=kind, stage=stage, entry_on=entry_on,
                opened_on=date(2026, 11, 2), due=due, owner=owner, owner_role=Role.LEGAL,
                rule=rule, policy_version="test",
            )
        )  # fmt: skip
        session.commit()


def _document(store: WebStore, case_id: int, data: bytes = PDF_BYTES) -> int:
    """A stored PDF letter of `case_id`: its file under <home>/documents and its row."""
    rel = f"collection_letter/2026/CL-2026-{case_id:06d}.pdf"
    path = store.settings.documents_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    with Session(store.settings.engine) as session:
        doc = Document(
            case_id=case_id, kind="collection_letter", number=f"CL-2026-{case_id:06d}",
            format="pdf", as_of=date(2026, 11, 2), path=rel,
            sha256=hashlib.sha256(data).hexdigest(), size=len(data), pages=1,
            template="collection_letter/template.html", template_version=3, data="{}",
            idempotency_key=f"collection_letter:{case_id}:2026-11-02:pdf",
        )  # fmt: skip
        session.add(doc)
        session.commit()
        assert doc.id is not None
        return doc.id


def _ids_in_queue(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<a href="/reviews/(\d+)">', html)]


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
    ids = _ids_in_queue(page.text)
    assert ids == sorted([*web_store.review_ids, web_store.supervisor_review_id])
    assert "张三" in page.text and "李四" in page.text
    assert "20,850.00" in page.text  # principal + interest + fees of the factory's account
    assert "审批队列" in page.text  # Chinese by default


def test_collector_queue_holds_only_reviews_of_their_own_cases(
    client: TestClient, web_store: WebStore
) -> None:
    signed_in_as(client, COLLECTOR)
    ids = _ids_in_queue(client.get("/reviews").text)
    assert web_store.review_ids[2] not in ids  # the case of another collector
    assert web_store.review_ids[0] in ids and web_store.review_ids[1] in ids


def test_queue_filters_by_kind_and_status(client: TestClient, web_store: WebStore) -> None:
    signed_in_as(client, LEGAL)
    negotiation = _ids_in_queue(client.get("/reviews?kind=negotiation").text)
    assert negotiation == [web_store.supervisor_review_id]
    assert _ids_in_queue(client.get("/reviews?status=approved").text) == []
    with Session(web_store.settings.engine) as session:
        review = session.get(Review, web_store.review_ids[1])
        assert review is not None
        review.status = ReviewStatus.APPROVED
        session.commit()
    assert _ids_in_queue(client.get("/reviews?status=approved").text) == [web_store.review_ids[1]]
    assert web_store.review_ids[1] not in _ids_in_queue(client.get("/reviews").text)
    everything = _ids_in_queue(client.get("/reviews?status=all").text)
    assert len(everything) == 4


def test_queue_shows_the_deadline_each_review_is_under_and_filters_by_due(
    client: TestClient, web_store: WebStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-06")
    first, second, third = web_store.review_ids
    _milestone(web_store, web_store.case_ids[0], kind="legal_review", due=date(2026, 11, 4))
    # a statutory milestone earlier than the review's own decides the second one's deadline
    _milestone(web_store, web_store.case_ids[1], kind="legal_review", due=date(2026, 11, 20))
    _milestone(
        web_store, web_store.case_ids[1], kind="court_acceptance", due=date(2026, 11, 10),
        stage=Stage.PAYMENT_ORDER, entry_on=date(2026, 10, 1), rule="CPL 2023 Art. 223",
    )  # fmt: skip
    signed_in_as(client, LEGAL)
    page = client.get("/reviews").text
    assert "2026-11-04" in page and "legal_review" in page
    assert "2026-11-10" in page and "CPL 2023 Art. 223" in page
    assert "2026-11-20" not in page  # the earlier deadline is the one shown
    overdue = _ids_in_queue(client.get("/reviews?due=overdue").text)
    assert overdue == [first]
    week = _ids_in_queue(client.get("/reviews?due=week").text)
    assert week == [first, second]
    assert third not in week
    # an unknown value is no filter, not an error
    assert client.get("/reviews?due=someday&kind=nonsense&status=bogus").status_code == 200


def test_queue_pages(client: TestClient, web_store: WebStore) -> None:
    signed_in_as(client, LEGAL)
    first = client.get("/reviews?limit=2").text
    assert len(_ids_in_queue(first)) == 2
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/reviews?limit=2&page=2").text
    assert len(_ids_in_queue(second)) == 2
    assert set(_ids_in_queue(first)).isdisjoint(_ids_in_queue(second))
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
    review = _review(web_store, review_id)
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
    assert _review(web_store, review_id).status == ReviewStatus.REJECTED
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
    assert _review(web_store, review_id).status == ReviewStatus.PENDING


def test_a_collector_forging_the_form_is_refused_403(
    client: TestClient, web_store: WebStore
) -> None:
    csrf = signed_in_as(client, COLLECTOR)
    review_id = web_store.review_ids[0]  # a review of the collector's own case
    response = client.post(f"/reviews/{review_id}/approve", data={"csrf": csrf, "comment": "x"})
    assert response.status_code == 403
    assert _review(web_store, review_id).status == ReviewStatus.PENDING


def test_a_post_without_its_csrf_token_is_refused(client: TestClient, web_store: WebStore) -> None:
    signed_in_as(client, LEGAL)
    review_id = web_store.review_ids[0]
    response = client.post(f"/reviews/{review_id}/approve", data={"comment": "looks fine"})
    assert response.status_code == 403
    assert _review(web_store, review_id).status == ReviewStatus.PENDING


def test_deciding_twice_shows_the_task_line(client: TestClient, web_store: WebStore) -> None:
    csrf = signed_in_as(client, LEGAL)
    review_id = web_store.review_ids[0]
    data = {"csrf": csrf, "comment": "ok"}
    assert client.post(f"/reviews/{review_id}/approve", data=data).status_code == 303
    again = client.post(f"/reviews/{review_id}/reject", data=data)
    assert again.status_code == 409
    assert f"review {review_id} is already approved by {LEGAL}" in again.text
    assert _review(web_store, review_id).status == ReviewStatus.APPROVED


# -- the case file, documents -----------------------------------------------------------------


def test_case_page_masks_personal_data(client: TestClient, web_store: WebStore) -> None:
    signed_in_as(client, LEGAL)
    page = client.get(f"/cases/{web_store.case_ids[0]}")
    assert page.status_code == 200
    text = page.text
    for raw in ("13812345678", "330106199001011234", "6225880123456789", "文三路100号"):
        assert raw not in text
    assert "138****5678" in text  # the phone as the CLI masks it
    assert "张三" in text  # names are shown, as the CLI shows them


def test_case_page_404_for_a_missing_case_and_another_collectors_case(
    client: TestClient, web_store: WebStore
) -> None:
    signed_in_as(client, COLLECTOR)
    assert client.get(f"/cases/{web_store.case_ids[0]}").status_code == 200
    other = client.get(f"/cases/{web_store.hostile_case_id}")
    assert other.status_code == 404
    assert "alert" not in other.text  # nothing of the case leaks
    assert client.get("/cases/424242").status_code == 404
    assert client.get("/cases/0").status_code == 404
    for huge in ("/cases/", "/reviews/", "/documents/"):  # beyond what the database can hold
        assert client.get(f"{huge}99999999999999999999").status_code == 404, huge


def test_a_hostile_debtor_name_is_text(client: TestClient, web_store: WebStore) -> None:
    signed_in_as(client, LEGAL)
    for url in ("/reviews", f"/cases/{web_store.hostile_case_id}",
                f"/reviews/{web_store.review_ids[2]}"):  # fmt: skip
        text = client.get(url).text
        assert "<script>alert" not in text and "<b>五</b>" not in text
        assert str(escape(HOSTILE_NAME)) in text  # the name, whole, as text


def test_document_served_inline_with_its_hash_and_verify_status(
    client: TestClient, web_store: WebStore
) -> None:
    doc_id = _document(web_store, web_store.case_ids[0])
    signed_in_as(client, COLLECTOR)  # the case's owner
    pdf = client.get(f"/documents/{doc_id}")
    assert pdf.status_code == 200
    assert pdf.content == PDF_BYTES
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("inline")
    assert pdf.headers["x-frame-options"] == "SAMEORIGIN"  # the view page may embed it
    view = client.get(f"/documents/{doc_id}/view").text
    assert hashlib.sha256(PDF_BYTES).hexdigest() in view
    assert f'data="/documents/{doc_id}"' in view and 'type="application/pdf"' in view
    assert "校验通过" in view
    case_page = client.get(f"/cases/{web_store.case_ids[0]}").text
    assert f"/documents/{doc_id}/view" in case_page


def test_a_changed_or_missing_file_says_so(client: TestClient, web_store: WebStore) -> None:
    doc_id = _document(web_store, web_store.case_ids[1])
    path = next((web_store.settings.documents_dir / "collection_letter").rglob("*.pdf"))
    path.write_bytes(PDF_BYTES + b"tampered")
    signed_in_as(client, LEGAL)
    assert "文件已被改动" in client.get(f"/documents/{doc_id}/view").text
    verify = client.get("/documents/verify").text
    assert "已改动" in verify and f"/documents/{doc_id}/view" in verify
    assert str(path) not in verify  # no server path on the page
    path.unlink()
    assert "文件缺失" in client.get(f"/documents/{doc_id}/view").text
    assert client.get(f"/documents/{doc_id}").status_code == 404


def test_documents_of_another_collectors_case_are_404(
    client: TestClient, web_store: WebStore
) -> None:
    doc_id = _document(web_store, web_store.hostile_case_id)
    signed_in_as(client, COLLECTOR)
    assert client.get(f"/documents/{doc_id}").status_code == 404
    assert client.get(f"/documents/{doc_id}/view").status_code == 404
    assert client.get("/documents/verify").status_code == 403  # the whole store: not theirs
    assert client.get("/documents/777777").status_code == 404


# -- deadlines, dashboard ---------------------------------------------------------------------


def test_deadlines_per_owner(
    client: TestClient, web_store: WebStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-06")
    _milestone(web_store, web_store.case_ids[0], kind="legal_review", due=date(2026, 11, 5))
    _milestone(
        web_store, web_store.hostile_case_id, kind="lawyer_letter_sent", due=date(2026, 11, 7),
        owner=LEGAL,
    )  # fmt: skip
    signed_in_as(client, LEGAL)
    page = client.get("/deadlines").text
    assert "legal_review" in page and "lawyer_letter_sent" in page
    assert "overdue" in page and COLLECTOR in page and LEGAL in page
    mine = client.get(f"/deadlines?owner={LEGAL}").text
    assert "lawyer_letter_sent" in mine and "legal_review" not in mine
    assert "没有到期" in client.get("/deadlines?within=0&owner=nobody").text


def test_a_collector_sees_their_own_deadlines_only(
    client: TestClient, web_store: WebStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-06")
    _milestone(web_store, web_store.case_ids[0], kind="legal_review", due=date(2026, 11, 5))
    _milestone(
        web_store, web_store.hostile_case_id, kind="lawyer_letter_sent", due=date(2026, 11, 7),
        owner=LEGAL,
    )  # fmt: skip
    signed_in_as(client, COLLECTOR)
    page = client.get(f"/deadlines?owner={LEGAL}").text  # asking for another's is ignored
    assert "legal_review" in page and "lawyer_letter_sent" not in page


def test_dashboard_for_ops_and_not_for_collectors(client: TestClient, web_store: WebStore) -> None:
    signed_in_as(client, OPS)
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert 'id="open-cases">3<' in page.text
    assert COLLECTOR in page.text and "demo.maops" in page.text  # workload per person
    assert "尚无运行记录" in page.text  # no runs yet
    client.cookies.clear()
    signed_in_as(client, COLLECTOR)
    assert client.get("/dashboard").status_code == 403


# -- language, page hygiene -----------------------------------------------------------------


def test_language_from_accept_language_and_the_switch(client: TestClient) -> None:
    signed_in_as(client, LEGAL)
    assert "审批队列" in client.get("/reviews").text
    english = client.get("/reviews", headers={"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"})
    assert "Review queue" in english.text
    switched = client.get("/lang/en?next=/reviews%3Fstatus%3Dall")
    assert switched.status_code == 303
    assert switched.headers["location"] == "/reviews?status=all"
    assert "Review queue" in client.get("/reviews").text
    assert 'href="/lang/zh?next=' in client.get("/reviews").text
    assert client.get("/lang/en?next=//evil.example/x").headers["location"] == "/"
    assert client.get("/lang/en?next=https://evil.example").headers["location"] == "/"


def test_pages_hold_no_inline_script_or_style(client: TestClient, web_store: WebStore) -> None:
    signed_in_as(client, LEGAL)
    doc_id = _document(web_store, web_store.case_ids[0])
    urls = [
        "/reviews", f"/reviews/{web_store.review_ids[0]}", f"/cases/{web_store.case_ids[0]}",
        f"/documents/{doc_id}/view", "/deadlines", "/dashboard", "/documents/verify",
    ]  # fmt: skip
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.text
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, url
        assert re.search(r"\sstyle=", html) is None, url
        assert re.search(r"\son[a-z]+=", html) is None, url
        assert "<style" not in html, url
        assert "script-src 'self'" in response.headers["content-security-policy"]


def test_static_script_and_styles_are_served(client: TestClient) -> None:
    script = client.get("/static/app.js")
    assert script.status_code == 200 and "data-confirm" in script.text
    assert client.get("/static/app.css").status_code == 200


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
    assert _review(web_store, review_id).status == ReviewStatus.PENDING
