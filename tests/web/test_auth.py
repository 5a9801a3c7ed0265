"""Sign-in, sessions, CSRF, the rate limit, roles and four-eyes through the web console."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import COLLECTOR, LEGAL, PASSWORD, WebStore, login_csrf, signed_in_as


def test_signing_in_through_the_form_sets_a_signed_session(
    client: TestClient, web_store: WebStore
) -> None:
    csrf = signed_in_as(client, LEGAL)
    assert csrf
    response = client.get("/login")
    assert response.status_code == 303 and response.headers["location"] == "/reviews"


def test_a_wrong_password_is_refused(client: TestClient, web_store: WebStore) -> None:
    signed_in_as(client, COLLECTOR)
    client.post("/logout", data={"csrf": "x"})
    fresh = TestClient(client.app, follow_redirects=False)
    response = fresh.post(
        "/login", data={"csrf": login_csrf(fresh), "name": COLLECTOR, "password": PASSWORD + "x"}
    )
    assert response.status_code == 401
    assert "wrong name or password" in response.text
