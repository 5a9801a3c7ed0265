"""Roles and CSRF on the console's actions, four-eyes on the web, who sees which case."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from duecourse.web.auth import Forbidden, may_see_case, require_role
from models import Case
from models.review import Review
from rules.enums import DecisionVia, ReviewStatus, Role
from rules.roster import User
from tests.web.conftest import (
    COLLECTOR,
    LEGAL,
    LEGAL_2,
    OPS,
    OTHER_COLLECTOR,
    SUPERVISOR,
    WebStore,
    csrf_of,
    signed_in_as,
)


def test_a_collector_forging_the_approve_form_is_refused_403(
    client: TestClient, web_store: WebStore
) -> None:
    review_id = web_store.review_ids[0]  # a legal review of a case the collector owns
    csrf = signed_in_as(client, COLLECTOR)
    page = client.get(f"/reviews/{review_id}")
    assert page.status_code == 200
    assert f'action="/reviews/{review_id}/approve"' not in page.text  # no button for them
    response = client.post(
        f"/reviews/{review_id}/approve", data={"csrf": csrf, "comment": "forged"}
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "Traceback" not in response.text
    with Session(web_store.settings.engine) as session:
        review = session.get(Review, review_id)
        assert review is not None and review.status == ReviewStatus.PENDING


def test_a_post_without_the_csrf_token_is_refused_403(
    client: TestClient, web_store: WebStore
) -> None:
    review_id = web_store.review_ids[0]
    signed_in_as(client, LEGAL)
    for data in ({"comment": "no token"}, {"comment": "wrong", "csrf": "not-the-token"}):
        assert client.post(f"/reviews/{review_id}/approve", data=data).status_code == 403
    with Session(web_store.settings.engine) as session:
        review = session.get(Review, review_id)
        assert review is not None and review.status == ReviewStatus.PENDING


def test_the_web_decision_records_the_signed_in_user_and_via_web(
    client: TestClient, web_store: WebStore
) -> None:
    review_id = web_store.review_ids[1]
    csrf = signed_in_as(client, LEGAL)
    response = client.post(
        f"/reviews/{review_id}/approve", data={"csrf": csrf, "comment": "证据齐全"}
    )
    assert response.status_code == 303
    with Session(web_store.settings.engine) as session:
        review = session.get(Review, review_id)
    assert review is not None and review.status == ReviewStatus.APPROVED
    assert review.decided_by == LEGAL and review.decided_via == DecisionVia.WEB


def test_the_requester_of_a_review_cannot_approve_it_on_the_web(
    client: TestClient, web_store: WebStore
) -> None:
    review_id = web_store.review_ids[1]
    with Session(web_store.settings.engine) as session:
        review = session.get(Review, review_id)
        assert review is not None
        review.requested_by = LEGAL
        session.add(review)
        session.commit()
    csrf = signed_in_as(client, LEGAL)
    refused = client.post(f"/reviews/{review_id}/approve", data={"csrf": csrf, "comment": "ok"})
    assert refused.status_code == 409
    assert "four-eyes" in refused.text
    other = TestClient(client.app, follow_redirects=False)
    csrf = signed_in_as(other, LEGAL_2)
    decided = other.post(f"/reviews/{review_id}/approve", data={"csrf": csrf, "comment": "ok"})
    assert decided.status_code == 303
    with Session(web_store.settings.engine) as session:
        review = session.get(Review, review_id)
        assert review is not None and review.decided_by == LEGAL_2


def test_require_role_and_who_may_see_a_case(web_store: WebStore) -> None:
    legal = User(name=LEGAL, display_name="L", role=Role.LEGAL)
    collector = User(name=COLLECTOR, display_name="C", role=Role.COLLECTOR)
    require_role(legal, Role.LEGAL)
    with pytest.raises(Forbidden, match="needs the legal or supervisor role"):
        require_role(collector, Role.LEGAL, Role.SUPERVISOR)
    with Session(web_store.settings.engine) as session:
        mine = session.get(Case, web_store.case_ids[0])
        theirs = session.get(Case, web_store.hostile_case_id)
    assert mine is not None and theirs is not None
    assert may_see_case(collector, mine) and not may_see_case(collector, theirs)
    for role, name in ((Role.LEGAL, LEGAL), (Role.SUPERVISOR, SUPERVISOR), (Role.OPS, OPS)):
        assert may_see_case(User(name=name, display_name="x", role=role), theirs)
    assert theirs.owner == OTHER_COLLECTOR


def test_a_collector_gets_404_for_a_case_they_do_not_own(
    client: TestClient, web_store: WebStore
) -> None:
    signed_in_as(client, COLLECTOR)
    assert client.get(f"/cases/{web_store.case_ids[0]}").status_code == 200
    response = client.get(f"/cases/{web_store.hostile_case_id}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


def test_csrf_of_reads_the_session_token(client: TestClient, web_store: WebStore) -> None:
    token = signed_in_as(client, LEGAL)
    assert csrf_of(client) == token and len(token) >= 32
