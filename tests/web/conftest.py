"""Fixtures of the web console's tests (W1, W2 and W3 share them).

`web_store`: a home with a migrated SQLite store holding a few cases and pending reviews (one
with a hostile debtor name); `web_app` / `client`: the app and a TestClient on it;
`signed_in_as(client, user)`: set the user's password and sign in through the form, as a person
would; `csrf_of(client)`: the CSRF token of the client's current session.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from duecourse.settings import Settings
from duecourse.web import create_app
from duecourse.web.session import COOKIE, read_cookie
from models.review import Review
from rules.enums import Role, Stage
from tasks.credentials import set_password
from tests.factories import make_case

SECRET = "test-secret-of-the-web-console-0123456789"
PASSWORD = "correct horse battery"
OPENED = date(2026, 11, 2)
LEGAL = "demo.xulawyer"  # roles as in the shipped demo roster (policy/roster.yaml)
LEGAL_2 = "demo.sunfa"
SUPERVISOR = "demo.zhoujie"
COLLECTOR = "demo.wangfang"
OTHER_COLLECTOR = "demo.liqiang"
OPS = "demo.maops"
HOSTILE_NAME = '<script>alert("x")</script>&王<b>五</b>'


@dataclass
class WebStore:
    """The store behind the app: its settings and the ids the tests use."""

    settings: Settings
    case_ids: list[int] = field(default_factory=list)  # cases[0..1] owned by COLLECTOR
    review_ids: list[int] = field(default_factory=list)  # pending legal reviews, one per case
    hostile_case_id: int = 0  # the debtor named HOSTILE_NAME (owned by OTHER_COLLECTOR)
    supervisor_review_id: int = 0  # a pending review needing the supervisor role


def _review(session: Session, case_id: int, role: Role, target: Stage) -> int:
    review = Review(
        case_id=case_id, target_stage=target, required_role=role, opened_on=OPENED,
        key=f"review:{case_id}:{target.value}", policy_version="test",
    )  # fmt: skip
    session.add(review)
    session.flush()
    assert review.id is not None
    return review.id


@pytest.fixture
def web_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WebStore:
    """A home under tmp_path, the shipped (demo) roster, three cases and four pending reviews."""
    for var in ("DUECOURSE_POLICY_DIR", "DUECOURSE_DATABASE_URL", "DUECOURSE_HOME",
                "DUECOURSE_WEB_SECRET", "DUECOURSE_TODAY"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)
    settings = Settings.resolve(home=str(tmp_path / "home"))
    store = WebStore(settings=settings)
    with Session(settings.engine, expire_on_commit=False) as session:
        for owner, name in (
            (COLLECTOR, "张三"),
            (COLLECTOR, "李四"),
            (OTHER_COLLECTOR, HOSTILE_NAME),
        ):
            case = make_case(session, dpd=120, owner=owner, name=name, as_of=OPENED)
            assert case.id is not None
            store.case_ids.append(case.id)
            store.review_ids.append(_review(session, case.id, Role.LEGAL, Stage.LAWYER_LETTER))
        store.hostile_case_id = store.case_ids[2]
        store.supervisor_review_id = _review(
            session, store.case_ids[0], Role.SUPERVISOR, Stage.NEGOTIATION
        )
        session.commit()
    return store


@pytest.fixture
def web_app(web_store: WebStore) -> FastAPI:
    return create_app(web_store.settings, secret=SECRET)


@pytest.fixture
def client(web_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(web_app, follow_redirects=False) as c:
        yield c


def set_user_password(settings: Settings, user: str, password: str = PASSWORD) -> None:
    with Session(settings.engine) as session:
        set_password(session, user, password)
        session.commit()


def login_csrf(client: TestClient) -> str:
    """The CSRF token the sign-in form carries (GET /login)."""
    page = client.get("/login")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, "the sign-in form has no csrf input"
    return found.group(1)


def csrf_of(client: TestClient) -> str:
    """The CSRF token of the client's current session (read from its signed cookie)."""
    raw = client.cookies.get(COOKIE)
    assert raw, "no session cookie"
    token: str = read_cookie(SECRET, raw)["csrf"]
    return token


def signed_in_as(client: TestClient, user: str, password: str = PASSWORD) -> str:
    """Set `user`'s password and sign in through the form; returns the session's CSRF token
    (to put in the `csrf` field of the POSTs that follow)."""
    app: FastAPI = client.app  # type: ignore[assignment]
    set_user_password(app.state.settings, user, password)
    response = client.post(
        "/login", data={"csrf": login_csrf(client), "name": user, "password": password}
    )
    assert response.status_code == 303, response.text
    return csrf_of(client)
