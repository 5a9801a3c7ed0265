"""The web console's safety by construction: headers on every response, error pages without
tracebacks, autoescaped templates, no personal data in URLs or logs."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient
from httpx import Headers

from duecourse.web import create_app
from duecourse.web.app import make_templates
from duecourse.web.security import CSP, EMBEDDABLE
from tests.web.conftest import (
    COLLECTOR,
    HOSTILE_NAME,
    LEGAL,
    SECRET,
    WebStore,
    signed_in_as,
)

EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
# What the factory stores for every debtor (tests/factories.py make_case)
PERSONAL = (
    "13812345678",
    "330106199001011234",
    "6225880123456789",
    "文三路",
    "张三",
    "@example.com",
)


def _assert_headers(h: Headers, *, cached: bool = False) -> None:
    assert h["content-security-policy"] == EXPECTED_CSP
    assert h["x-frame-options"] == "DENY"
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "no-referrer"
    if not cached:
        assert h["cache-control"] == "no-store"


def test_the_csp_forbids_inline_script_and_framing() -> None:
    assert CSP == EXPECTED_CSP
    assert "unsafe-inline" not in CSP and "frame-ancestors 'none'" in CSP


def test_every_page_redirect_and_error_carries_the_headers(
    client: TestClient, web_store: WebStore
) -> None:
    responses = [client.get("/login"), client.get("/reviews"), client.get("/no/such/page")]
    signed_in_as(client, LEGAL)
    responses += [
        client.get("/reviews"),
        client.get(f"/reviews/{web_store.review_ids[0]}"),
        client.get(f"/cases/{web_store.case_ids[0]}"),
        client.post("/logout", data={}),  # 403
    ]
    assert [r.status_code for r in responses] == [200, 303, 404, 200, 200, 200, 403]
    for response in responses:
        _assert_headers(response.headers)


def test_static_files_may_be_cached_but_keep_the_other_headers(client: TestClient) -> None:
    response = client.get("/static/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("cache-control", "")
    _assert_headers(response.headers, cached=True)


def test_a_route_may_let_this_site_embed_its_response(web_store: WebStore) -> None:
    app = create_app(web_store.settings, secret=SECRET)

    @app.get("/embeddable-probe")
    def probe() -> PlainTextResponse:
        return PlainTextResponse("pdf", headers=EMBEDDABLE)

    with TestClient(app) as c:
        response = c.get("/embeddable-probe")
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"


def test_not_found_and_forbidden_are_html_pages_without_traceback(
    client: TestClient, web_store: WebStore
) -> None:
    signed_in_as(client, COLLECTOR)
    pages = {
        "/no/such/page": 404,
        "/reviews/not-a-number": 404,
        "/reviews/999999": 404,
        f"/cases/{web_store.hostile_case_id}": 404,  # not theirs: not disclosed
    }
    for path, status in pages.items():
        response = client.get(path)
        assert response.status_code == status, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert "Traceback" not in response.text and "<html" in response.text, path
    forged = client.post(f"/reviews/{web_store.review_ids[0]}/approve", data={"comment": "x"})
    assert forged.status_code == 403 and "<html" in forged.text


def test_an_unexpected_error_is_a_page_without_its_cause(
    web_store: WebStore, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(web_store.settings, secret=SECRET)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail 13812345678")

    caplog.set_level(logging.ERROR)
    with TestClient(app) as c:
        response = c.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "secret detail" not in response.text and "Traceback" not in response.text
    _assert_headers(response.headers)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "unhandled RuntimeError on GET /boom" in logged
    assert "13812345678" not in logged


def test_templates_autoescape_a_hostile_name(client: TestClient, web_store: WebStore) -> None:
    rendered = make_templates().env.from_string("<p>{{ name }}</p>").render(name=HOSTILE_NAME)
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    signed_in_as(client, LEGAL)
    page = client.get(f"/cases/{web_store.hostile_case_id}")
    assert page.status_code == 200
    assert '<script>alert("x")</script>' not in page.text and "<b>五</b>" not in page.text
    assert "&lt;script&gt;" in page.text


def test_no_personal_data_in_any_link_or_form_action(
    client: TestClient, web_store: WebStore
) -> None:
    signed_in_as(client, LEGAL)
    paths = ["/reviews", f"/reviews/{web_store.review_ids[0]}", f"/cases/{web_store.case_ids[0]}"]
    urls: list[str] = []
    for path in paths:
        page = client.get(path)
        assert page.status_code == 200
        urls += re.findall(r'(?:href|action|src|data)="([^"]*)"', page.text)
        assert all(p not in page.headers.get("location", "") for p in PERSONAL)
    assert urls  # the pages do link somewhere
    for url in urls:
        for value in PERSONAL:
            assert value not in url, url


def test_personal_data_stays_out_of_the_logs_of_a_session(
    client: TestClient, web_store: WebStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    csrf = signed_in_as(client, LEGAL)
    client.get(f"/cases/{web_store.case_ids[0]}")
    client.post(
        f"/reviews/{web_store.review_ids[0]}/approve", data={"csrf": csrf, "comment": "看过了"}
    )
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for value in PERSONAL:
        assert value not in logged


def test_the_app_has_no_api_docs_exposed(client: TestClient) -> None:
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == 404


def test_no_secret_argument_uses_a_private_key_file_made_once(
    web_store: WebStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DUECOURSE_WEB_SECRET", raising=False)
    app: FastAPI = create_app(web_store.settings)
    key = web_store.settings.home / "web-secret"
    assert key.stat().st_mode & 0o777 == 0o600
    first = key.read_text()
    create_app(web_store.settings)
    assert key.read_text() == first and len(first) >= 32
    with TestClient(app) as c:
        assert c.get("/login").status_code == 200
    monkeypatch.setenv("DUECOURSE_WEB_SECRET", "from-the-environment-0123456789")
    from duecourse.web.session import web_secret

    assert web_secret(web_store.settings) == "from-the-environment-0123456789"


def test_a_key_file_too_short_to_be_a_key_is_refused_in_one_line(web_store: WebStore) -> None:
    from duecourse.web.session import web_secret
    from rules.errors import DuecourseError

    web_store.settings.make_home()
    (web_store.settings.home / "web-secret").write_text("short\n")
    with pytest.raises(DuecourseError, match="web-secret: the web secret is shorter than 16"):
        web_secret(web_store.settings)
