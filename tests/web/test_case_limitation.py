"""The case page's limitation clock (everyone who may see the case) and the effective-demand
evidence readiness (a signed-in legal user only; issue 19 item 6)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import COLLECTOR, LEGAL, WebStore, signed_in_as


def test_limitation_for_all_and_readiness_for_legal_only(
    client: TestClient, web_app: FastAPI, web_store: WebStore
) -> None:
    url = f"/cases/{web_store.case_ids[0]}"
    signed_in_as(client, LEGAL)
    legal = client.get(url).text
    assert 'id="limitation"' in legal and "due_date" in legal  # the clock runs from the due date
    assert 'class="readiness"' in legal
    with TestClient(web_app, follow_redirects=False) as other:  # a second browser
        signed_in_as(other, COLLECTOR)
        collector = other.get(url)
    assert collector.status_code == 200
    assert 'id="limitation"' in collector.text
    assert 'class="readiness"' not in collector.text
    for page in (legal, collector.text):
        assert "criminal" not in page.lower() and "刑事" not in page
