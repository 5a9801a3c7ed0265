"""The case file, documents, deadlines and dashboard pages, the language switch and what every
page must hold (masked data, a hostile name as text, no inline script or style), through a
TestClient signed in through the form (tests/web/conftest.py)."""

from __future__ import annotations

import hashlib
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from tests.web.conftest import (
    COLLECTOR,
    HOSTILE_NAME,
    LEGAL,
    OPS,
    WebStore,
    signed_in_as,
)
from tests.web.page_data import PDF_BYTES, add_document, add_milestone

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
    doc_id = add_document(web_store, web_store.case_ids[0])
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
    doc_id = add_document(web_store, web_store.case_ids[1])
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
    doc_id = add_document(web_store, web_store.hostile_case_id)
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
    add_milestone(web_store, web_store.case_ids[0], kind="legal_review", due=date(2026, 11, 5))
    add_milestone(
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
    add_milestone(web_store, web_store.case_ids[0], kind="legal_review", due=date(2026, 11, 5))
    add_milestone(
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
    doc_id = add_document(web_store, web_store.case_ids[0])
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
