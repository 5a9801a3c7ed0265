"""Sign-in, sessions, CSRF, the rate limit, roles and four-eyes through the web console."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from duecourse.web import create_app
from duecourse.web.auth import safe_next
from duecourse.web.session import COOKIE, MAX_AGE, read_cookie
from models import LoginFailure, UserCredential
from models.types import utcnow
from tests.web.conftest import (
    COLLECTOR,
    LEGAL,
    PASSWORD,
    SECRET,
    SUPERVISOR,
    WebStore,
    login_csrf,
    set_user_password,
    signed_in_as,
)


def _login(client: TestClient, name: str, password: str, **extra: str) -> Response:
    data = {"csrf": login_csrf(client), "name": name, "password": password, **extra}
    response: Response = client.post("/login", data=data)
    return response


def _use_cookie(client: TestClient, value: str) -> None:
    client.cookies.clear()
    client.cookies.set(COOKIE, value)


# --- signing in -----------------------------------------------------------------------------


def test_nobody_signed_in_is_sent_to_the_sign_in_page_with_the_path_to_return_to(
    client: TestClient,
) -> None:
    response = client.get("/reviews?status=pending")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/reviews%3Fstatus%3Dpending"


def test_signing_in_through_the_form_returns_to_the_page_asked_for(
    client: TestClient, web_store: WebStore
) -> None:
    set_user_password(web_store.settings, LEGAL)
    response = _login(client, LEGAL, PASSWORD, next="/reviews/1")
    assert response.status_code == 303
    assert response.headers["location"] == "/reviews/1"
    assert read_cookie(SECRET, client.cookies[COOKIE])["user"] == LEGAL
    assert client.get("/reviews").status_code == 200
    # signed in already: /login goes straight on
    assert client.get("/login").headers["location"] == "/reviews"


@pytest.mark.parametrize(
    "target",
    ["//evil.example/x", "https://evil.example/", "/\\evil", "/\t/evil.example", "/\n/e", ""],
)
def test_after_sign_in_only_a_path_of_this_site_is_followed(
    client: TestClient, web_store: WebStore, target: str
) -> None:
    set_user_password(web_store.settings, LEGAL)
    response = _login(client, LEGAL, PASSWORD, next=target)
    assert response.headers["location"] == "/reviews"
    assert safe_next("/login?next=/x") == "/reviews"


def test_a_wrong_password_or_an_unknown_name_is_the_same_refusal(
    client: TestClient, web_store: WebStore
) -> None:
    set_user_password(web_store.settings, COLLECTOR)
    wrong = _login(client, COLLECTOR, PASSWORD + "x")
    unknown = _login(client, "nobody.here", PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "wrong name or password" in response.text
    assert "user" not in read_cookie(SECRET, client.cookies[COOKIE])
    assert client.get("/reviews").status_code == 303


def test_a_roster_user_without_a_password_cannot_sign_in(client: TestClient) -> None:
    assert _login(client, LEGAL, "").status_code == 401


def test_a_name_with_a_password_but_no_longer_on_the_roster_cannot_sign_in(
    client: TestClient, web_store: WebStore
) -> None:
    set_user_password(web_store.settings, "gone.person")
    assert _login(client, "gone.person", PASSWORD).status_code == 401


def test_the_sign_in_form_needs_its_csrf_token(client: TestClient, web_store: WebStore) -> None:
    set_user_password(web_store.settings, LEGAL)
    without = client.post("/login", data={"name": LEGAL, "password": PASSWORD})
    other = TestClient(client.app, follow_redirects=False)
    foreign = client.post(
        "/login", data={"csrf": login_csrf(other), "name": LEGAL, "password": PASSWORD}
    )
    for response in (without, foreign):
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
    assert client.get("/reviews").status_code == 303  # still nobody signed in


def test_a_csrf_field_of_any_text_is_a_403_not_an_error(
    client: TestClient, web_store: WebStore
) -> None:
    for token in ("令牌", "\x00", "x" * 5000):
        refused = client.post("/login", data={"csrf": token, "name": LEGAL, "password": "x"})
        assert refused.status_code == 403


def test_signing_in_gives_a_new_csrf_token(client: TestClient, web_store: WebStore) -> None:
    before = login_csrf(client)
    after = signed_in_as(client, LEGAL)
    assert before != after


# --- the session -----------------------------------------------------------------------------


def test_the_session_cookie_is_signed_http_only_same_site_strict_and_expires(
    client: TestClient, web_store: WebStore
) -> None:
    set_user_password(web_store.settings, LEGAL)
    response = _login(client, LEGAL, PASSWORD)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert f"Max-Age={MAX_AGE}" in cookie or f"Max-Age={MAX_AGE - 1}" in cookie
    assert "Secure" not in cookie  # plain http on localhost
    assert PASSWORD not in cookie


def test_secure_cookies_mark_the_cookie_secure(web_store: WebStore) -> None:
    app = create_app(web_store.settings, secret=SECRET, secure_cookies=True)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        assert "; Secure" in c.get("/login").headers["set-cookie"]


def test_a_forged_or_altered_cookie_signs_nobody_in(
    client: TestClient, web_store: WebStore
) -> None:
    forged = URLSafeTimedSerializer("not the secret", salt="duecourse.web.session").dumps(
        {"csrf": "x", "user": LEGAL, "since": int(time.time())}
    )
    _use_cookie(client, forged)
    assert client.get("/reviews").status_code == 303
    client.cookies.clear()
    signed_in_as(client, LEGAL)
    raw = client.cookies[COOKIE]
    _use_cookie(client, raw[:-2] + ("AA" if not raw.endswith("AA") else "BB"))
    assert client.get("/reviews").status_code == 303


def test_a_session_older_than_eight_hours_has_expired(
    client: TestClient, web_store: WebStore
) -> None:
    """Checked on the server from the signed sign-in time, whatever the browser keeps."""
    with Session(web_store.settings.engine) as session:  # a password set 9 hours ago
        long_ago = utcnow() - timedelta(hours=9)
        session.add(UserCredential(name=LEGAL, password_hash="x", updated_at=long_ago))
        session.commit()
    serializer = URLSafeTimedSerializer(SECRET, salt="duecourse.web.session")
    old = {"csrf": "x", "user": LEGAL, "since": int(time.time()) - MAX_AGE - 60}
    _use_cookie(client, serializer.dumps(old))
    assert client.get("/reviews").status_code == 303
    fresh = {"csrf": "x", "user": LEGAL, "since": int(time.time()) - 60}
    _use_cookie(client, serializer.dumps(fresh))
    assert client.get("/reviews").status_code == 200


def test_setting_the_password_again_signs_out_the_sessions_begun_before(
    client: TestClient, web_store: WebStore
) -> None:
    signed_in_as(client, LEGAL)
    assert client.get("/reviews").status_code == 200
    with Session(web_store.settings.engine) as session:
        row = session.get(UserCredential, LEGAL)
        assert row is not None
        row.updated_at = utcnow() + timedelta(seconds=2)  # set again after the sign-in
        session.add(row)
        session.commit()
    assert client.get("/reviews").status_code == 303
    with Session(web_store.settings.engine) as session:  # and a password removed
        row = session.get(UserCredential, LEGAL)
        session.delete(row)
        session.commit()
    other = TestClient(client.app, follow_redirects=False)
    signed_in_as(other, LEGAL)
    with Session(web_store.settings.engine) as session:
        session.delete(session.get(UserCredential, LEGAL))
        session.commit()
    assert other.get("/reviews").status_code == 303


def test_signing_out_needs_the_csrf_token_and_ends_the_session(
    client: TestClient, web_store: WebStore
) -> None:
    csrf = signed_in_as(client, LEGAL)
    assert client.post("/logout", data={}).status_code == 403
    assert client.get("/reviews").status_code == 200  # a forged sign-out did nothing
    response = client.post("/logout", data={"csrf": csrf})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/reviews").status_code == 303
    assert "user" not in read_cookie(SECRET, client.cookies[COOKIE])


# --- the rate limit --------------------------------------------------------------------------


def _failures(engine: Engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(LoginFailure)).all())


def test_five_wrong_passwords_for_a_name_block_it_for_fifteen_minutes(
    client: TestClient, web_store: WebStore, web_app: FastAPI
) -> None:
    set_user_password(web_store.settings, LEGAL)
    for _ in range(5):
        assert _login(client, LEGAL, "wrong password!").status_code == 401
    blocked = _login(client, LEGAL, PASSWORD)  # even the right one: it is not tried
    assert blocked.status_code == 429
    assert "too many attempts, try again in 15 minutes" in blocked.text
    assert client.get("/reviews").status_code == 303
    # counted in the store: another worker of the same store refuses as well
    other = create_app(web_store.settings, secret=SECRET)
    with TestClient(other, follow_redirects=False, client=("10.0.0.9", 5000)) as c:
        assert _login(c, LEGAL, PASSWORD).status_code == 429
    assert _failures(web_store.settings.engine) == 5


def test_five_failures_from_one_address_block_it_for_every_name(
    web_app: FastAPI, web_store: WebStore
) -> None:
    set_user_password(web_store.settings, SUPERVISOR)
    with TestClient(web_app, follow_redirects=False, client=("10.1.1.1", 4000)) as c:
        for i in range(5):
            _login(c, f"guess.{i}", "wrong password!")
        assert _login(c, SUPERVISOR, PASSWORD).status_code == 429
    with TestClient(web_app, follow_redirects=False, client=("10.1.1.2", 4000)) as c:
        assert _login(c, SUPERVISOR, PASSWORD).status_code == 303


def test_failures_older_than_fifteen_minutes_no_longer_count(
    client: TestClient, web_store: WebStore
) -> None:
    set_user_password(web_store.settings, LEGAL)
    with Session(web_store.settings.engine) as session:
        for minutes in (16, 17, 18, 19, 20):
            session.add(
                LoginFailure(name=LEGAL, client="x", at=utcnow() - timedelta(minutes=minutes))
            )
        session.commit()
    assert _login(client, LEGAL, PASSWORD).status_code == 303


def test_a_successful_sign_in_forgets_the_names_failures(
    client: TestClient, web_store: WebStore
) -> None:
    set_user_password(web_store.settings, LEGAL)
    for _ in range(4):
        _login(client, LEGAL, "wrong password!")
    assert _login(client, LEGAL, PASSWORD).status_code == 303
    assert _failures(web_store.settings.engine) == 0


# --- passwords in the store and in the logs --------------------------------------------------


def test_the_password_is_stored_as_an_argon2_hash_and_never_logged(
    client: TestClient, web_store: WebStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    set_user_password(web_store.settings, LEGAL)
    _login(client, LEGAL, "my secret typo 1")
    _login(client, "13812345678", "my secret typo 2")  # a phone typed as the name
    signed_in_as(client, LEGAL)
    with Session(web_store.settings.engine) as session:
        row = session.get(UserCredential, LEGAL)
    assert row is not None and row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (PASSWORD, "my secret typo", "13812345678"):
        assert secret not in logged
    assert f"signed in: {LEGAL}" in logged
